/**
 * What a drill of this runbook will time, at a glance (issue 10): where the
 * steps come from, which sections are read as context, how many things lint
 * did not take as a step, command or checklist item, and a way to choose the
 * section that holds the procedure when Drillbook's guess is wrong. The
 * choice is remembered for this runbook in the data folder
 * (`runbooks.setSteps`), the file is not edited.
 */
import { useState } from 'react';
import type { Runbook } from '../../main/runbook/model';
import { api } from '../app/calls';
import { loadLibrary, loadRunbook } from './store';
import { Markdown } from '../ui/Markdown';
import { describeStepSource as describeSource } from '../../main/runbook/describe';

/** Lint messages about content not taken (parse.ts words them this way). */
const NOT_TAKEN = /not a command|not inside a step|not ticked|nested too deeply|never closed with -->|indented 4 columns more/;

export function ProcedurePanel({ runbook, path }: { runbook: Runbook; path: string }) {
  const [saving, setSaving] = useState(false);
  const context = runbook.context ?? [];
  const notTaken = runbook.diagnostics.filter((d) => d.severity === 'warning' && NOT_TAKEN.test(d.message));
  const choice = runbook.procedure?.chosen === 'override' ? runbook.procedure.title : '';
  const sections = (runbook.outline ?? []).filter((h, i, all) => all.findIndex((o) => o.title === h.title) === i);

  const choose = async (steps: string) => {
    setSaving(true);
    const done = await api('runbooks.setSteps', { path, steps: steps === '' ? null : steps });
    if (done) await Promise.all([loadRunbook(path, true), loadLibrary()]);
    setSaving(false);
  };

  return (
    <section className="procedure" aria-label="What will be timed" data-testid="procedure">
      <div className="procedure-summary">
        <span className="procedure-count" data-testid="procedure-count">
          {runbook.steps.length} timed {runbook.steps.length === 1 ? 'step' : 'steps'}
        </span>
        <span className="procedure-source" data-testid="procedure-source">
          from {describeSource(runbook)}
        </span>
      </div>
      {context.length ? (
        <div className="procedure-context" data-testid="procedure-context">
          <span className="muted">Read as context, not timed:</span>{' '}
          {context.map((c) => (
            <span key={c.line} className="context-chip" title={`line ${c.line}`}>
              {c.title}
            </span>
          ))}
        </div>
      ) : null}
      {notTaken.length ? (
        <div className="procedure-warn" data-testid="procedure-not-taken">
          {notTaken.length} {notTaken.length === 1 ? 'block or item was' : 'blocks or items were'} not taken as a step, command or checklist item ({notTaken.length === 1 ? 'line' : 'lines'}{' '}
          {notTaken
            .slice(0, 6)
            .map((d) => d.line)
            .join(', ')}
          {notTaken.length > 6 ? ', …' : ''}); see the lint warnings.
        </div>
      ) : null}
      {sections.length ? (
        <label className="procedure-choice">
          <span>Steps come from</span>
          <select value={choice} disabled={saving} onChange={(e) => void choose(e.target.value)} data-testid="procedure-choice">
            <option value="">Drillbook’s reading{runbook.procedure?.chosen === 'override' ? '' : ' (current)'}</option>
            {sections.map((h) => (
              <option key={h.line} value={h.title}>
                {'  '.repeat(Math.max(0, h.level - 2))}
                {h.title}
              </option>
            ))}
          </select>
        </label>
      ) : null}
    </section>
  );
}

/** The context sections themselves, collapsed, so nothing the runbook says is hidden. */
export function ContextSections({ runbook }: { runbook: Runbook }) {
  const context = runbook.context ?? [];
  if (!context.length) return null;
  return (
    <div className="preview-context" data-testid="preview-context">
      {context.map((c) => (
        <details key={c.line} className="context-section">
          <summary>
            <span className="context-tag">context</span> {c.title}
          </summary>
          {c.body.trim() ? <Markdown source={c.body} className="step-md" /> : <p className="muted small">(empty)</p>}
        </details>
      ))}
    </div>
  );
}
