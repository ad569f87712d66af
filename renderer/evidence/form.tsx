/**
 * The one pattern every evidence form follows (scenario, participants,
 * failure, recovery point, findings, remediation, sign-off): a few text
 * fields, a record call that says whether it was recorded, the fields that
 * are cleared when it was, and the store's busy flag for the button.
 * Fields keep their placeholder as their visible hint and their accessible
 * name (or an aria-label), their data-testid and their length limit.
 */
import { useState, type ChangeEvent, type ReactNode } from 'react';
import { useBusy } from '../app/calls';

type FieldElement = HTMLInputElement | HTMLTextAreaElement | HTMLSelectElement;

export interface EvidenceForm<F extends Record<string, string>> {
  values: F;
  /** A field's value, trimmed. */
  text(name: keyof F): string;
  /** Every named field has text. */
  filled(...names: (keyof F)[]): boolean;
  /** value/onChange for an input, textarea or select. */
  bind(name: keyof F): { value: string; onChange: (e: ChangeEvent<FieldElement>) => void };
  /** The request for this form is in flight. */
  busy: boolean;
  /** Runs `record`; when it resolves truthy, empties the named fields. */
  submit(record: () => Promise<unknown> | undefined, clear?: (keyof F)[]): void;
}

export function useEvidenceForm<F extends Record<string, string>>(initial: F, busyKey: string): EvidenceForm<F> {
  const [values, setValues] = useState<F>(initial);
  const busy = useBusy((s) => !!s.busy[busyKey]);
  const text = (name: keyof F) => (values[name] ?? '').trim();
  return {
    values,
    text,
    filled: (...names) => names.every((n) => text(n) !== ''),
    bind: (name) => ({ value: values[name] ?? '', onChange: (e) => setValues((v) => ({ ...v, [name]: e.target.value })) }),
    busy,
    submit: (record, clear = []) => {
      void record()?.then((ok) => {
        if (ok && clear.length) setValues((v) => ({ ...v, ...Object.fromEntries(clear.map((n) => [n, ''])) }));
      });
    },
  };
}

/** A form that records on submit (Enter or its button), never by a page load. */
export function RecordForm({ className, onSubmit, children }: { className: 'ev-form' | 'ev-row'; onSubmit: () => void; children: ReactNode }) {
  return (
    <form
      className={className}
      onSubmit={(e) => {
        e.preventDefault();
        onSubmit();
      }}
    >
      {children}
    </form>
  );
}

interface TextFieldProps<F extends Record<string, string>> {
  form: EvidenceForm<F>;
  name: keyof F;
  testId: string;
  placeholder?: string;
  /** The accessible name when there is no placeholder to give it. */
  label?: string;
  maxLength?: number;
  mono?: boolean;
  type?: 'text' | 'date';
  /** A textarea of this many rows. */
  rows?: number;
}

/** One text field of an evidence form. */
export function TextField<F extends Record<string, string>>({ form, name, testId, placeholder, label, maxLength, mono, type, rows }: TextFieldProps<F>) {
  const common = { placeholder, maxLength, 'aria-label': label, 'data-testid': testId, ...form.bind(name) };
  if (rows) return <textarea className="input textarea" rows={rows} {...common} />;
  return <input className={mono ? 'input mono' : 'input'} type={type} {...common} />;
}
