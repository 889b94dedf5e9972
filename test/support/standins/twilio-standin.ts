import { createHmac, randomBytes } from 'node:crypto';
import { headerOf, startStandin, type StandinServer } from './standin-server.ts';

export const STANDIN_TWILIO_ACCOUNT_SID = `AC${'1'.repeat(32)}`;
export const STANDIN_TWILIO_AUTH_TOKEN = 'test-twilio-auth-token';

/** Twilio's REST error body. */
export function twilioError(status: number, code: number, message: string): object {
  return { code, message, more_info: `https://www.twilio.com/docs/errors/${code}`, status };
}

/**
 * Twilio's Message resource: form-encoded POST to /2010-04-01/Accounts/{AccountSid}/Messages.json with
 * Basic auth, answering 201 with the created message or a REST error body.
 */
export async function startTwilioStandin(accountSid = STANDIN_TWILIO_ACCOUNT_SID, authToken = STANDIN_TWILIO_AUTH_TOKEN): Promise<StandinServer> {
  const expectedAuth = `Basic ${Buffer.from(`${accountSid}:${authToken}`).toString('base64')}`;
  return startStandin((request) => {
    if (request.method !== 'POST' || request.path !== `/2010-04-01/Accounts/${accountSid}/Messages.json`) {
      return { status: 404, body: twilioError(404, 20404, 'The requested resource was not found') };
    }
    if (headerOf(request, 'authorization') !== expectedAuth) return { status: 401, body: twilioError(401, 20003, 'Authenticate') };
    const form = new URLSearchParams(request.text);
    if (!form.get('To')) return { status: 400, body: twilioError(400, 21604, "A 'To' phone number is required.") };
    if (!form.get('From') && !form.get('MessagingServiceSid')) return { status: 400, body: twilioError(400, 21603, "The 'From' phone number is required.") };
    if (!form.get('Body')) return { status: 400, body: twilioError(400, 21602, 'Message body is required.') };
    const sid = `SM${randomBytes(16).toString('hex')}`;
    return {
      status: 201,
      body: {
        account_sid: accountSid, api_version: '2010-04-01', body: form.get('Body'), date_created: new Date().toUTCString(),
        direction: 'outbound-api', error_code: null, error_message: null, from: form.get('From'),
        messaging_service_sid: form.get('MessagingServiceSid'), num_media: '0', num_segments: '1', price: null, sid,
        status: form.get('MessagingServiceSid') ? 'accepted' : 'queued', to: form.get('To'),
        uri: `/2010-04-01/Accounts/${accountSid}/Messages/${sid}.json`,
      },
    };
  });
}

/** Signs a callback as Twilio does, written apart from the code under test: URL, then sorted name+value pairs. */
export function signTwilioCallback(url: string, params: Record<string, string>, authToken = STANDIN_TWILIO_AUTH_TOKEN): string {
  const data = Object.keys(params).sort().reduce((text, name) => text + name + params[name], url);
  return createHmac('sha1', authToken).update(Buffer.from(data, 'utf-8')).digest('base64');
}
