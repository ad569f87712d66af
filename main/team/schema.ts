/**
 * The team server's PostgreSQL schema, as numbered migrations applied in
 * order inside one transaction each and recorded in `team_migrations`
 * (under an advisory lock, so two servers starting at once do not race).
 *
 * Drill events and the audit log are append-only in the database itself:
 * triggers refuse UPDATE, DELETE and TRUNCATE on them for every role,
 * the server's own included, so not even the server can quietly rewrite a
 * recorded drill. Summary rows (drills) are derived from the events and
 * may be rebuilt; the events never change.
 */
import type { PoolClient } from 'pg';

export const MIGRATIONS: readonly { version: number; name: string; sql: string }[] = [
  {
    version: 1,
    name: 'accounts, drills, append-only events and audit log',
    sql: `
CREATE TABLE team_users (
  id bigserial PRIMARY KEY,
  name text NOT NULL UNIQUE CHECK (name ~ '^[A-Za-z0-9._@-]{1,64}$'),
  role text NOT NULL CHECK (role IN ('admin', 'operator', 'reviewer', 'auditor')),
  password_hash text,
  created_at timestamptz NOT NULL DEFAULT now()
);
CREATE TABLE team_tokens (
  id bigserial PRIMARY KEY,
  user_id bigint NOT NULL REFERENCES team_users(id),
  token_sha256 text NOT NULL UNIQUE,
  label text NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now(),
  revoked_at timestamptz
);
CREATE TABLE team_runbooks (
  key text PRIMARY KEY,
  path text NOT NULL,
  sha256 text NOT NULL,
  title text NOT NULL,
  drill_every_sec double precision,
  json text NOT NULL
);
CREATE TABLE team_drills (
  id text PRIMARY KEY,
  runbook_key text NOT NULL REFERENCES team_runbooks(key),
  runbook_path text NOT NULL,
  runbook_title text NOT NULL,
  runbook_sha256 text NOT NULL,
  mode text NOT NULL,
  operator text NOT NULL,
  status text NOT NULL,
  started_at timestamptz NOT NULL,
  ended_at timestamptz,
  rto_target_sec double precision,
  rto_actual_sec double precision,
  rto_met boolean,
  net_ms double precision,
  passed boolean,
  event_count integer NOT NULL,
  chain_head text NOT NULL,
  steps jsonb NOT NULL,
  publisher_id bigint NOT NULL REFERENCES team_users(id),
  published_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX team_drills_started ON team_drills (started_at DESC, id);
CREATE INDEX team_drills_runbook ON team_drills (runbook_path, started_at DESC);
CREATE TABLE team_events (
  drill_id text NOT NULL REFERENCES team_drills(id),
  seq integer NOT NULL CHECK (seq >= 1),
  type text NOT NULL,
  hash text NOT NULL,
  prev_hash text NOT NULL,
  body text NOT NULL,
  received_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (drill_id, seq)
);
CREATE TABLE team_signoffs (
  id bigserial PRIMARY KEY,
  drill_id text NOT NULL REFERENCES team_drills(id),
  user_id bigint NOT NULL REFERENCES team_users(id),
  verdict text NOT NULL CHECK (verdict IN ('approved', 'rejected')),
  comment text NOT NULL,
  at timestamptz NOT NULL DEFAULT now()
);
CREATE TABLE team_audit (
  id bigserial PRIMARY KEY,
  at timestamptz NOT NULL DEFAULT now(),
  actor text,
  address text,
  action text NOT NULL,
  target text,
  outcome text NOT NULL,
  detail jsonb
);
CREATE FUNCTION team_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  RAISE EXCEPTION '% on % is refused: it is append-only', TG_OP, TG_TABLE_NAME USING ERRCODE = 'insufficient_privilege';
END $$;
CREATE TRIGGER team_events_append_only BEFORE UPDATE OR DELETE ON team_events FOR EACH ROW EXECUTE FUNCTION team_append_only();
CREATE TRIGGER team_events_no_truncate BEFORE TRUNCATE ON team_events FOR EACH STATEMENT EXECUTE FUNCTION team_append_only();
CREATE TRIGGER team_audit_append_only BEFORE UPDATE OR DELETE ON team_audit FOR EACH ROW EXECUTE FUNCTION team_append_only();
CREATE TRIGGER team_audit_no_truncate BEFORE TRUNCATE ON team_audit FOR EACH STATEMENT EXECUTE FUNCTION team_append_only();
CREATE TRIGGER team_signoffs_append_only BEFORE UPDATE OR DELETE ON team_signoffs FOR EACH ROW EXECUTE FUNCTION team_append_only();
CREATE TRIGGER team_signoffs_no_truncate BEFORE TRUNCATE ON team_signoffs FOR EACH STATEMENT EXECUTE FUNCTION team_append_only();
`,
  },
  {
    version: 2,
    name: 'per-runbook state for freshness and the runbook list',
    // Measured (npm run bench -- team, 100,000 drills, loaded 2-core machine): freshness computed from team_drills
    // took 1.8 s; read from this table, kept up to date in each publish's transaction, it is one small scan.
    sql: `
CREATE TABLE team_runbook_state (
  path text PRIMARY KEY,
  title text NOT NULL,
  drill_every_sec double precision,
  drills integer NOT NULL,
  passed integer NOT NULL,
  last_drill_at timestamptz NOT NULL,
  last_pass_at timestamptz
);
-- Step keys and net durations as arrays: a runbook's per-step p50/p90 reads these, not the steps JSON (parsing
-- 1,000 drills × 40 steps of JSON took ~250 ms; arrays a fraction of it).
ALTER TABLE team_drills ADD COLUMN step_keys text[] NOT NULL DEFAULT '{}', ADD COLUMN step_ms float8[] NOT NULL DEFAULT '{}';
UPDATE team_drills SET step_keys = ARRAY(SELECT s->>'key' FROM jsonb_array_elements(steps) s),
                       step_ms = ARRAY(SELECT (s->>'durationMs')::float8 FROM jsonb_array_elements(steps) s);
INSERT INTO team_runbook_state (path, title, drill_every_sec, drills, passed, last_drill_at, last_pass_at)
SELECT l.runbook_path, l.title, l.drill_every_sec, a.drills, a.passed, a.last_drill, a.last_pass
FROM (SELECT DISTINCT ON (d.runbook_path) d.runbook_path, r.title, r.drill_every_sec
      FROM team_drills d JOIN team_runbooks r ON r.key = d.runbook_key ORDER BY d.runbook_path, d.started_at DESC) l
JOIN (SELECT runbook_path, count(*)::int AS drills, (count(*) FILTER (WHERE passed))::int AS passed, max(started_at) AS last_drill,
             max(coalesce(ended_at, started_at)) FILTER (WHERE passed) AS last_pass
      FROM team_drills GROUP BY runbook_path) a ON a.runbook_path = l.runbook_path;
`,
  },
  {
    version: 3,
    name: 'freshness policies per runbook tag',
    // A runbook's tags as the newest published snapshot names them, kept beside its freshness state; backfilled from
    // the stored runbook snapshots of each runbook's newest drill.
    sql: `
CREATE TABLE team_tag_policies (
  tag text PRIMARY KEY CHECK (length(tag) BETWEEN 1 AND 100),
  -- NULL: the policy was withdrawn (rows are updated, never deleted: the application role has no DELETE).
  every_sec double precision CHECK (every_sec IS NULL OR every_sec > 0),
  set_by text NOT NULL,
  set_at timestamptz NOT NULL DEFAULT now()
);
ALTER TABLE team_runbook_state ADD COLUMN tags text[] NOT NULL DEFAULT '{}';
UPDATE team_runbook_state s SET tags = ARRAY(SELECT jsonb_array_elements_text(coalesce(r.json::jsonb -> 'meta' -> 'tags', '[]'::jsonb)))
FROM (SELECT DISTINCT ON (runbook_path) runbook_path, runbook_key FROM team_drills ORDER BY runbook_path, started_at DESC) d
JOIN team_runbooks r ON r.key = d.runbook_key
WHERE d.runbook_path = s.path AND jsonb_typeof(r.json::jsonb -> 'meta' -> 'tags') = 'array';
`,
  },
  {
    version: 4,
    name: 'evidence bundles, verified on arrival, never replaced',
    sql: `
CREATE TABLE team_bundles (
  drill_id text PRIMARY KEY REFERENCES team_drills(id),
  sha256 text NOT NULL,
  size integer NOT NULL,
  bytes bytea NOT NULL,
  chain_head text NOT NULL,
  verification jsonb NOT NULL,
  uploaded_by bigint NOT NULL REFERENCES team_users(id),
  uploaded_at timestamptz NOT NULL DEFAULT now()
);
CREATE TRIGGER team_bundles_append_only BEFORE UPDATE OR DELETE ON team_bundles FOR EACH ROW EXECUTE FUNCTION team_append_only();
CREATE TRIGGER team_bundles_no_truncate BEFORE TRUNCATE ON team_bundles FOR EACH STATEMENT EXECUTE FUNCTION team_append_only();
`,
  },
  {
    version: 5,
    name: 'indexes for the filtered history, live drills and sign-offs',
    // Measured (npm run bench -- team, 100,000 drills with their event logs, loaded 2-core machine; README): the history
    // filtered by a rarely drilled runbook scanned the whole table (the filter matches path OR title, and only the path
    // had an index), as did the live list (no running drill: every row read to find none), the operator filter walked
    // the date index past the other operators' drills, and a drill's sign-offs scanned all sign-offs.
    sql: `
CREATE INDEX team_drills_title ON team_drills (runbook_title, started_at DESC);
CREATE INDEX team_drills_operator ON team_drills (operator, started_at DESC);
CREATE INDEX team_drills_running ON team_drills (started_at DESC) WHERE status = 'running';
CREATE INDEX team_signoffs_drill ON team_signoffs (drill_id);
`,
  },
];

