export { blockIndexOf, blockText } from './blocks';
import type { Step } from '../../main/runbook/model';

/** "on db-primary · restore-db": where and what a step's i-th code block runs. */
export function commandCaption(step: Step | undefined, blockIndex: number): string | null {
  const cmd = step?.commands[blockIndex];
  if (!cmd) return null;
  const parts: string[] = [];
  if (cmd.attrs.target && cmd.attrs.target !== 'local') parts.push(`on ${cmd.attrs.target}`);
  if (cmd.attrs.name) parts.push(cmd.attrs.name);
  if (cmd.attrs.timeout) parts.push(`timeout ${cmd.attrs.timeout.text}`);
  if (cmd.attrs.expect !== undefined) parts.push(`expects ${String(cmd.attrs.expect)}`);
  return parts.length ? parts.join(' · ') : null;
}
