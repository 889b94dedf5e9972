import { randomUUID } from 'node:crypto';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ERASED } from '../../src/domain/keys/personal-data.ts';
import { RETENTION_EVENT_TYPES } from '../../src/domain/keys/retention-events.ts';
import { streamName } from '../../src/domain/stream-name.ts';
import { ContentRetention } from '../../src/ledger/content-retention.ts';
import { readStreamToArray } from '../../src/ledger/event-store.ts';
import { PersonKeyStore } from '../../src/ledger/person-key-store.ts';
import { silentLogger } from '../../src/telemetry/logger.ts';
import { gqlData } from '../graphql/support/graphql-client.ts';
import { fixedClock, type FixedClock } from '../support/clock.ts';
import { envelopesOn } from '../support/envelopes.ts';
import { recordAndProject } from '../support/publish.ts';
import { AUDITOR_TOKEN, startTestService, type TestService } from '../support/service.ts';
import { until } from '../support/until.ts';

// Retention over the whole service with personal data sealed: the words of messages whose month
// ended RETENTION_DAYS_CONTENT days ago read [erased]; who they went to, and what became of them, stay.
const MARCH = '2026-03-10T09:00:00Z';
// March ended on April 1st; 30 days later is May 1st.
const MAY = '2026-05-02T09:00:00Z';

interface Sent {
  notificationId: string;
  patient: { id: string; name: string; phone: string; email: string };
}

interface NotificationAnswer {
  notification: { status: string; recipient: { address: string }; content: { previewText: string; templateName: string } };
}

const NOTIFICATION_QUERY = `query($id: ID!) { notification(id: $id) {
  status recipient { address } content { ... on RenderedWhatsApp { previewText templateName } } } }`;

/** Confirms a booking for a new patient on the service's clock, and answers its WhatsApp notification once sent. */
async function sendConfirmation(service: TestService, clock: FixedClock): Promise<Sent> {
  const patient = { id: `pat-${randomUUID()}`, name: `Asha ${randomUUID().slice(0, 8)}`, phone: `+9198${String(Math.floor(Math.random() * 1e8)).padStart(8, '0')}`, email: `asha.${randomUUID().slice(0, 8)}@example.com` };
  const raw = envelopesOn(clock).validEnvelope('appointment.confirmed');
  (raw.data as { patient: unknown }).patient = patient;
  await recordAndProject(service, raw);
  const row = await until(async () => {
    service.dispatcher?.poke();
    return service.db.selectFrom('notifications').selectAll().where('event_id', '=', raw.eventId).where('channel', '=', 'whatsapp').where('status', '=', 'sent').executeTakeFirst();
  }, { what: 'the confirmation sent on WhatsApp' });
  return { notificationId: row.notification_id, patient };
}

async function recordedContent(service: TestService, notificationId: string) {
  const [planned] = await readStreamToArray(service.store, streamName.notification(notificationId));
  return planned!.data as { recipient: { id: string; address: string }; content: { channel: string; previewText: string } };
}

const retentionRecords = (service: TestService) => readStreamToArray(service.store, streamName.contentRetention());

const liveContentKeys = async (service: TestService, month: string): Promise<number> => {
  const { rows } = await sql<{ n: number }>`
    select count(*)::int as n from person_keys where scope = ${`content:${month}`} and destroyed_at is null`.execute(service.db);
  return rows[0]!.n;
};