/** Tables whose rows never change once written: the application's role gets SELECT and INSERT only. */
export const APPEND_ONLY_TABLES = ['team_events', 'team_audit', 'team_signoffs', 'team_bundles'] as const;
/** Tables the server updates (accounts, tokens, derived summaries, policies): SELECT, INSERT, UPDATE; never DELETE or TRUNCATE. */
export const UPDATABLE_TABLES = ['team_users', 'team_tokens', 'team_runbooks', 'team_drills', 'team_runbook_state', 'team_tag_policies'] as const;

/**
 * The grants for the role the server connects as (run by the owner, after
 * the migrations): no UPDATE, DELETE or TRUNCATE on the append-only tables,
 * no DELETE or TRUNCATE anywhere, no DDL. The triggers refuse those changes
 * too; the grants mean the database refuses them before any trigger runs,
 * even for someone holding the server's password. The role must exist
 * (CREATE ROLE is the database administrator's decision, not the server's).
 */
export function appRoleGrants(role: string): string[] {
  if (!/^[a-z_][a-z0-9_]{0,62}$/.test(role)) throw new Error(`"${role}" is not a plain PostgreSQL role name (lower-case letters, digits, underscores)`);
  const all = [...APPEND_ONLY_TABLES, ...UPDATABLE_TABLES, 'team_migrations'];
  return [
    `REVOKE ALL ON ${all.join(', ')} FROM ${role}`,
    `GRANT SELECT, INSERT ON ${APPEND_ONLY_TABLES.join(', ')} TO ${role}`,
    `GRANT SELECT, INSERT, UPDATE ON ${UPDATABLE_TABLES.join(', ')} TO ${role}`,
    `GRANT SELECT ON team_migrations TO ${role}`,
    `GRANT USAGE ON ALL SEQUENCES IN SCHEMA public TO ${role}`,
  ];
}

