import { useState } from 'react';
import type { ApiClient } from '../app/transport';
import { toApiError } from '../app/transport';
import type { DrillSnapshot } from '../../main/drill/model';
import type { CommandBlock } from '../../main/runbook/model';
import { Dialog } from '../ui/Dialog';
import { Button } from '../ui/Button';
import { PlayIcon } from '../ui/Icons';
import { requestTerminal } from './state';

export interface RunButtonProps {
  client: ApiClient;
  snap: DrillSnapshot;
  stepIndex: number;
  commandIndex: number;
  block: CommandBlock | undefined;
  canRun: boolean;
  onError?: (message: string) => void;
}

/**
 * "Run" on a code block: runs the block (as the drill recorded it, variables
 * filled in) in its target's terminal, in a fresh `bash -e -o pipefail`
 * like `drillbook run` (brought forward first, so the operator sees it). A
 * Run while another is going is queued in that terminal and says so. In a
 * live drill the text and target are shown for confirmation before
 * anything is sent. The block's latest result is shown beside the button.
 */
export function RunButton({ client, snap, stepIndex, commandIndex, block, canRun, onError }: RunButtonProps) {
  const [confirming, setConfirming] = useState(false);
  const [busy, setBusy] = useState(false);
  if (!block) return null;
  const target = block.attrs.target ?? 'local';
  // By position, never by text (older drills recorded no position: their text is the block's).
  const last = [...snap.commands]
    .reverse()
    .find((c) => c.origin !== 'typed' && c.stepIndex === stepIndex && (c.commandIndex !== null ? c.commandIndex === commandIndex : c.text === block.text && c.target === target));

  const run = async (confirmed: boolean) => {
    setBusy(true);
    requestTerminal(snap.id, target);
    try {
      await client.call('terminal.run', { drillId: snap.id, stepIndex, commandIndex, ...(confirmed ? { confirmed: true } : {}) });
      setConfirming(false);
    } catch (err) {
      onError?.(toApiError(err).message);
    } finally {
      setBusy(false);
    }
  };

  return (
    <>
      {last ? <RunResult exitCode={last.exitCode} passed={last.expectPassed} ended={last.endedAt !== null} queued={last.queued} note={last.note} /> : null}
      {last && last.queued && last.endedAt === null && last.runId && canRun ? (
        <button
          type="button"
          className="code-copy"
          onClick={() => void client.call('terminal.cancel', { drillId: snap.id, runId: last.runId! }).catch((err: unknown) => onError?.(toApiError(err).message))}
          aria-label="Take back this queued run"
          title="Take back this queued run (it has not started)"
          data-testid="run-cancel"
        >
          <span>Cancel</span>
        </button>
      ) : null}
      {canRun ? (
        <button
          type="button"
          className={`code-copy code-run ${snap.mode === 'live' ? 'is-live' : ''}`}
          onClick={() => (snap.mode === 'live' ? setConfirming(true) : void run(false))}
          disabled={busy}
          aria-label={`Run in the ${target} terminal`}
          title={`Run this in the ${target} terminal (a fresh bash -e -o pipefail, as drillbook run does)${last && last.endedAt === null ? '; it waits for the run before it' : ''}`}
          data-testid="run-code"
          data-target={target}
        >
          <PlayIcon size={12} />
          <span>Run</span>
        </button>
      ) : null}
      {confirming ? (
        <Dialog
          title={`Send to ${target}?`}
          tone="warning"
          onClose={() => setConfirming(false)}
          testId="run-confirm"
          width={620}
          footer={
            <>
              <Button variant="ghost" onClick={() => setConfirming(false)}>
                Cancel
              </Button>
              <Button variant="live" onClick={() => void run(true)} busy={busy} data-testid="run-confirm-send">
                Send to {target}
              </Button>
            </>
          }
        >
          <p className="dialog-desc">
            This is a <strong>live</strong> drill. This exact block will run in the <strong>{target}</strong> terminal:
          </p>
          <pre className="term-confirm-text" data-testid="run-confirm-text">
            {block.text}
          </pre>
        </Dialog>
      ) : null}
    </>
  );
}

/**
 * What a finished run's badge says. A failed expectation says what failed
 * ("expected "restored" not found"), never just "✗ exit 0", which reads as
 * a pass with a typo.
 */
export function runResultLabel(exitCode: number | null, passed: boolean | null, ended: boolean, note: string | null, queued = false): string {
  if (!ended) return queued ? 'queued' : 'running…';
  if (passed === false && note) {
    const m = /^output did not (contain|match) (.+)$/.exec(note);
    if (m) return `expected ${m[2]} not found${exitCode !== null ? ` (exit ${exitCode})` : ''}`;
    // A plain non-zero exit reads as the exit code, the same words as every other finished run.
    if (exitCode !== null && /^exited with code \d+$/.test(note)) return `exit ${exitCode}`;
    return note;
  }
  return exitCode === null ? 'no exit code' : `exit ${exitCode}`;
}

function RunResult({ exitCode, passed, ended, queued, note }: { exitCode: number | null; passed: boolean | null; ended: boolean; queued: boolean; note: string | null }) {
  const label = runResultLabel(exitCode, passed, ended, note, queued);
  const tone = !ended ? 'neutral' : passed === true ? 'ok' : passed === false ? 'danger' : 'neutral';
  const title = queued ? (note ?? 'Waits for the run before it in this terminal') : (note ?? undefined);
  return (
    <span className={`code-result code-result-${tone}`} title={title} data-testid="run-result" data-state={!ended ? (queued ? 'queued' : 'running') : 'done'} data-passed={passed === null ? '' : String(passed)}>
      {passed === true ? '✓ ' : passed === false ? '✗ ' : ''}
      {label}
    </span>
  );
}