describe('with RETENTION_DAYS_CONTENT set', () => {
  const clock = fixedClock(MARCH);
  let service: TestService;
  let march: Sent;
  let may: Sent;

  beforeAll(async () => {
    service = await startTestService({
      clock,
      personalData: 'sealed',
      templateSync: false,
      schedule: false,
      dispatcher: { pollIntervalMs: 20 },
      env: { RETENTION_DAYS_CONTENT: '30' },
    });
    march = await sendConfirmation(service, clock);
    clock.set(MAY);
    may = await sendConfirmation(service, clock);
  });
  afterAll(async () => service?.stop());

  it("erases the words of a month past retention, and keeps the message's recipient, status and this month's words", async () => {
    const marchKeys = await liveContentKeys(service, '2026-03');
    expect(marchKeys).toBeGreaterThan(0);
    expect(await service.contentRetention!.run()).toEqual({ before: '2026-04', keysDestroyed: marchKeys });
    expect(await liveContentKeys(service, '2026-03')).toBe(0);

    const recorded = await recordedContent(service, march.notificationId);
    expect(recorded.content).toMatchObject({ channel: 'whatsapp', previewText: ERASED });
    expect(recorded.recipient).toMatchObject({ id: march.patient.id, address: march.patient.phone });
    const erased = await gqlData<NotificationAnswer>(service, AUDITOR_TOKEN, NOTIFICATION_QUERY, { id: march.notificationId });
    expect(erased.notification).toEqual({ status: 'sent', recipient: { address: march.patient.phone }, content: { previewText: ERASED, templateName: ERASED } });

    const kept = await gqlData<NotificationAnswer>(service, AUDITOR_TOKEN, NOTIFICATION_QUERY, { id: may.notificationId });
    expect(kept.notification.status).toBe('sent');
    expect(kept.notification.content.previewText).toContain(may.patient.name);
    expect((await recordedContent(service, may.notificationId)).content.previewText).toContain(may.patient.name);
  });

  it('records the run that destroyed keys once, and a run with nothing to destroy records nothing', async () => {
    const [applied, ...more] = await retentionRecords(service);
    expect(more).toEqual([]);
    expect(applied).toMatchObject({ type: RETENTION_EVENT_TYPES.contentApplied, data: { before: '2026-04', retentionDays: 30, at: new Date(MAY).toISOString() }, metadata: { actor: 'system' } });
    expect((applied!.data as { keysDestroyed: number }).keysDestroyed).toBeGreaterThan(0);

    expect(await service.contentRetention!.run()).toEqual({ before: '2026-04', keysDestroyed: 0 });
    expect(await retentionRecords(service)).toHaveLength(1);
  });

  it('destroys each key once and records the run once when two instances run at the same moment', async () => {
    const people = Array.from({ length: 20 }, () => ({ person: { kind: 'patient' as const, id: `pat-${randomUUID()}` }, scope: 'content:2026-02' as const }));
    await service.personKeys!.liveKeys(people);
    const recordsBefore = (await retentionRecords(service)).length;
    const otherKeys = await PersonKeyStore.open(service.connection, service.keys, { databaseUrl: service.database.url, clock });
    try {
      const other = new ContentRetention({ keys: otherKeys, store: service.store, clock, logger: silentLogger(), retentionDays: 30 });
      const runs = await Promise.all([service.contentRetention!.run(), other.run()]);
      expect(runs.map((r) => r.keysDestroyed).sort((a, b) => a - b)).toEqual([0, people.length]);
      const records = (await retentionRecords(service)).slice(recordsBefore);
      expect(records.map((r) => r.data)).toEqual([expect.objectContaining({ before: '2026-04', keysDestroyed: people.length })]);
    } finally {
      await otherKeys.close();
    }
  });

  it('runs on its own at its interval', async () => {
    const person = { kind: 'patient' as const, id: `pat-${randomUUID()}` };
    const key = await service.personKeys!.liveKey(person, 'content:2026-01');
    const recordsBefore = (await retentionRecords(service)).length;
    const schedule = new ContentRetention({ keys: service.personKeys!, store: service.store, clock, logger: silentLogger(), retentionDays: 30, intervalMs: 20 });
    schedule.start();
    try {
      await until(async () => (await retentionRecords(service)).length > recordsBefore, { what: 'the scheduled run to record the destruction' });
      expect(await service.personKeys!.keyById(key.keyId)).toMatchObject({ destroyed: true });
    } finally {
      await schedule.stop();
    }
  });
});

describe('with RETENTION_DAYS_CONTENT unset', () => {
  const clock = fixedClock(MARCH);
  let service: TestService;

  beforeAll(async () => {
    service = await startTestService({ clock, personalData: 'sealed', templateSync: false, schedule: false, dispatcher: { pollIntervalMs: 20 } });
  });
  afterAll(async () => service?.stop());

  it('keeps the words of every month, however old', async () => {
    const march = await sendConfirmation(service, clock);
    clock.set(MAY);
    await sendConfirmation(service, clock);

    expect(service.contentRetention).toBeNull();
    const { rows } = await sql<{ n: number }>`select count(*)::int as n from person_keys where destroyed_at is not null`.execute(service.db);
    expect(rows[0]!.n).toBe(0);
    expect((await recordedContent(service, march.notificationId)).content.previewText).toContain(march.patient.name);
    expect(await retentionRecords(service)).toEqual([]);
  });
});
