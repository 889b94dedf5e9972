import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SandboxTransport } from '../../src/channels/sandbox-transport.ts';
import { approachingTurnNotificationId } from '../../src/domain/walk-in/plan-approaching-turn.ts';
import { streamName } from '../../src/domain/stream-name.ts';
import { readStreamToArray } from '../../src/ledger/event-store.ts';
import { setWalkInThreshold } from '../../src/commands/centre-settings/set-walk-in-threshold.ts';
import { fixedClock } from '../support/clock.ts';
import { patient, secondPatient, walkinQueue } from '../support/envelopes.ts';
import { startTestService, type TestService } from '../support/service.ts';
import { recordAndProject } from '../support/publish.ts';
import { until } from '../support/until.ts';
import { MINUTE, kolkata } from './reminder-support.ts';

const clock = fixedClock('2026-11-24T04:00:00Z');
let service: TestService;

beforeAll(async () => {
  service = await startTestService({ clock, dispatcher: { pollIntervalMs: 20 } });
});
afterAll(async () => service?.stop());

const centre = kolkata('centre-walkin');
const newQueue = () => ({ ...walkinQueue, id: `queue-${randomUUID().slice(0, 8)}` });

/** A queue update at `occurredAt` with `token` at `position` (and a second token further back). */
function queueUpdate(queue: { id: string; name: string }, token: string, position: number, occurredAt: Date) {
  return {
    eventId: `his:${randomUUID()}`,
    type: 'walkin.queue_updated',
    occurredAt: occurredAt.toISOString(),
    data: {
      centre,
      queue,
      tokens: [
        { number: token, position, patient, room: 'Room 3' },
        { number: `${token}-next`, position: position + 10, patient: secondPatient },
      ],
    },
  };
}

const LOCAL_DATE = '2026-11-24';
const notificationOf = (queueId: string, token: string) => approachingTurnNotificationId(centre.id, queueId, token, LOCAL_DATE, 'whatsapp');

/**
 * The tokens told (NotificationPlanned in the ledger) and by which threshold. Read from the ledger,
 * which the planner has appended to before `publish` returns, so "none" is a real answer.
 */
async function told(queueId: string, tokens: readonly string[]) {
  const found: [string, unknown][] = [];
  for (const token of tokens) {
    const [planned] = await readStreamToArray(service.store, streamName.notification(notificationOf(queueId, token)));
    if (planned) found.push([token, (planned.data as { selection: unknown }).selection]);
  }
  return found;
}

