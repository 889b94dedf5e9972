import { Writable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTwilioSmsTransport } from '../../src/channels/providers/twilio-sms.ts';
import { createWhatsApp360DialogTransport } from '../../src/channels/providers/whatsapp-360dialog.ts';
import { createLogger } from '../../src/telemetry/logger.ts';
import type { StandinServer } from '../support/standins/standin-server.ts';
import { startTwilioStandin, STANDIN_TWILIO_ACCOUNT_SID, STANDIN_TWILIO_AUTH_TOKEN, twilioError } from '../support/standins/twilio-standin.ts';
import { metaError, start360DialogStandin, STANDIN_360DIALOG_KEY } from '../support/standins/whatsapp-360dialog-standin.ts';
import { smsMessage, whatsappMessage } from './outbound-fixtures.ts';

let dialog: StandinServer;
let twilio: StandinServer;
beforeAll(async () => {
  [dialog, twilio] = await Promise.all([start360DialogStandin(), startTwilioStandin()]);
});
afterAll(async () => {
  await Promise.all([dialog.close(), twilio.close()]);
});

function capturingLogger() {
  const lines: string[] = [];
  const destination = new Writable({
    write(chunk: Buffer, _encoding, done) {
      lines.push(chunk.toString());
      done();
    },
  });
  return { logger: createLogger({ destination }), lines };
}

describe('provider failure logs', () => {
  it('name the notification and a masked recipient, never the number or the text', async () => {
    const { logger, lines } = capturingLogger();
    const whatsapp = createWhatsApp360DialogTransport({ apiKey: STANDIN_360DIALOG_KEY, baseUrl: dialog.url, logger });
    const sms = createTwilioSmsTransport({
      accountSid: STANDIN_TWILIO_ACCOUNT_SID, authToken: STANDIN_TWILIO_AUTH_TOKEN, sender: { from: '+14155550100' }, baseUrl: twilio.url, logger,
    });
    dialog.failNext(1, { status: 400, body: metaError(131026, 'Message undeliverable') });
    twilio.failNext(1, { status: 400, body: twilioError(400, 21211, "The 'To' number +14155550123 is not a valid phone number.") });
    try {
      await whatsapp.send(whatsappMessage());
      await sms.send(smsMessage());
    } finally {
      await Promise.all([whatsapp.close?.(), sms.close?.()]);
    }

    const output = lines.join('');
    expect(lines).toHaveLength(2);
    expect(output).toContain('+91******3210');
    expect(output).toContain('+1******0123');
    for (const secret of ['919876543210', '4155550123', 'Asha', 'Reply STOP']) expect(output).not.toContain(secret);
  });

  it('keep the provider message for the ledger with the quoted number masked', async () => {
    const sms = createTwilioSmsTransport({
      accountSid: STANDIN_TWILIO_ACCOUNT_SID, authToken: STANDIN_TWILIO_AUTH_TOKEN, sender: { from: '+14155550100' }, baseUrl: twilio.url,
    });
    twilio.failNext(1, { status: 400, body: twilioError(400, 21211, "The 'To' number +14155550123 is not a valid phone number.") });
    try {
      expect(await sms.send(smsMessage())).toMatchObject({ code: '21211', message: "The 'To' number +1******0123 is not a valid phone number." });
    } finally {
      await sms.close?.();
    }
  });
});
