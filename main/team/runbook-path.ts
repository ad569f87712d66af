/**
 * What the team calls a runbook: its path inside the git repository that
 * holds it ("runbooks/orders-db.md"), not where one operator's checkout sits
 * ("/home/ana/src/ops/runbooks/orders-db.md"). Operators keep the team's
 * runbook repository in different folders; keyed by the absolute path, one
 * runbook became one team runbook per checkout, its p50/p90, trend and
 * freshness split between them (found publishing from a second folder), and
 * each operator's home folder went to the server with every drill.
 *
 * The client finds the repository (the nearest folder above the runbook
 * holding `.git`) and sends the path below it beside the drill; the server
 * takes it only when the drill's signed runbook path ends with it, so it
 * names the same file. A runbook outside any repository keeps its full path.
 */
import path from 'node:path';

const MAX = 1024;

/** The runbook's path below the nearest enclosing git repository, with '/' separators; null when there is none. */
export function repoRelativePath(file: string, isRepoRoot: (dir: string) => boolean): string | null {
  let dir = path.dirname(path.resolve(file));
  for (let i = 0; i < 128; i++) {
    if (isRepoRoot(dir)) {
      const rel = path.relative(dir, path.resolve(file)).split(path.sep).join('/');
      return rel && !rel.startsWith('..') ? rel : null;
    }
    const up = path.dirname(dir);
    if (up === dir) return null;
    dir = up;
  }
  return null;
}

/**
 * Why `teamPath` cannot name the drill's runbook recorded at `file` (one sentence), or null when it can: a relative
 * path of plain segments that the recorded path ends with.
 */
export function teamPathProblem(teamPath: string, file: string): string | null {
  if (teamPath.length > MAX) return `the runbook's team path is longer than ${MAX} characters`;
  // eslint-disable-next-line no-control-regex
  if (/[\u0000-\u001f\u007f\\]/.test(teamPath)) return "the runbook's team path has a control character or a backslash";
  const segments = teamPath.split('/');
  if (teamPath.startsWith('/') || /^[A-Za-z]:/.test(teamPath) || segments.some((s) => s === '' || s === '.' || s === '..')) {
    return "the runbook's team path must be a relative path of plain segments";
  }
  if (!file.replace(/\\/g, '/').endsWith('/' + teamPath)) return "the runbook's team path is not the end of the path its drill log records";
  return null;
}
