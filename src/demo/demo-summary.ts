import type { StatRow } from './demo-reads.ts';
import type { ErasureOutcome } from './demo-erasure.ts';
import { FRONT_DESK_WORDS, PATIENT_WORDS, type ConversationOutcome } from './demo-conversation.ts';
import type { DemoTally } from './run-clinic-day.ts';

const STATUSES = ['planned', 'deferred', 'sending', 'sent', 'delivered', 'read', 'failed', 'bounced', 'suppressed', 'expired'];

export interface SummaryFacts {
  via: string;
  tally: DemoTally;
  /** AMQP: what the ledger holds after the run (read back over GraphQL). */
  readBack?: { inLedger: number; duplicatesCounted: number; deadLettered: number | null };
  stats: StatRow[] | null;
  statsProblem: string | null;
  reminders: { fired: number; bookings: number; expectedBookings: number } | null;
  /** Fallbacks made during the run (a message on a second channel), by how they ended. */
  fallbacks: { channel: string; status: string }[] | null;
  /** The patient who wrote back, and how the front desk's answer went. */
  conversation?: ConversationOutcome | null;
  erasure?: ErasureOutcome | null;
  dashboardUrl: string;
}

/** The closing report of a demo run, as lines of text. */
export function formatSummary(f: SummaryFacts): string[] {
  const t = f.tally;
  const lines = ['', `Clinic day sent: ${t.sent} events via ${f.via}`];
  if (f.readBack) {
    lines.push(
      `  published      ${t.published}`,
      `  in the ledger  ${f.readBack.inLedger} of ${t.validIds.length} valid events`,
      `  duplicates     ${f.readBack.duplicatesCounted} counted by the ledger (${t.duplicateIds.length} sent twice on purpose)`,
      `  dead-lettered  ${f.readBack.deadLettered ?? 'unknown'} (${t.malformedIds.length} malformed sent; reasons in the x-rejection-reason header)`,
    );
  } else {
    lines.push(
      `  accepted       ${t.accepted}`,
      `  duplicates     ${t.duplicates} (ignored: the same eventId within the dedup window)`,
      `  rejected       ${t.rejected} (nothing recorded; the service named the field):`,
      ...t.rejections.map((r) => `                   ${r.problem}: ${r.issue ? `${r.issue.path || '(body)'} ${r.issue.message}` : 'no detail'}`),
    );
  }
  if (t.failed > 0) lines.push(`  FAILED to send ${t.failed}:`, ...t.failures.map((m) => `                   ${m}`));

  lines.push('');
  if (f.stats) lines.push('Notifications created during the run, by channel and status (GraphQL deliveryStats):', ...statsTable(f.stats));
  else lines.push(`Notifications: not available (${f.statsProblem ?? 'no answer'})`);
  if (f.reminders) {
    lines.push('', `Reminders fired during the run: ${f.reminders.fired} appointment.reminder notifications for ${f.reminders.bookings} of the ${f.reminders.expectedBookings} bookings due`);
  }
  if (f.stats) {
    const expired = f.stats.filter((r) => r.status === 'expired').reduce((a, r) => a + r.count, 0);
    lines.push('', `Expired: ${expired} notification(s) not sent because their deadline had passed (a confirmation received after its slot began).`);
  }
  if (f.fallbacks) {
    const byChannel = [...new Set(f.fallbacks.map((x) => x.channel))].map((c) => `${f.fallbacks!.filter((x) => x.channel === c).length} on ${c}`);
    lines.push(`Fallbacks: ${f.fallbacks.length} message(s) went out on another channel after the first could not reach the patient${byChannel.length ? ` (${byChannel.join(', ')})` : ''}.`);
  }
  if (f.conversation?.kind === 'answered') {
    lines.push(`Conversation: a patient wrote "${PATIENT_WORDS}"; the front desk got an in-app alert and answered "${FRONT_DESK_WORDS}" on WhatsApp (${f.conversation.status}), inside the 24-hour window.`);
  } else if (f.conversation?.kind === 'skipped') lines.push(`Conversation: not played (${f.conversation.reason}).`);
  if (f.erasure?.kind === 'forgotten') {
    const statuses = Object.entries(f.erasure.statuses).map(([status, n]) => `${n} ${status}`).join(', ');
    lines.push(
      `Erasure: a patient withdrew consent and was forgotten (${f.erasure.keysDestroyed} keys destroyed): their ${f.erasure.notifications} notification(s) ` +
        `keep their status (${statuses}), and ${f.erasure.erasedAddresses} read [erased] where their address was.`,
    );
  } else if (f.erasure?.kind === 'skipped') lines.push(`Erasure: not played (${f.erasure.reason}).`);
  lines.push('', `Watch it on the dashboard: ${f.dashboardUrl} (Conversations shows the patient's message and the answer)`, '');
  return lines;
}

function statsTable(stats: StatRow[]): string[] {
  const channels = [...new Set(stats.map((s) => s.channel))].sort();
  const used = STATUSES.filter((s) => stats.some((r) => r.status === s && r.count > 0));
  const cell = (channel: string, status: string) => stats.filter((r) => r.channel === channel && r.status === status).reduce((a, r) => a + r.count, 0);
  const pad = (text: string | number) => String(text).padStart(12);
  const header = ['  channel   ', ...used.map(pad), pad('total')].join('');
  const rows = channels.map((c) => [`  ${c.padEnd(10)}`, ...used.map((s) => pad(cell(c, s))), pad(used.reduce((a, s) => a + cell(c, s), 0))].join(''));
  const total = ['  all       ', ...used.map((s) => pad(channels.reduce((a, c) => a + cell(c, s), 0))), pad(stats.reduce((a, r) => a + r.count, 0))].join('');
  return channels.length ? [header, ...rows, total] : ['  (none yet)'];
}
