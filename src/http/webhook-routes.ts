import type { IncomingMessage, ServerResponse } from 'node:http';
import { request as httpRequest } from 'undici';
import { recordProviderCallback, type CallbackRecorder, type RecordedCallback } from '../commands/inbound/record-provider-callback.ts';
import { msg91PathSecretValid, parseMsg91Webhook, MSG91_WEBHOOK_PREFIX } from '../channels/webhooks/msg91-webhook.ts';
import { parseSesSnsWebhook } from '../channels/webhooks/ses-sns-webhook.ts';
import { parseTwilioWebhook } from '../channels/webhooks/twilio-webhook.ts';
import type { WebhookConfigs, WebhookRequest, WebhookResult } from '../channels/webhooks/webhook-types.ts';
import { parseWhatsAppWebhook } from '../channels/webhooks/whatsapp-webhook.ts';
import { LedgerInputError } from '../ledger/event-store.ts';
import type { Logger } from '../telemetry/logger.ts';
import { BodyTooLarge, readBody, sendJson, type HttpServer } from './http-server.ts';

const WEBHOOK_BODY_LIMIT = 1024 * 1024;

export interface WebhookRecorder extends CallbackRecorder {
  logger: Logger;
}

type Parse = (req: WebhookRequest) => WebhookResult | Promise<WebhookResult>;

/**
 * POST /webhooks/whatsapp, /webhooks/ses, /webhooks/sms, /webhooks/msg91/<secret>: verified first (a bad signature records
 * nothing), then appended to the ledger as received, and only then answered 2xx. Interpreting it
 * (which notification, which person) is the provider-callback reaction's work, so a report that
 * overtakes its notification is kept, not lost. If the ledger cannot take the callback the answer
 * is 503: the provider's own retry brings it back (README, "Provider webhooks"). A webhook for a
 * provider that is not configured is refused.
 */
export function mountWebhooks(http: HttpServer, configs: WebhookConfigs, recorder: WebhookRecorder, publicUrl: string | undefined): void {
  const handle = (provider: string, parse: Parse | null, shownPath?: string) =>
    async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
      if (!parse) return sendJson(res, 404, { error: 'this provider is not configured' });
      // A path that carries a secret is never logged as it is.
      const path = shownPath ?? req.url;
      let rawBody: Buffer;
      try {
        rawBody = await readBody(req, WEBHOOK_BODY_LIMIT);
      } catch (error) {
        if (error instanceof BodyTooLarge) return sendJson(res, 413, { error: error.message });
        throw error;
      }
      const url = new URL(req.url ?? '/', publicUrl ?? `http://${req.headers.host ?? 'localhost'}`).toString();
      const parsed = await parse({ headers: req.headers, rawBody, url, receivedAt: recorder.clock.now() });
      if (!parsed.ok) {
        const status = parsed.error.kind === 'malformed' ? 400 : parsed.error.kind === 'verification-unavailable' ? 503 : 403;
        recorder.logger.warn({ kind: parsed.error.kind, path }, 'webhook refused');
        return sendJson(res, status, { error: parsed.error.kind });
      }
      let recorded: RecordedCallback;
      try {
        recorded = await recordProviderCallback(recorder, provider, parsed.value);
      } catch (error) {
        if (error instanceof LedgerInputError) {
          // The ledger refuses this callback itself (too large to record): a retry would be refused the same way.
          recorder.logger.error({ code: error.code, provider, path }, 'webhook refused by the ledger');
          return sendJson(res, 413, { error: error.code });
        }
        // Nothing was recorded: a 2xx now would lose the callback for good, a 5xx has the provider send it again.
        recorder.logger.error({ err: error, provider, path }, 'webhook not recorded: the ledger is unavailable');
        return sendJson(res, 503, { error: 'ledger-unavailable' });
      }
      if (parsed.value.confirmSubscriptionUrl) {
        // Verified SNS subscription: confirming is a GET of the URL SNS signed.
        await httpRequest(parsed.value.confirmSubscriptionUrl, { method: 'GET' }).then((r) => r.body.dump());
      }
      sendJson(res, 200, recorded.outcome === 'empty' ? { recorded: false } : { recorded: recorded.outcome === 'recorded', callbackId: recorded.callbackId });
    };

  http
    .route('POST', '/webhooks/whatsapp', handle('360dialog', configs.whatsapp ? (req) => parseWhatsAppWebhook(req, configs.whatsapp!) : null))
    .route('POST', '/webhooks/ses', handle('ses', configs.ses ? (req) => parseSesSnsWebhook(req, configs.ses!) : null))
    .route('POST', '/webhooks/sms', handle('twilio', configs.sms ? (req) => parseTwilioWebhook(req, configs.sms!) : null));

  // MSG91 signs nothing, so the path's secret is the credential: a wrong one is answered as an unknown path.
  const msg91 = configs.msg91 ?? null;
  const msg91Reports = msg91 ? handle('msg91', (req) => parseMsg91Webhook(req, msg91), `${MSG91_WEBHOOK_PREFIX}<secret>`) : null;
  http.route('POST', `${MSG91_WEBHOOK_PREFIX}*`, async (req, res, url) => {
    if (!msg91Reports || !msg91PathSecretValid(url.pathname, msg91!)) return sendJson(res, 404, { error: 'not found' });
    try {
      await msg91Reports(req, res);
    } catch (error) {
      // Answered here, so the server's own error log never shows the path and its secret.
      recorder.logger.error({ err: error, provider: 'msg91' }, 'webhook failed');
      if (!res.headersSent) sendJson(res, 500, { error: 'internal error' });
      else res.end();
    }
  });
}
