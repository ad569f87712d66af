import { useState } from 'react';
import type { ApiClient } from '../app/transport';
import { toApiError } from '../app/transport';
import type { PromptAnswer, PromptInfo } from '../../main/terminal/types';
import { Dialog } from '../ui/Dialog';
import { Button } from '../ui/Button';

/**
 * The questions a connection asks the operator: an unknown host key (shown
 * with its fingerprint, to be checked before accepting), a password, a key
 * passphrase, or a server's keyboard-interactive prompts (2FA). Answers go
 * to the core and are not kept here once sent.
 */
export function PromptDialog({ client, prompt }: { client: ApiClient; prompt: PromptInfo }) {
  const [values, setValues] = useState<string[]>(() => (prompt.kind === 'keyboard-interactive' ? (prompt.prompts ?? []).map(() => '') : ['']));
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);

  const send = async (answer: PromptAnswer) => {
    setBusy(true);
    setError(null);
    try {
      await client.call('terminal.answer', { promptId: prompt.promptId, answer });
    } catch (err) {
      setError(toApiError(err).message);
    } finally {
      setBusy(false);
      setValues((v) => v.map(() => ''));
    }
  };
  const cancel = () => void send(prompt.kind === 'hostkey' ? { accept: false } : { cancel: true });

  if (prompt.kind === 'hostkey') {
    return (
      <Dialog
        title={`Unknown host: ${prompt.target}`}
        tone="warning"
        onClose={cancel}
        testId="hostkey-prompt"
        width={560}
        footer={
          <>
            <Button variant="ghost" onClick={cancel} disabled={busy} data-testid="hostkey-refuse">
              Refuse
            </Button>
            <Button variant="warning" onClick={() => void send({ accept: true })} busy={busy} data-testid="hostkey-accept">
              Accept and remember
            </Button>
          </>
        }
      >
        <p className="dialog-desc">
          This is the first connection to <strong>{prompt.host}</strong>
          {prompt.port && prompt.port !== 22 ? ` port ${prompt.port}` : ''}. Compare its key fingerprint with the one the host's owner gave you before
          accepting; accepting it adds it to <span className="mono">{prompt.knownHostsFile}</span>.
        </p>
        <dl className="term-hostkey">
          <dt>Key type</dt>
          <dd className="mono">{prompt.keyType}</dd>
          <dt>Fingerprint</dt>
          <dd className="mono term-fingerprint" data-testid="hostkey-fingerprint">
            {prompt.fingerprint}
          </dd>
        </dl>
        {error ? <p className="term-error">{error}</p> : null}
      </Dialog>
    );
  }

  const fields =
    prompt.kind === 'keyboard-interactive'
      ? (prompt.prompts ?? []).map((p) => ({ label: p.prompt, secret: !p.echo }))
      : [{ label: prompt.kind === 'password' ? 'Password' : 'Passphrase', secret: true }];
  const title = prompt.kind === 'keyboard-interactive' ? prompt.name || `${prompt.target} asks` : prompt.kind === 'password' ? `Password for ${prompt.target}` : 'Key passphrase';

  return (
    <Dialog
      title={title}
      onClose={cancel}
      onSubmit={() => void send({ values })}
      testId="secret-prompt"
      width={480}
      footer={
        <>
          <Button variant="ghost" onClick={cancel} disabled={busy}>
            Cancel
          </Button>
          <Button type="submit" variant="primary" busy={busy} data-testid="secret-submit">
            Continue
          </Button>
        </>
      }
    >
      <p className="dialog-desc">{prompt.kind === 'keyboard-interactive' ? prompt.instructions || prompt.message : prompt.message}</p>
      {fields.map((f, i) => (
        <label key={i} className="field">
          <span className="field-label">{f.label}</span>
          <input
            className="input"
            type={f.secret ? 'password' : 'text'}
            autoComplete="off"
            spellCheck={false}
            value={values[i] ?? ''}
            onChange={(e) => setValues((v) => v.map((x, j) => (j === i ? e.target.value : x)))}
            data-testid={`secret-input-${i}`}
            {...(i === 0 ? { 'data-autofocus': true } : {})}
          />
        </label>
      ))}
      <p className="muted small">Held only for this connection attempt; never written to disk.</p>
      {error ? <p className="term-error">{error}</p> : null}
    </Dialog>
  );
}
