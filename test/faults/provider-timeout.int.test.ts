import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createWhatsApp360DialogTransport } from '../../src/channels/providers/whatsapp-360dialog.ts';
import { ATTEMPT_TIMEOUT_CODE } from '../../src/domain/notifications/notification-state.ts';
import { streamName } from '../../src/domain/stream-name.ts';
import { readStreamToArray } from '../../src/ledger/event-store.ts';
import { realClock } from '../support/clock.ts';
import { envelopesOn } from '../support/envelopes.ts';
import { recordAndProject } from '../support/publish.ts';
import { startTestService, type TestService } from '../support/service.ts';
import type { StandinServer } from '../support/standins/standin-server.ts';
import { start360DialogStandin, STANDIN_360DIALOG_KEY } from '../support/standins/whatsapp-360dialog-standin.ts';
import { until } from '../support/until.ts';

// This file's service runs on the machine's clock: its events' slots lie ahead of that clock's now.
const { validEnvelope } = envelopesOn(realClock);

// Every timeout this test depends on, set here: the attempt timeout short, the transport's own
// request timeout far longer, so that it is the dispatcher's attempt timeout that ends the wait.
const ATTEMPT_TIMEOUT_MS = 1_000;
const TRANSPORT_REQUEST_TIMEOUT_MS = 60_000;

describe('a provider that never answers', () => {
  let standin: StandinServer;
  let service: TestService;
  beforeAll(async () => {
    standin = await start360DialogStandin();
    service = await startTestService({
      env: { DISPATCH_ATTEMPT_TIMEOUT_MS: String(ATTEMPT_TIMEOUT_MS) },
      transports: {
        whatsapp: createWhatsApp360DialogTransport({
          apiKey: STANDIN_360DIALOG_KEY,
          baseUrl: standin.url,
          connectTimeoutMs: 1_000,
          requestTimeoutMs: TRANSPORT_REQUEST_TIMEOUT_MS,
        }),
      },
      dispatcher: { pollIntervalMs: 20, backoffBaseMs: 5, backoffMaxMs: 20 },
    });
  });
  afterAll(async () => {
    await service?.stop();
    await standin?.close();
  });

  it('times the attempt out, records it, and retries it as a possible duplicate', async () => {
    // Given a provider that accepts the first request and never answers it...
    standin.reset();
    standin.failNext(1, { hang: true });
    // ...when a WhatsApp message is due,
    const raw = validEnvelope('appointment.pending_approval');
    await recordAndProject(service, raw);
    const row = await until(async () => {
      const [found] = await service.db.selectFrom('notifications').selectAll().where('event_id', '=', raw.eventId).execute();
      return found && ['sent', 'failed'].includes(found.status) ? found : null;
    }, { what: 'the notification to settle', timeoutMs: 20_000 });

    // then the first attempt is recorded as timed out, and the retry is sent and marked.
    expect(row).toMatchObject({ status: 'sent', attempts: 2, possible_duplicate: true, provider: '360dialog' });
    const events = await readStreamToArray(service.store, streamName.notification(row.notification_id));
    expect(events.map((e) => e.type)).toEqual(['NotificationPlanned', 'AttemptStarted', 'AttemptFailed', 'AttemptStarted', 'NotificationSent']);
    expect(events[2]!.data).toMatchObject({ attempt: 1, code: ATTEMPT_TIMEOUT_CODE, retryable: true, provider: '360dialog' });
    expect(events[3]!.data).toMatchObject({ attempt: 2, possibleDuplicate: true });
    // The provider saw both requests: the one it never answered and the retry.
    expect(standin.requests).toHaveLength(2);
  });
});
