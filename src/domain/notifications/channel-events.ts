import type { Channel } from '../event-catalogue.ts';

/**
 * A channel stops sending when its provider account is restricted (policy: an admin resumes it)
 * or a quota is spent (resumes by itself at `resumeAt`). Recorded in `channel-<channel>`.
 */
export const CHANNEL_EVENT_TYPES = { paused: 'ChannelPaused', resumed: 'ChannelResumed' } as const;

export interface ChannelPaused {
  channel: Channel;
  kind: 'policy' | 'quota';
  code: string;
  detail: string;
  resumeAt: string | null;
  at: string;
  actor: string;
}

export interface ChannelResumed {
  channel: Channel;
  at: string;
  actor: string;
}

export interface ChannelPauseState {
  paused: boolean;
  kind: ChannelPaused['kind'] | null;
  resumeAt: Date | null;
}

export const initialChannelPauseState: ChannelPauseState = { paused: false, kind: null, resumeAt: null };

export function evolveChannelPause(state: ChannelPauseState, event: { type: string; data: unknown }): ChannelPauseState {
  if (event.type === CHANNEL_EVENT_TYPES.paused) {
    const e = event.data as ChannelPaused;
    return { paused: true, kind: e.kind, resumeAt: e.resumeAt ? new Date(e.resumeAt) : null };
  }
  if (event.type === CHANNEL_EVENT_TYPES.resumed) return initialChannelPauseState;
  return state;
}

/** A quota pause ends by itself; a policy pause only when an admin resumes the channel. */
export const isChannelPausedAt = (state: ChannelPauseState, now: Date): boolean =>
  state.paused && !(state.kind === 'quota' && state.resumeAt !== null && state.resumeAt <= now);
