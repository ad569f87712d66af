/**
 * The Team screen's state: this data folder's membership as the core
 * reports it (team.status), and the join form's last error. The token is
 * typed into the form and sent once with team.join; it is never kept here
 * and never comes back from the core.
 */
import { create } from 'zustand';
import type { TeamStatus } from '../../main/api/contract';
import { getClient, toApiError } from '../app/transport';
import { toast } from '../app/calls';

export interface TeamState {
  status: TeamStatus | null;
  /** A status request in flight (the first load, "Check again"). */
  loading: boolean;
  /** Which action runs now: the buttons say so and are disabled meanwhile. */
  busy: 'join' | 'publish' | 'leave' | null;
  /** Why the last join failed, one sentence (shown under the form). */
  joinError: string | null;
}

export const useTeam = create<TeamState>()(() => ({ status: null, loading: false, busy: null, joinError: null }));

export async function loadTeamStatus(): Promise<void> {
  if (useTeam.getState().loading) return;
  useTeam.setState({ loading: true });
  try {
    useTeam.setState({ status: await getClient().call('team.status', {}) });
  } catch (err) {
    toast(toApiError(err).message);
  } finally {
    useTeam.setState({ loading: false });
  }
}

/** Joins; resolves true when joined. A refusal is the form's error, not a toast: it belongs next to what to fix. */
export async function joinTeam(url: string, token: string): Promise<boolean> {
  useTeam.setState({ busy: 'join', joinError: null });
  try {
    const status = await getClient().call('team.join', { url, token });
    useTeam.setState({ status });
    toast(`Joined ${status.url} as ${status.user}.`, 'info');
    return true;
  } catch (err) {
    useTeam.setState({ joinError: toApiError(err).message });
    return false;
  } finally {
    useTeam.setState({ busy: null });
  }
}

export async function publishTeamNow(): Promise<void> {
  useTeam.setState({ busy: 'publish' });
  try {
    const status = await getClient().call('team.publishNow', {});
    useTeam.setState({ status });
    if (status.reachable && !status.lastError) toast(status.queued.drills + status.queued.bundles === 0 ? 'Published: the team server has every finished drill.' : 'Published what could go now.', 'info');
  } catch (err) {
    toast(toApiError(err).message);
  } finally {
    useTeam.setState({ busy: null });
  }
}

export async function leaveTeam(): Promise<void> {
  useTeam.setState({ busy: 'leave' });
  try {
    useTeam.setState({ status: await getClient().call('team.leave', {}), joinError: null });
    toast('Left the team server. Revoke the token on the server too.', 'info');
  } catch (err) {
    toast(toApiError(err).message);
  } finally {
    useTeam.setState({ busy: null });
  }
}
