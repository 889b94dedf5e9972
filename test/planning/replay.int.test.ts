import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { classifyReply } from '../../src/channels/webhooks/reply-keywords.ts';
import { recordProviderCallback } from '../../src/commands/inbound/record-provider-callback.ts';
import { replyToPatient } from '../../src/commands/conversations/reply-to-patient.ts';
import { publishTemplateVersion, retireTemplate } from '../../src/commands/templates/template-commands.ts';
import { recordWhatsAppTemplateRefused, recordWhatsAppTemplatesObserved } from '../../src/commands/templates/record-whatsapp-template-state.ts';
import { systemClock } from '../../src/service.ts';
import type { SandboxTransport } from '../../src/channels/sandbox-transport.ts';
import { realClock } from '../support/clock.ts';
import { UPSTREAM_TYPES, centre, envelopesOn } from '../support/envelopes.ts';
import { clearQuietHours, setQuietHours } from '../../src/commands/centre-settings/set-quiet-hours.ts';
import { setChannelPolicy } from '../../src/commands/centre-settings/set-channel-policy.ts';
import { createWebhookEndpoint, disableWebhookEndpoint, rotateWebhookSecret } from '../../src/commands/webhooks/webhook-endpoint-commands.ts';
import { zoneOffsetMs } from '../../src/domain/slot-instant.ts';
import { recordAndProject } from '../support/publish.ts';
import { startTestService, type TestService } from '../support/service.ts';
import { until } from '../support/until.ts';
import { TEST_MASTER_KEY } from '../support/env.ts';

// This file's service runs on the machine's clock: its events' slots lie ahead of that clock's now.
const { validEnvelope } = envelopesOn(realClock);

const run = promisify(execFile);
let service: TestService;

beforeAll(async () => {
  service = await startTestService({ dispatcher: { pollIntervalMs: 50 } });
  for (const type of UPSTREAM_TYPES) {
    for (let i = 0; i < 3; i++) {
      await recordAndProject(service, validEnvelope(type));
    }
  }
  await until(async () => {
    const open = await service.db.selectFrom('notifications').select('notification_id').where('status', 'in', ['planned', 'sending']).execute();
    return open.length === 0;
  }, { what: 'every notification to be sent', timeoutMs: 30_000 });
  await recordCallbacks();
  await recordTemplateChanges();
  await recordQuietHours();
  await recordChannelPolicy();
  await recordWebhookEndpoint();
}, 120_000);

/** A webhook endpoint created, rotated and disabled: replay folds its row, sealed secrets included, the same way. */
async function recordWebhookEndpoint(): Promise<void> {
  // The address check is the ssrf guard's own tests' business; here any URL may be called.
  const deps = { store: service.store, clock: systemClock, keys: service.keys, checkTarget: async () => null };
  const created = await createWebhookEndpoint(deps, { url: 'https://his.clinic.example/hooks', eventKinds: ['notification.failed'] }, 'alice-admin');
  if (!created.ok) throw new Error(`endpoint refused: ${JSON.stringify(created.error)}`);
  await rotateWebhookSecret(deps, created.value.endpoint.endpointId, 'alice-admin');
  const disabled = await disableWebhookEndpoint(deps, created.value.endpoint.endpointId, 'admin', 'alice-admin');
  if (!disabled.ok || !disabled.value.position) throw new Error('endpoint not disabled');
  await service.whenProcessed(disabled.value.position);
}

/**
 * A channel policy in the ledger, then an event planned under it whose WhatsApp message the sync
 * above suppressed: its fallback goes to SMS. Replay must fold the policy, the fallback sources and
 * the fallback rows the same way.
 */
async function recordChannelPolicy(): Promise<void> {
  const set = await setChannelPolicy(service.store, { eventType: 'appointment.no_show', primary: ['whatsapp'], fallbacks: [{ channel: 'whatsapp', then: ['sms', 'email'] }], actor: 'alice-admin' }, systemClock.now());
  if (!set.ok) throw new Error(`policy refused: ${JSON.stringify(set.error)}`);
  const raw = validEnvelope('appointment.no_show');
  await recordAndProject(service, raw);
  await until(async () => {
    const rows = await service.db.selectFrom('notifications').select(['channel', 'status', 'fallback_of']).where('event_id', '=', raw.eventId).execute();
    return rows.some((r) => r.fallback_of !== null && r.status === 'sent');
  }, { what: 'a fallback to be sent under the admin\'s policy' });
}

