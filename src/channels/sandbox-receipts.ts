import type { Logger } from '../telemetry/logger.ts';
import type { SandboxTransport } from './sandbox-transport.ts';
import { recordProviderCallback, type CallbackRecorder } from '../commands/inbound/record-provider-callback.ts';
import type { ProviderStatusReport } from './webhooks/webhook-types.ts';

/** After how long (ms, from the send) a sandbox message is reported delivered, then read. */
const DELIVERED_AFTER_MS: [number, number] = [400, 1500];
const READ_AFTER_MS: [number, number] = [1500, 5000];

/**
 * In sandbox mode nothing comes back from a provider, so a first run would show every message stop
 * at `sent`. This plays the provider's part: a little after each sandbox send it reports the message
 * delivered (and, on WhatsApp, read) through the same path real webhooks take, as provider
 * `sandbox`, so the ledger says plainly that it was simulated.
 */
export function simulateSandboxReceipts(transports: readonly SandboxTransport[], recorder: CallbackRecorder, logger: Logger, random = Math.random): () => void {
  const timers = new Set<NodeJS.Timeout>();
  let stopped = false;
  const later = (range: [number, number], report: () => ProviderStatusReport) => {
    const timer = setTimeout(() => {
      timers.delete(timer);
      if (stopped) return;
      recordProviderCallback(recorder, 'sandbox', { reports: [report()], replies: [], suppressions: [] }).catch((error: unknown) =>
        logger.warn({ err: error }, 'simulated sandbox receipt not recorded'),
      );
    }, range[0] + Math.round(random() * (range[1] - range[0])));
    timers.add(timer);
  };
  const offs = transports.map((transport) =>
    transport.onSent((message) => {
      const providerMessageId = `sandbox-${message.notificationId}-${message.attempt}`;
      const report = (status: 'delivered' | 'read') => (): ProviderStatusReport => ({
        provider: 'sandbox',
        providerMessageId,
        status,
        code: null,
        detail: 'simulated by the sandbox',
        reportId: `${providerMessageId}:${status}`,
        occurredAt: new Date().toISOString(),
        notificationId: message.notificationId,
      });
      later(DELIVERED_AFTER_MS, report('delivered'));
      if (message.channel === 'whatsapp') later(READ_AFTER_MS, report('read'));
    }),
  );
  return () => {
    stopped = true;
    for (const off of offs) off();
    for (const timer of timers) clearTimeout(timer);
  };
}
