import type { IncomingMessage, ServerResponse } from 'node:http';
import { request as httpRequest } from 'undici';
import { recordWebhookBatch, type WebhookRecorder } from '../channels/webhooks/record-webhook-batch.ts';
import { parseSesSnsWebhook } from '../channels/webhooks/ses-sns-webhook.ts';
import { parseTwilioWebhook } from '../channels/webhooks/twilio-webhook.ts';
import type { WebhookRequest, WebhookResult } from '../channels/webhooks/webhook-types.ts';
import { parseWhatsAppWebhook } from '../channels/webhooks/whatsapp-webhook.ts';
import type { WebhookConfigs } from '../provider-config.ts';
import { BodyTooLarge, readBody, sendJson, type HttpServer } from './http-server.ts';

const WEBHOOK_BODY_LIMIT = 1024 * 1024;

/**
 * POST /webhooks/whatsapp, /webhooks/ses, /webhooks/sms: verified first (a bad signature records
 * nothing), then recorded in the ledger. A webhook for a provider that is not configured is refused.
 */
export function mountWebhooks(http: HttpServer, configs: WebhookConfigs, recorder: WebhookRecorder, publicUrl: string | undefined): void {
  const handle = (parse: ((req: WebhookRequest) => WebhookResult | Promise<WebhookResult>) | null) =>
    async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
      if (!parse) return sendJson(res, 404, { error: 'this provider is not configured' });
      let rawBody: Buffer;
      try {
        rawBody = await readBody(req, WEBHOOK_BODY_LIMIT);
      } catch (error) {
        if (error instanceof BodyTooLarge) return sendJson(res, 413, { error: error.message });
        throw error;
      }
      const url = new URL(req.url ?? '/', publicUrl ?? `http://${req.headers.host ?? 'localhost'}`).toString();
      const parsed = await parse({ headers: req.headers, rawBody, url });
      if (!parsed.ok) {
        const status = parsed.error.kind === 'malformed' ? 400 : parsed.error.kind === 'verification-unavailable' ? 503 : 403;
        recorder.logger.warn({ kind: parsed.error.kind, path: req.url }, 'webhook refused');
        return sendJson(res, status, { error: parsed.error.kind });
      }
      if (parsed.value.confirmSubscriptionUrl) {
        // Verified SNS subscription: confirming is a GET of the URL SNS signed.
        await httpRequest(parsed.value.confirmSubscriptionUrl, { method: 'GET' }).then((r) => r.body.dump());
      }
      const recorded = await recordWebhookBatch(recorder, parsed.value);
      sendJson(res, 200, recorded);
    };

  http
    .route('POST', '/webhooks/whatsapp', handle(configs.whatsapp ? (req) => parseWhatsAppWebhook(req, configs.whatsapp!) : null))
    .route('POST', '/webhooks/ses', handle(configs.ses ? (req) => parseSesSnsWebhook(req, configs.ses!) : null))
    .route('POST', '/webhooks/sms', handle(configs.sms ? (req) => parseTwilioWebhook(req, configs.sms!) : null));
}