/**
 * Quiet hours in the ledger, an hour either side of the machine's clock so the next event falls
 * inside them: its notifications are deferred, and replay must fold the deferral and the settings
 * (set, then cleared) the same way.
 */
async function recordQuietHours(): Promise<void> {
  const now = systemClock.now().getTime();
  const hhmm = (ms: number) => new Date(ms + zoneOffsetMs(ms, centre.timeZone)).toISOString().slice(11, 16);
  const set = await setQuietHours(service.store, { centreId: centre.id, from: hhmm(now - 3_600_000), until: hhmm(now + 3_600_000), actor: 'alice-admin' }, new Date(now));
  if (!set.ok) throw new Error(`quiet hours refused: ${JSON.stringify(set.error)}`);
  const raw = validEnvelope('appointment.confirmed');
  await recordAndProject(service, raw);
  await until(async () => {
    // The WhatsApp one is suppressed: the sync above saw its template paused.
    const email = await service.db.selectFrom('notifications').select('status').where('event_id', '=', raw.eventId).where('channel', '=', 'email').executeTakeFirst();
    return email?.status === 'deferred';
  }, { what: 'a confirmation deferred by quiet hours' });
  const cleared = await clearQuietHours(service.store, { centreId: centre.id, actor: 'alice-admin' }, systemClock.now());
  if (!cleared.ok) throw new Error('quiet hours not cleared');
  await service.whenProcessed(cleared.value.position);
}

/**
 * Templates in the ledger: a centre's own version, a retirement, what a sync saw and a refused send,
 * then an event planned under them, so replay must fold the template tables the same way.
 */
async function recordTemplateChanges(): Promise<void> {
  const deps = { store: service.store, clock: systemClock };
  const key = { eventType: 'appointment.pending_approval' as const, channel: 'whatsapp' as const, locale: 'en', centreId: 'centre-blr' };
  const content = { channel: 'whatsapp' as const, name: 'own_booking_received', language: 'en_US', category: 'UTILITY' as const, body: 'Welcome {{1}}, we have request {{2}} in hand.', parameters: ['{{ patientName }}', '{{ bookingReference }}'] };
  const published = await publishTemplateVersion(deps, { key, content, actor: 'alice-admin' });
  if (!published.ok) throw new Error(`template refused: ${JSON.stringify(published.error)}`);
  await publishTemplateVersion(deps, { key: { ...key, locale: 'ta' }, content: { ...content, name: 'own_booking_received_ta', language: 'ta' }, actor: 'alice-admin' });
  await retireTemplate(deps, { key: 'appointment.pending_approval:whatsapp:ta@centre-blr', actor: 'alice-admin' });
  await recordWhatsAppTemplatesObserved(deps, {
    actor: 'alice-admin',
    templates: [{ name: 'own_booking_received', language: 'en_US', status: 'approved', category: 'UTILITY', body: content.body, bodyParameters: 2, urlButton: null }],
  });
  await recordWhatsAppTemplateRefused(deps, { name: 'appointment_confirmed', language: 'en', state: 'paused', code: '132015', notificationId: 'n-replay', refusedAt: '2026-11-24T09:10:00.000Z' }, 1);
  const raw = validEnvelope('appointment.pending_approval');
  await recordAndProject(service, raw);
  await until(async () => {
    const rows = await service.db.selectFrom('notifications').select(['template_key', 'status']).where('event_id', '=', raw.eventId).execute();
    return rows.length === 1 && rows[0]!.status === 'sent' && rows[0]!.template_key === 'appointment.pending_approval:whatsapp:en@centre-blr';
  }, { what: 'an event planned with the centre\'s own template' });
  expect(await service.db.selectFrom('template_history').select('key').where('key', 'like', '%@centre-blr').execute()).toHaveLength(3);
}

/**
 * Provider callbacks in the ledger: reports of sent messages (applied), one of a message we never
 * recorded a send for (kept pending), a STOP reply and a free-text reply (inbound messages).
 */
