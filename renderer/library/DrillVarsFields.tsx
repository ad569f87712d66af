import { useEffect, useMemo, useState } from 'react';
import type { RunbookVars } from '../../main/runbook/model';
import { api } from '../app/calls';
import { AlertIcon } from '../ui/Icons';
import { LIMITS } from '../../main/common/limits.js';

export interface VarsState {
  /** Values the operator typed (empty fields are left out: the default applies). */
  values: Record<string, string>;
  /** False while a required value is missing or does not match its pattern. */
  ok: boolean;
}

/**
 * The start dialog's "Variables" step: one field per `{{NAME}}` the runbook
 * declares (main/runbook/vars.ts). Secrets are listed but never typed here:
 * they come from the environment of the terminal the commands run in.
 */
export function DrillVarsFields({ runbookPath, touched, onChange }: { runbookPath: string; touched: boolean; onChange: (state: VarsState) => void }) {
  const [info, setInfo] = useState<RunbookVars | null>(null);
  const [values, setValues] = useState<Record<string, string>>({});

  useEffect(() => {
    let live = true;
    void api('runbooks.vars', { path: runbookPath }).then((r) => {
      if (live) setInfo(r ?? { vars: [], problems: [] });
    });
    return () => {
      live = false;
    };
  }, [runbookPath]);

  const errors = useMemo(() => {
    const out: Record<string, string> = {};
    for (const v of info?.vars ?? []) {
      if (v.secret) continue;
      const value = values[v.name] ?? '';
      if (value === '' && v.default === null && !v.envSet) out[v.name] = 'A value is required.';
      else if (/[\r\n]/.test(value)) out[v.name] = 'One line only.';
      else if (value !== '' && v.pattern !== null && !safeTest(v.pattern, value)) out[v.name] = `Must match ${v.pattern}.`;
    }
    return out;
  }, [info, values]);

  // While the list loads, do not hold the dialog up: the core checks the values again and says what is missing.
  const ok = info === null || (info.problems.length === 0 && Object.keys(errors).length === 0);
  useEffect(() => {
    const given = Object.fromEntries(Object.entries(values).filter(([, v]) => v !== ''));
    onChange({ values: given, ok });
  }, [values, ok, onChange]);

  if (info === null || (info.vars.length === 0 && info.problems.length === 0)) return null;
  const plain = info.vars.filter((v) => !v.secret);
  const required = plain.filter((v) => v.default === null && !v.envSet);
  const optional = plain.filter((v) => !required.includes(v));
  const secrets = info.vars.filter((v) => v.secret);
  const field = (v: (typeof plain)[number]) => (
    <div key={v.name}>
      <label className="field-label mono" htmlFor={`var-${v.name}`}>
        {v.name}
      </label>
      <input
        id={`var-${v.name}`}
        className={`input mono ${touched && errors[v.name] ? 'is-invalid' : ''}`}
        value={values[v.name] ?? ''}
        onChange={(e) => setValues((s) => ({ ...s, [v.name]: e.target.value }))}
        placeholder={v.default !== null ? v.default || '(empty)' : v.envSet && v.env ? `from $${v.env}` : 'required'}
        maxLength={LIMITS.varValue}
        spellCheck={false}
        data-testid={`var-input-${v.name}`}
      />
      {touched && errors[v.name] ? <div className="field-error">{errors[v.name]}</div> : <div className="field-hint">{v.description ?? `Used as {{${v.name}}} in the commands.`}</div>}
    </div>
  );
  // Fields with an error must be visible even when folded away with the defaults.
  const openDefaults = touched && optional.some((v) => errors[v.name]);
  return (
    <div className="drill-vars" data-testid="drill-vars">
      <div className="field-label">Variables</div>
      {info.problems.length ? (
        <div className="callout callout-danger small" data-testid="vars-problems">
          <AlertIcon />
          <span>Fix the runbook first: {info.problems.join(' · ')}</span>
        </div>
      ) : null}
      {required.map(field)}
      {optional.length ? (
        <details open={openDefaults || optional.length <= 3 || undefined} data-testid="vars-defaults">
          <summary className="field-hint">
            {optional.length > 1 ? `${optional.length} with defaults` : 'With a default'}: {optional.map((v) => v.name).join(', ')}
          </summary>
          {optional.map(field)}
        </details>
      ) : null}
      {secrets.map((v) => (
        <div key={v.name} className="field-hint" data-testid={`var-secret-${v.name}`}>
          <span className="mono">{v.name}</span> is a secret: commands read it as <span className="mono">${v.name}</span> from the terminal&apos;s environment. It is never
          typed here or stored.{v.description ? ` (${v.description})` : ''}
        </div>
      ))}
    </div>
  );
}

function safeTest(pattern: string, value: string): boolean {
  try {
    return new RegExp(pattern).test(value);
  } catch {
    return true; // the core checks it again
  }
}
