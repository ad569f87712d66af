/**
 * `drillbook team join|status|publish|leave`: this machine's membership of a
 * team server (main/team/client). The token is read from stdin (or
 * DRILLBOOK_TEAM_TOKEN), never from the command line, where ps and shell
 * history would keep it. join, status and leave are thin adapters over
 * main/team/client/membership.ts, the core the app's Team screen uses too.
 */
import readline from 'node:readline';
import { CliError, EXIT, dataDirFrom } from './common';
import { openCore } from './history';
import { bundleMaker } from '../team/client/bundle';
import { outboundRedactor } from '../evidence/redact/outbound';
import { loadConfig, normaliseUrl, recordRound, type TeamConfig } from '../team/client/config';
import { joinTeam, leaveTeam, teamStatus, TeamJoinError } from '../team/client/membership';
import { publish, TeamRefused } from '../team/client/publish';

export async function teamCommand(values: Record<string, unknown>, positionals: string[]): Promise<number> {
  const [sub, ...rest] = positionals;
  const dataDir = dataDirFrom(values);
  switch (sub) {
    case 'join':
      return join(dataDir, rest, values);
    case 'status':
      return status(dataDir, values);
    case 'publish':
      return publishCommand(dataDir, values);
    case 'leave': {
      const had = leaveTeam(dataDir);
      process.stdout.write(had ? 'left the team server; its token is removed from this machine (revoke it on the server too)\n' : 'not a member of a team server\n');
      return EXIT.ok;
    }
    default:
      throw new CliError(sub === undefined ? 'team needs a sub-command: join URL, status, publish or leave' : `unknown team sub-command "${sub}" (join, status, publish, leave)`);
  }
}

async function readToken(): Promise<string> {
  const env = process.env.DRILLBOOK_TEAM_TOKEN;
  if (env) return env.trim();
  if (process.stdin.isTTY) return readHidden('Paste the API token from the team server (input is not shown): ');
  const rl = readline.createInterface({ input: process.stdin, terminal: false });
  const line = await new Promise<string>((resolve) => {
    let done = false;
    rl.once('line', (l) => {
      done = true;
      resolve(l);
    });
    rl.once('close', () => {
      if (!done) resolve('');
    });
  });
  rl.close();
  return line.trim();
}

/** Reads a line from the terminal without echoing it (raw mode); Ctrl+C cancels. */
function readHidden(prompt: string): Promise<string> {
  const stdin = process.stdin;
  // Echo off before the prompt shows: a token pasted the instant it appears must not be echoed either.
  stdin.setRawMode(true);
  stdin.resume();
  process.stderr.write(prompt);
  let text = '';
  return new Promise((resolve, reject) => {
    const finish = (err?: Error) => {
      stdin.off('data', onData);
      stdin.setRawMode(false);
      stdin.pause();
      process.stderr.write('\n');
      if (err) reject(err);
      else resolve(text.trim());
    };
    const onData = (chunk: Buffer) => {
      for (const ch of chunk.toString('utf8')) {
        if (ch === '\r' || ch === '\n') return finish();
        if (ch === '\u0003') return finish(new CliError('cancelled', 130));
        if (ch === '\u007f' || ch === '\b') text = text.slice(0, -1);
        else if (ch >= ' ') text += ch;
      }
    };
    stdin.on('data', onData);
  });
}

function membership(dataDir: string): TeamConfig {
  let cfg: TeamConfig | null;
  try {
    cfg = loadConfig(dataDir);
  } catch (err) {
    throw new CliError((err as Error).message);
  }
  if (!cfg) throw new CliError('this machine has not joined a team server; run drillbook team join URL');
  return cfg;
}

async function join(dataDir: string, rest: string[], values: Record<string, unknown>): Promise<number> {
  if (rest.length !== 1) throw new CliError('team join needs the team server URL: drillbook team join https://drillbook.example.org');
  try {
    normaliseUrl(rest[0]!); // a wrong address is said before the token is asked for
  } catch (err) {
    throw new CliError((err as Error).message);
  }
  const token = await readToken();
  if (!token) throw new CliError('no token given: paste the API token on standard input or set DRILLBOOK_TEAM_TOKEN');
  let me: { url: string; user: string; role: string };
  try {
    me = await joinTeam(dataDir, { url: rest[0]!, token });
  } catch (err) {
    if (err instanceof TeamJoinError) throw new CliError(err.kind === 'url' ? err.message : `cannot join: ${err.message}`);
    throw err;
  }
  process.stdout.write(`joined ${me.url} as ${me.user} (${me.role}); the web host, the desktop app and drillbook run publish finished drills from now on; drillbook team publish sends what is queued now\n`);
  void values;
  return EXIT.ok;
}

