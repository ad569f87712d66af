/**
 * What the app shows of this data folder's team membership (team.status):
 * types only, shared by the core (main/team/client/membership.ts), the API
 * contract and the renderer. The API token is never part of it.
 */
export interface TeamStatus {
  joined: boolean;
  /** The team server's address (null: not joined). */
  url: string | null;
  /** Who the token belongs to and their role, as GET /api/me said when joining or now. */
  user: string | null;
  role: string | null;
  joinedAt: string | null;
  /** Where the token is kept: team.json (0600) or the OS keychain (desktop app). */
  tokenIn: 'file' | 'keychain' | null;
  /** Whether GET /api/me answered with this token just now (null: not checked). */
  reachable: boolean | null;
  /** Finished drills and evidence bundles the server has not acknowledged yet. */
  queued: { drills: number; bundles: number };
  /** When a publish round last reached the server and finished (UTC ISO), and when one was last tried. */
  lastPublishAt: string | null;
  lastAttemptAt: string | null;
  /** The last problem, one sentence (the server unreachable now, a refused bundle, a broken membership file); null: none. */
  lastError: string | null;
}