/** Applies appRoleGrants in one transaction. */
export async function grantAppRole(client: PoolClient, role: string): Promise<void> {
  const statements = appRoleGrants(role);
  const { rows } = await client.query('SELECT 1 FROM pg_roles WHERE rolname = $1', [role]);
  if (rows.length === 0) throw new Error(`there is no PostgreSQL role ${role}: create it first (CREATE ROLE ${role} LOGIN PASSWORD '…')`);
  await client.query('BEGIN');
  try {
    for (const q of statements) await client.query(q);
    await client.query('COMMIT');
  } catch (err) {
    await client.query('ROLLBACK');
    throw err;
  }
}

/** What the connected role could change that it should not (empty for a properly granted application role). */
export async function excessPrivileges(client: PoolClient): Promise<string[]> {
  const { rows } = await client.query<{ t: string; p: string }>(
    `SELECT t, p FROM unnest($1::text[]) t, unnest(ARRAY['UPDATE', 'DELETE', 'TRUNCATE']) p
     WHERE to_regclass(t) IS NOT NULL AND has_table_privilege(current_user, t, p)
       AND (p <> 'UPDATE' OR t = ANY($2::text[]))`,
    [[...APPEND_ONLY_TABLES, ...UPDATABLE_TABLES], [...APPEND_ONLY_TABLES]],
  );
  return rows.map((r) => `${r.p} on ${r.t}`);
}

