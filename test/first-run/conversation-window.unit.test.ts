import { describe, expect, it } from 'vitest';
import { replyBlockedReason, windowLabel, windowState } from '../../dashboard/src/conversation-window.ts';

// The dashboard's reading of WhatsApp's 24-hour window: the API's word, counted down on the
// page's clock, and why the reply box is closed.

const HOUR = 3600_000;
const now = Date.parse('2026-03-10T10:00:00Z');
const at = (offsetMs: number) => new Date(now + offsetMs).toISOString();
const patient = [{ id: 'pat-1', name: 'Asha Verma' }];

describe('the window as the page shows it', () => {
  it('is open with the time left while the API says open and the close lies ahead', () => {
    const state = windowState({ open: true, closesAt: at(5 * HOUR + 7 * 60_000) }, now);
    expect(state).toEqual({ kind: 'open', closesAt: at(5 * HOUR + 7 * 60_000), leftMs: 5 * HOUR + 7 * 60_000 });
    expect(windowLabel(state)).toBe('Window open · 5 h 7 min left');
    expect(windowLabel(windowState({ open: true, closesAt: at(30_000) }, now))).toBe('Window open · under a minute left');
  });

  it('is closed once its close has passed on the page, though the API said open when asked', () => {
    expect(windowState({ open: true, closesAt: at(-1) }, now)).toEqual({ kind: 'closed', closedAt: at(-1) });
  });

  it('is closed when the API says so, whatever the page clock says', () => {
    expect(windowState({ open: false, closesAt: at(HOUR) }, now)).toEqual({ kind: 'closed', closedAt: at(HOUR) });
  });

  it('is none when the patient never wrote on WhatsApp', () => {
    expect(windowLabel(windowState({ open: false, closesAt: null }, now))).toBe('No WhatsApp window');
  });
});

describe('why the reply box is closed', () => {
  it('is open inside the window for a token that may reply', () => {
    expect(replyBlockedReason({ window: { open: true, closesAt: at(HOUR) }, patients: patient }, true, now)).toBeNull();
  });

  it.each([
    ['a token that may not reply', false, { open: true, closesAt: at(HOUR) }, patient, /may not reply/],
    ['a number linked to no patient', true, { open: true, closesAt: at(HOUR) }, [], /not linked to a patient/],
    ['a closed window', true, { open: false, closesAt: at(-HOUR) }, patient, /^Window closed at .+: WhatsApp allows only templates now\.$/],
    ['a patient who only answered by SMS', true, { open: false, closesAt: null }, patient, /has not written on WhatsApp.*only templates now/],
  ])('says why for %s', (_case, canReply, window, patients, reason) => {
    expect(replyBlockedReason({ window, patients }, canReply, now)).toMatch(reason);
  });
});