async function recordCallbacks(): Promise<void> {
  const sent = await service.db.selectFrom('notifications').select(['provider', 'provider_message_id', 'notification_id'])
    .where('status', '=', 'sent').orderBy('notification_id').limit(5).execute();
  const report = (providerMessageId: string, status: 'delivered' | 'read', notificationId?: string) => ({
    provider: 'sandbox', providerMessageId, status, code: null, detail: null, reportId: `${providerMessageId}:${status}`,
    occurredAt: '2026-11-24T09:00:00.000Z', ...(notificationId ? { notificationId } : {}),
  });
  const recorder = { store: service.store, clock: systemClock };
  for (const row of sent) {
    await recordProviderCallback(recorder, 'sandbox', { reports: [report(row.provider_message_id!, 'delivered', row.notification_id)], replies: [], suppressions: [] });
  }
  await recordProviderCallback(recorder, 'sandbox', { reports: [report('sandbox-never-sent', 'read')], replies: [], suppressions: [] });
  const reply = (text: string, messageId: string) => ({
    provider: '360dialog', channel: 'whatsapp' as const, from: '+919811122233', messageId, receivedAt: '2026-11-24T09:05:00.000Z', text, ...classifyReply(text),
  });
  const last = await recordProviderCallback(recorder, '360dialog', { reports: [], replies: [reply('Is the clinic open on Sunday?', 'wamid.IN.1'), reply('STOP', 'wamid.IN.2')], suppressions: [] });
  if (last.outcome !== 'recorded') throw new Error('the reply callback was not recorded');
  // Its own position, not the head: the head stops below the oldest transaction open on the server.
  await service.whenProcessed(last.position);
  await until(async () => {
    const pending = await service.db.selectFrom('pending_provider_reports').select('report_id').execute();
    const reported = await service.db.selectFrom('notifications').select('notification_id').where('status', '=', 'delivered').execute();
    return pending.length === 1 && pending[0]!.report_id === 'sandbox-never-sent:read' && reported.length === sent.length;
  }, { what: 'the callbacks to be applied, one report kept pending' });
  const inbound = await service.cells.open(await service.db.selectFrom('inbound_messages').select('text').execute());
  expect(inbound.map((r) => r.text).sort()).toEqual(['Is the clinic open on Sunday?', 'STOP']);

  // The front desk answers in that conversation (its window taken as open): replay folds the reply too.
  const conversation = await until(async () => (await service.db.selectFrom('conversations').selectAll().executeTakeFirst()) ?? null, { what: 'the conversation' });
  const answered = await replyToPatient({ store: service.store, clock: systemClock, cells: service.cells }, {
    conversationId: conversation.conversation_id, address: conversation.address, centreId: conversation.centre_id,
    windowClosesAt: new Date(Date.now() + 3600_000), causeEventId: 'replay-cause',
  }, { patientId: 'pat-replay', text: 'Yes, 9 to 1 on Sundays.', idempotencyKey: 'replay-1', actor: 'desk-blr', locale: 'en' });
  if (!answered.ok) throw new Error('the reply was refused');
  await until(async () => (await service.db.selectFrom('conversations').select('replies').executeTakeFirst())?.replies === 1, { what: 'the reply in its conversation' });
}
afterAll(async () => service?.stop());

const replay = () =>
  run('npx', ['tsx', 'src/replay-cli.ts'], { env: { ...process.env, DATABASE_URL: service.database.url, LEDGER_MASTER_KEY: TEST_MASTER_KEY, LOG_LEVEL: 'silent' }, cwd: process.cwd() }).then(
    (r) => ({ code: 0, out: r.stdout }),
    (e: { code: number; stdout: string }) => ({ code: e.code, out: e.stdout }),
  );

it('rebuilds every read model from the ledger identical to the live one, without sending anything', async () => {
  const sentBefore = (service.transports.whatsapp as SandboxTransport).sent.length;
  const { code, out } = await replay();
  expect(out).toContain('No differences');
  expect(JSON.parse(out.trim().split('\n').at(-1)!)).toMatchObject({ differences: 0 });
  expect(code).toBe(0);
  expect((service.transports.whatsapp as SandboxTransport).sent.length).toBe(sentBefore);
  const planned = await service.db.selectFrom('notifications').select('notification_id').execute();
  expect(planned.length).toBeGreaterThan(30);
}, 120_000);

it('reports a read model that no longer matches the ledger', async () => {
  await service.db.updateTable('notifications').set({ status: 'read' }).where('channel', '=', 'email').execute();
  const { code, out } = await replay();
  expect(out).toMatch(/DIFFERENCE in notifications/);
  expect(code).toBe(1);
}, 120_000);