/** Schema versions this server has that the database lacks (read-only: an application role may ask). */
export async function pendingMigrations(client: PoolClient): Promise<number[]> {
  const exists = await client.query(`SELECT to_regclass('team_migrations') IS NOT NULL AS ok`);
  const rows = exists.rows[0]?.ok ? (await client.query<{ version: number }>('SELECT version FROM team_migrations')).rows : [];
  const have = new Set(rows.map((r) => r.version));
  return MIGRATIONS.filter((m) => !have.has(m.version)).map((m) => m.version);
}

const LOCK_KEY = 0x64726c62; // 'drlb'

/**
 * Applies the migrations this database lacks (up to `upTo`, for tests that
 * compare a schema before and after a migration); returns the versions
 * applied. Refuses a database newer than this server.
 */
export async function migrate(client: PoolClient, upTo = Infinity): Promise<number[]> {
  await client.query('SELECT pg_advisory_lock($1)', [LOCK_KEY]);
  try {
    await client.query(`CREATE TABLE IF NOT EXISTS team_migrations (version integer PRIMARY KEY, name text NOT NULL, applied_at timestamptz NOT NULL DEFAULT now())`);
    const { rows } = await client.query<{ version: number }>('SELECT version FROM team_migrations');
    const have = new Set(rows.map((r) => r.version));
    const newest = Math.max(0, ...MIGRATIONS.map((m) => m.version));
    const ahead = rows.find((r) => r.version > newest);
    if (ahead) throw new Error(`the database has schema version ${ahead.version}, newer than this server's ${newest}: upgrade Drillbook`);
    const applied: number[] = [];
    for (const m of MIGRATIONS) {
      if (have.has(m.version) || m.version > upTo) continue;
      await client.query('BEGIN');
      try {
        await client.query(m.sql);
        await client.query('INSERT INTO team_migrations (version, name) VALUES ($1, $2)', [m.version, m.name]);
        await client.query('COMMIT');
      } catch (err) {
        await client.query('ROLLBACK');
        throw err;
      }
      applied.push(m.version);
    }
    return applied;
  } finally {
    await client.query('SELECT pg_advisory_unlock($1)', [LOCK_KEY]);
  }
}
