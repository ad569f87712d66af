/**
 * `drillbook server`: the team server on PostgreSQL (main/team). Applies the
 * schema migrations, then either creates the first admin (--create-admin,
 * printing its API token once) or serves the API until SIGINT/SIGTERM.
 */
import { existsSync } from 'node:fs';
import path from 'node:path';
import { CliError, EXIT, RENDERER_DIR } from './common';
import { planListen } from '../team/listen';
import { TeamStore } from '../team/store';
import { TeamServer, HttpError } from '../team/server';

export async function serverCommand(values: Record<string, unknown>, positionals: string[]): Promise<number> {
  if (positionals.length > 0) throw new CliError(`unexpected argument "${positionals[0]}"`);
  const url = (values.postgres as string | undefined) ?? process.env.DRILLBOOK_POSTGRES;
  if (!url) throw new CliError('the team server needs its database: --postgres postgres://USER@HOST/DB (or DRILLBOOK_POSTGRES)');
  let plan;
  try {
    plan = planListen({
      listen: values.listen as string | undefined,
      tlsCert: values['tls-cert'] as string | undefined,
      tlsKey: values['tls-key'] as string | undefined,
      behindProxy: values['behind-proxy'] === true,
    });
  } catch (err) {
    throw new CliError((err as Error).message);
  }
  const store = new TeamStore(url);
  const grant = values['grant-app-role'] as string | undefined;
  try {
    // The application role has no DDL rights: it migrates only when something is pending (and then says who must).
    const pending = values.migrate === true || grant !== undefined ? [0] : await store.pendingMigrations();
    if (pending.length > 0) {
      const applied = await store.migrate().catch((err: Error) => {
        throw new Error(/permission denied|must be owner/.test(err.message) ? `schema migrations are pending and this role may not apply them (${err.message}); run drillbook server --migrate as the database owner` : err.message);
      });
      if (applied.length > 0) process.stderr.write(`drillbook server: database schema migrated to version ${applied[applied.length - 1]}\n`);
    }
    if (grant !== undefined) {
      await store.grantAppRole(grant);
      process.stderr.write(`drillbook server: role ${grant} may read, insert and update the summaries; it may not UPDATE, DELETE or TRUNCATE events, sign-offs or the audit log\n`);
    }
  } catch (err) {
    await store.close().catch(() => undefined);
    throw new CliError(`cannot use the database: ${(err as Error).message}`, EXIT.internal);
  }
  if (values.migrate === true || grant !== undefined) {
    await store.close();
    return EXIT.ok;
  }
  const excess = await store.excessPrivileges().catch(() => []);
  if (excess.length > 0) {
    process.stderr.write(
      `drillbook server: warning: this database role holds ${excess.slice(0, 3).join(', ')}${excess.length > 3 ? ` and ${excess.length - 3} more` : ''}; the triggers still refuse it, but serve as a role granted with --grant-app-role (README: Team server)\n`,
    );
  }
  const server = new TeamServer(store, { behindProxy: plan.behindProxy, rendererDir: RENDERER_DIR });
  if (typeof values['create-admin'] === 'string') {
    try {
      const { token } = await server.createUser(values['create-admin'], 'admin', null, 'bootstrap');
      await store.audit({ actor: null, address: 'cli', action: 'users.create', target: values['create-admin'], outcome: 'ok', detail: { role: 'admin', bootstrap: true } });
      process.stdout.write(`${token}\n`);
      process.stderr.write(`drillbook server: admin ${values['create-admin']} created; the token above is shown once: keep it in a password manager\n`);
      return EXIT.ok;
    } catch (err) {
      throw new CliError(err instanceof HttpError ? err.message : (err as Error).message);
    } finally {
      await store.close();
    }
  }
  if ((await store.userCount()) === 0) process.stderr.write('drillbook server: no accounts yet; create the first admin with --create-admin NAME\n');
  let addr;
  try {
    addr = await server.listen(plan);
  } catch (err) {
    await store.close();
    throw new CliError(`cannot listen on ${plan.host}:${plan.port}: ${(err as Error).message}`, EXIT.internal);
  }
  const scheme = plan.tls ? 'https' : 'http';
  const host = addr.family === 'IPv6' ? `[${addr.address}]` : addr.address;
  process.stdout.write(`drillbook team server listening on ${scheme}://${host}:${addr.port}${plan.behindProxy ? ' (behind a TLS proxy)' : ''}\n`);
  if (!existsSync(path.join(RENDERER_DIR, 'index.html'))) {
    process.stderr.write('drillbook server: the team pages are not built (run `npm run build:renderer`); until then / answers 503 and /lite serves the small page\n');
  }
  await new Promise<void>((resolve) => {
    process.once('SIGINT', resolve);
    process.once('SIGTERM', resolve);
  });
  await server.close();
  await store.close();
  return EXIT.ok;
}
