import { useState } from 'react';
import { useLibrary } from './store';
import type { LibraryEntry } from '../../main/runbook/model';
import type { Runbook, Step } from '../../main/runbook/model';
import { Markdown } from '../ui/Markdown';
import { Button } from '../ui/Button';
import { Badge } from '../ui/Badge';
import { AlertIcon, PlayIcon } from '../ui/Icons';
import { StartDrillDialog } from './StartDrillDialog';
import { plural, targetText } from '../app/format';
import { commandCaption } from '../drill/commands';
import { ContextSections, ProcedurePanel } from './ProcedurePanel';

export function RunbookPreview({ path, entry }: { path: string; entry: LibraryEntry | null }) {
  const cache = useLibrary((s) => s.runbooks[path]);
  const [starting, setStarting] = useState(false);
  const runbook = cache?.runbook;
  const error = entry?.error ?? (!runbook ? cache?.error : undefined);

  if (!runbook) {
    return (
      <div className="preview">
        <div className="preview-head">
          <h1 data-testid="preview-title">{entry?.title ?? path}</h1>
          <div className="mono muted small">{path}</div>
        </div>
        {error ? (
          <div className="callout callout-danger" data-testid="preview-error">
            <AlertIcon />
            <div>
              <strong>This runbook could not be loaded.</strong>
              <div className="mono">{error}</div>
            </div>
          </div>
        ) : (
          <div className="loading">Loading…</div>
        )}
      </div>
    );
  }

  const warnings = runbook.diagnostics.filter((d) => d.severity === 'warning');
  const errors = runbook.diagnostics.filter((d) => d.severity === 'error');

  return (
    <div className="preview" data-testid="runbook-preview">
      <div className="preview-head sticky">
        <div className="preview-title-row">
          <div className="preview-title-block">
            <h1 data-testid="preview-title">{runbook.title}</h1>
            <div className="mono muted small preview-path" title={runbook.file}>
              {runbook.file}
            </div>
          </div>
          <Button
            variant="primary"
            size="lg"
            icon={<PlayIcon />}
            onClick={() => setStarting(true)}
            disabled={runbook.steps.length === 0 || errors.length > 0}
            data-testid="start-drill"
          >
            Start drill
          </Button>
        </div>
        <dl className="meta-row">
          <div>
            <dt>RTO</dt>
            <dd data-testid="preview-rto">{runbook.rto ? <span title={runbook.rto.text}>{targetText(runbook.rto.seconds)}</span> : <span className="muted">not set</span>}</dd>
          </div>
          <div>
            <dt>RPO</dt>
            <dd>{runbook.rpo ? targetText(runbook.rpo.seconds) : <span className="muted">not set</span>}</dd>
          </div>
          <div>
            <dt>Owner</dt>
            <dd>{runbook.meta.owner ?? <span className="muted">—</span>}</dd>
          </div>
          <div>
            <dt>Steps</dt>
            <dd>{runbook.steps.length}</dd>
          </div>
          {runbook.meta.tags.length ? (
            <div className="meta-tags">
              <dt>Tags</dt>
              <dd>
                {runbook.meta.tags.map((t) => (
                  <Badge key={t}>{t}</Badge>
                ))}
              </dd>
            </div>
          ) : null}
        </dl>
      </div>

      <ProcedurePanel runbook={runbook} path={path} />

      {runbook.diagnostics.length ? (
        <details className={`callout ${errors.length ? 'callout-danger' : 'callout-warn'}`} open={errors.length > 0} data-testid="preview-diagnostics">
          <summary>
            <AlertIcon />
            {errors.length ? `${errors.length} ${errors.length === 1 ? 'error' : 'errors'}` : ''}
            {errors.length && warnings.length ? ', ' : ''}
            {warnings.length ? `${warnings.length} ${warnings.length === 1 ? 'warning' : 'warnings'}` : ''} from lint
          </summary>
          <ul className="diag-list">
            {runbook.diagnostics.map((d, i) => (
              <li key={i} className={`diag diag-${d.severity}`}>
                <span className="mono">line {d.line}</span> {d.message}
              </li>
            ))}
          </ul>
        </details>
      ) : null}

      {runbook.intro.trim() ? <Markdown source={runbook.intro} className="preview-intro" testId="preview-intro" /> : null}

      <ContextSections runbook={runbook} />

      <ol className="preview-steps">
        {runbook.steps.map((step) => (
          <PreviewStep key={step.index} step={step} />
        ))}
      </ol>

      {starting ? <StartDrillDialog runbook={runbook} onClose={() => setStarting(false)} /> : null}
    </div>
  );
}

function PreviewStep({ step }: { step: Step }) {
  return (
    <li className="preview-step" data-testid="preview-step">
      <div className="preview-step-head">
        <span className="step-num">{step.index + 1}</span>
        <h2>{step.title}</h2>
        {step.commands.some((c) => c.tab) ? <span className="muted small">tabs: {[...new Set(step.commands.map((c) => c.tab).filter(Boolean))].join(', ')}</span> : null}
        {step.rtoStart ? <Badge tone="accent">RTO clock starts</Badge> : null}
        {step.rtoEnd ? <Badge tone="accent">RTO clock stops</Badge> : null}
        {step.always ? (
          <Badge tone="neutral" testId="preview-cleanup" title="Unattended runs perform this step even after an earlier step failed">
            clean-up
          </Badge>
        ) : null}
        {step.checklist.length ? <span className="muted small">{plural(step.checklist.length, 'check')}</span> : null}
      </div>
      <Markdown source={step.body} className="step-md" codeCaption={(b) => commandCaption(step, b.index)} />
    </li>
  );
}

export type { Runbook };