describe('walk-in: approaching turn', () => {
  it('tells a token once as it moves through 7, 5, 4, 3, 2, 1 with threshold 3', async () => {
    const queue = newQueue();
    let at = clock.now().getTime();
    for (const position of [7, 5, 4, 3, 2, 1]) {
      at += MINUTE;
      await recordAndProject(service, queueUpdate(queue, 'A-017', position, new Date(at)));
    }
    expect(await told(queue.id, ['A-017'])).toEqual([['A-017', { kind: 'walkin-threshold', threshold: 3 }]]);
    const rows = await until(async () => {
      const found = await service.db.selectFrom('notifications').selectAll().where('event_type', '=', 'walkin.approaching_turn')
        .where('notification_id', '=', notificationOf(queue.id, 'A-017')).execute();
      return found.length > 0 && found.every((r) => r.status === 'sent') ? found : null;
    }, { what: 'the approaching-turn message to be sent' });
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({ channel: 'whatsapp', recipient_id: patient.id, template_key: 'walkin.approaching_turn:whatsapp:en' });
    expect(rows[0]!.selection).toEqual({ kind: 'walkin-threshold', threshold: 3 });
    const sent = (service.transports.whatsapp as SandboxTransport).sent.filter((m) => m.notificationId === rows[0]!.notification_id);
    expect(sent).toHaveLength(1);
    const preview = (sent[0]!.rendered as { previewText: string }).previewText;
    expect(preview).toContain('A-017');
    expect(preview).toContain('number 3');
    expect(preview).toContain('Room 3');
  });

  it('applies a threshold change to the updates after it', async () => {
    const queue = newQueue();
    let at = clock.now().getTime();
    const next = () => new Date((at += MINUTE));
    await recordAndProject(service, queueUpdate(queue, 'B-001', 3, next()));
    const set = await setWalkInThreshold(service.store, { centreId: centre.id, queueId: queue.id, threshold: 2, actor: 'alice-admin' }, clock.now());
    if (!set.ok) throw new Error(JSON.stringify(set.error));
    await service.whenProcessed(set.value.position);
    await recordAndProject(service, queueUpdate(queue, 'B-002', 3, next()));
    expect((await told(queue.id, ['B-001', 'B-002'])).map(([t]) => t)).toEqual(['B-001']);
    await recordAndProject(service, queueUpdate(queue, 'B-002', 2, next()));
    expect(await told(queue.id, ['B-001', 'B-002'])).toEqual([
      ['B-001', { kind: 'walkin-threshold', threshold: 3 }],
      ['B-002', { kind: 'walkin-threshold', threshold: 2 }],
    ]);
  });

  it('never tells a token that was called before it reached the threshold', async () => {
    const queue = newQueue();
    let at = clock.now().getTime();
    const next = () => new Date((at += MINUTE));
    await recordAndProject(service, queueUpdate(queue, 'C-005', 6, next()));
    await recordAndProject(service, {
      eventId: `his:${randomUUID()}`,
      type: 'walkin.token_called',
      occurredAt: next().toISOString(),
      data: { centre, queue, token: { number: 'C-005', room: 'Room 1' }, patient },
    });
    await recordAndProject(service, queueUpdate(queue, 'C-005', 2, next()));
    await recordAndProject(service, queueUpdate(queue, 'C-005', 1, next()));
    expect(await told(queue.id, ['C-005'])).toEqual([]);
  });

  it('ignores an update older than the last one applied', async () => {
    const queue = newQueue();
    const base = clock.now().getTime();
    await recordAndProject(service, queueUpdate(queue, 'D-009', 6, new Date(base + 10 * MINUTE)));
    await recordAndProject(service, queueUpdate(queue, 'D-009', 2, new Date(base + 5 * MINUTE)));
    expect(await told(queue.id, ['D-009'])).toEqual([]);
    await recordAndProject(service, queueUpdate(queue, 'D-009', 3, new Date(base + 11 * MINUTE)));
    expect((await told(queue.id, ['D-009'])).map(([t]) => t)).toEqual(['D-009']);
  });

  it('refuses a threshold below 1, naming the field', async () => {
    const refused = await setWalkInThreshold(service.store, { centreId: centre.id, queueId: 'q', threshold: 0, actor: 'alice-admin' }, clock.now());
    expect(refused).toEqual({ ok: false, error: { kind: 'invalid-setting', issues: [{ path: 'threshold', message: 'must be at least 1' }] } });
  });
});

describe('walk-in: token called', () => {
  it('tells the patient at once, on WhatsApp', async () => {
    const queue = newQueue();
    const raw = {
      eventId: `his:${randomUUID()}`,
      type: 'walkin.token_called',
      occurredAt: clock.now().toISOString(),
      data: { centre, queue, token: { number: 'E-001', room: 'Room 2' }, patient },
    };
    await recordAndProject(service, raw);
    const rows = await until(async () => {
      const found = await service.db.selectFrom('notifications').selectAll().where('event_id', '=', raw.eventId).execute();
      return found.length === 1 && found[0]!.status === 'sent' ? found : null;
    }, { what: 'the token-called message to be sent' });
    expect(rows[0]).toMatchObject({ channel: 'whatsapp', template_key: 'walkin.token_called:whatsapp:en' });
  });
});