async function status(dataDir: string, values: Record<string, unknown>): Promise<number> {
  membership(dataDir);
  const core = openCore(values);
  let st;
  try {
    st = await teamStatus(core.db, dataDir, { probe: true });
  } finally {
    core.close();
  }
  const reach = st.reachable ? 'reachable' : (st.lastError ?? 'not reachable');
  const pending = st.queued.drills;
  const bundles = st.queued.bundles;
  const out = { url: st.url, user: st.user, role: st.role, pending, bundlesPending: bundles, server: reach, lastPublishAt: st.lastPublishAt, lastError: st.lastError };
  if (values.json) process.stdout.write(JSON.stringify(out, null, 2) + '\n');
  else {
    process.stdout.write(`team server ${st.url} as ${st.user} (${st.role}): ${reach}; ${pending} finished drill${pending === 1 ? '' : 's'} not yet published${bundles ? `, ${bundles} evidence bundle${bundles === 1 ? '' : 's'} not yet sent` : ''}\n`);
    process.stdout.write(`last publish: ${st.lastPublishAt ?? 'never'}${st.lastError && st.reachable ? `; last problem: ${st.lastError}` : ''}\n`);
  }
  return EXIT.ok;
}

async function publishCommand(dataDir: string, values: Record<string, unknown>): Promise<number> {
  const cfg = membership(dataDir);
  const attempts = values.retries === undefined ? undefined : Number(values.retries) + 1;
  if (attempts !== undefined && (!Number.isInteger(attempts) || attempts < 1 || attempts > 100)) throw new CliError('--retries must be a whole number from 0 to 99');
  const batch = values.batch === undefined ? undefined : Number(values.batch);
  if (batch !== undefined && (!Number.isInteger(batch) || batch < 1 || batch > 1000)) throw new CliError('--batch must be a whole number from 1 to 1000');
  if (values.live) return liveLoop(dataDir, cfg, values, attempts);
  const core = openCore(values);
  try {
    const red = outboundRedactor(dataDir);
    const report = await publish(core.db, dataDir, cfg, red, {
      attempts,
      bundle: bundleMaker({ drills: core.drills, attachments: core.evidence.attachments }, dataDir),
      batchSize: batch,
      onRetry: (n, wait, why) => process.stderr.write(`drillbook team publish: ${why}; retry ${n} in ${(wait / 1000).toFixed(1)}s\n`),
    }).catch((err) => {
      if (err instanceof TeamRefused) throw new CliError(`the team server refused the publish: ${err.message}`, EXIT.failed);
      throw err;
    });
    recordRound(dataDir, cfg.url, report.unreachable ?? report.retry ?? (report.problems[0] ? `${report.problems[0].id ?? '?'}: ${report.problems[0].reason}` : null), report.unreachable === null);
    if (values.json) process.stdout.write(JSON.stringify(report, null, 2) + '\n');
    else if (report.pending === 0) {
      process.stdout.write(`nothing to publish: the server has every finished drill of this machine\n`);
      const b = report.bundles;
      if (b.uploaded + b.kept + b.queued > 0) process.stdout.write(`evidence bundles: ${b.uploaded} stored by the server, ${b.kept} already there, ${b.queued} still queued\n`);
      for (const p of report.problems) process.stdout.write(`  ${p.id ?? '?'}: ${p.kind}: ${p.reason}\n`);
    } else {
      process.stdout.write(
        `${report.pending} drill${report.pending === 1 ? '' : 's'} to publish: ${report.imported} published, ${report.extended} extended, ${report.duplicates} already there, ${report.problems.length} refused, ${report.queued} still queued\n`,
      );
      process.stdout.write(`evidence bundles: ${report.bundles.uploaded} stored by the server, ${report.bundles.kept} already there, ${report.bundles.queued} still queued\n`);
      for (const p of report.problems) process.stdout.write(`  ${p.id ?? '?'}: ${p.kind}: ${p.reason}\n`);
      if (report.unreachable) process.stderr.write(`drillbook team publish: ${report.unreachable}; ${report.queued} drills stay queued and go with the next publish\n`);
    }
    if (report.unreachable) return EXIT.internal;
    return report.problems.length > 0 ? EXIT.failed : EXIT.ok;
  } finally {
    core.close();
  }
}

/**
 * `team publish --live`: every 2 s, publish what is new, running drills
 * included, so observers on the server watch them; until SIGINT/SIGTERM.
 * A failed round (server down) is reported once and tried again next round.
 */
async function liveLoop(dataDir: string, cfg: TeamConfig, values: Record<string, unknown>, attempts: number | undefined): Promise<number> {
  let stop = false;
  const onSignal = () => (stop = true);
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  const red = outboundRedactor(dataDir);
  let lastProblem = '';
  process.stderr.write(`drillbook team publish --live: streaming to ${cfg.url}; Ctrl+C to stop\n`);
  while (!stop) {
    const core = openCore(values);
    try {
      const r = await publish(core.db, dataDir, cfg, red, { includeRunning: true, attempts: attempts ?? 1 });
      const problem = r.unreachable ?? r.problems.map((p) => `${p.id}: ${p.reason}`).join('; ');
      if (problem && problem !== lastProblem) process.stderr.write(`drillbook team publish --live: ${problem}\n`);
      lastProblem = problem;
    } catch (err) {
      if (err instanceof TeamRefused) throw new CliError(`the team server refused the publish: ${err.message}`, EXIT.failed);
      throw err;
    } finally {
      core.close();
    }
    for (let i = 0; i < 20 && !stop; i++) await new Promise((r) => setTimeout(r, 100));
  }
  return EXIT.ok;
}
