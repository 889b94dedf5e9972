import { setTimeout as delay } from 'node:timers/promises';
import type { ChannelLimits } from '../../src/channels/channel-lane.ts';
import type { SandboxTransport } from '../../src/channels/sandbox-transport.ts';
import { loadConfig } from '../../src/config.ts';
import { parseEnvelope } from '../../src/domain/intake/envelope.ts';
import { startService } from '../../src/service.ts';
import { silentLogger } from '../../src/telemetry/logger.ts';
import { realClock } from '../../test/support/clock.ts';
import { validEnvelope, type RawEnvelope } from '../../test/support/envelopes.ts';
import { createBenchDatabase, BENCH_MASTER_KEY } from './bench-database.ts';

export interface MixedBacklogFigures {
  whatsappPerSecond: number;
  emailPerSecond: number;
  whatsappShareOfLimit: number;
  emailShareOfLimit: number;
  whatsappSent: number;
  emailSent: number;
  seconds: number;
}

/** A doctor's emergency leave that affects `count` patients, each with a phone and an email address. */
export function emergencyLeave(count: number): RawEnvelope {
  // Built for the real now, the clock the service runs on: the affected slots lie ahead of it.
  const raw = validEnvelope('doctor.emergency_leave', {}, realClock);
  const data = raw.data as { affected: { appointment: Record<string, unknown>; patient: Record<string, unknown> }[] };
  const [template] = data.affected;
  data.affected = Array.from({ length: count }, (_, i) => ({
    ...template!,
    appointment: { ...template!.appointment, id: `appt-${i}`, bookingReference: `BK-${100_000 + i}` },
    patient: { ...template!.patient, id: `pat-${i}`, phone: `+9198${String(i).padStart(8, '0')}`, email: `patient${i}@example.com` },
  }));
  return raw;
}

/** Send times on one channel, in the order they happened (performance.now()). */
class Sends {
  readonly at: number[] = [];
  record(): void {
    this.at.push(performance.now());
  }
}

/**
 * Rate over a window, a sliding-second limiter's first burst left out: a limit of N per second lets
 * N go at once and then N a second, so (sends - N) over the time from first to last is the rate it
 * held; counting the burst would flatter a short run.
 */
const heldRate = (count: number, perSecond: number, seconds: number) => (seconds > 0 ? Math.max(0, count - perSecond) / seconds : 0);

/**
 * One emergency leave fanning out to `affected` patients on WhatsApp and email, with email held to
 * its limit (SES's default 14/s) and WhatsApp at 80/s: each channel's send rate as a share of its
 * limit while both have a backlog. The window ends with the last WhatsApp message; email, with
 * far more to do at its rate, is still busy then (the figure says so if it was not).
 */
export async function measureMixedBacklog(options: { affected: number; limits: { whatsapp: ChannelLimits; email: ChannelLimits } }): Promise<MixedBacklogFigures> {
  const { affected, limits } = options;
  const database = await createBenchDatabase('e2e_mixed');
  const service = await startService(
    loadConfig({ DATABASE_URL: database.url, API_TOKENS: `bench:admin:${'b'.repeat(32)}`, LEDGER_MASTER_KEY: BENCH_MASTER_KEY, CHANNELS_SANDBOX: 'all', LOG_LEVEL: 'silent' }),
    { logger: silentLogger(), port: 0, clock: realClock, dispatcher: { limits } },
  );
  try {
    const whatsapp = new Sends();
    const email = new Sends();
    (service.transports.whatsapp as SandboxTransport).onSent(() => whatsapp.record());
    (service.transports.email as SandboxTransport).onSent(() => email.record());

    const parsed = parseEnvelope(emergencyLeave(affected));
    if (!parsed.ok) throw new Error(`the emergency leave is invalid: ${JSON.stringify(parsed.error)}`);
    await service.intake.record(parsed.value, 'http');

    const deadline = Date.now() + (affected / limits.whatsapp.perSecond) * 1000 * 4 + 60_000;
    while (whatsapp.at.length < affected) {
      if (Date.now() > deadline) throw new Error(`mixed backlog: only ${whatsapp.at.length} of ${affected} WhatsApp messages were sent`);
      await delay(50);
    }
    const end = whatsapp.at.at(-1)!;
    const whatsappSeconds = (end - whatsapp.at[0]!) / 1000;
    const emailsInWindow = email.at.filter((at) => at <= end);
    const emailSeconds = emailsInWindow.length > 0 ? (end - emailsInWindow[0]!) / 1000 : 0;
    const whatsappPerSecond = heldRate(whatsapp.at.length, limits.whatsapp.perSecond, whatsappSeconds);
    const emailPerSecond = heldRate(emailsInWindow.length, limits.email.perSecond, emailSeconds);
    return {
      whatsappPerSecond,
      emailPerSecond,
      whatsappShareOfLimit: whatsappPerSecond / limits.whatsapp.perSecond,
      emailShareOfLimit: emailPerSecond / limits.email.perSecond,
      whatsappSent: whatsapp.at.length,
      emailSent: emailsInWindow.length,
      seconds: whatsappSeconds,
    };
  } finally {
    await service.stop();
    await database.drop();
  }
}
