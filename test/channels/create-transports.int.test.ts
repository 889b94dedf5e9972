import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTransports } from '../../src/channels/providers/create-transports.ts';
import { makeServiceAccount, startFcmStandin, type FcmStandin } from '../support/standins/fcm-standin.ts';
import { startSesLocal, type SesLocal } from '../support/standins/ses-local.ts';
import type { StandinServer } from '../support/standins/standin-server.ts';
import { startTwilioStandin, STANDIN_TWILIO_ACCOUNT_SID, STANDIN_TWILIO_AUTH_TOKEN } from '../support/standins/twilio-standin.ts';
import { start360DialogStandin, STANDIN_360DIALOG_KEY } from '../support/standins/whatsapp-360dialog-standin.ts';
import { emailMessage, pushMessage, smsMessage, whatsappMessage } from './outbound-fixtures.ts';

const account = makeServiceAccount();
let dialog: StandinServer;
let twilio: StandinServer;
let fcm: FcmStandin;
let ses: SesLocal;

beforeAll(async () => {
  [dialog, twilio, fcm, ses] = await Promise.all([start360DialogStandin(), startTwilioStandin(), startFcmStandin(account), startSesLocal()]);
});
afterAll(async () => {
  await Promise.all([dialog.close(), twilio.close(), fcm.server.close(), ses.close()]);
});

describe('creating the provider transports', () => {
  it('builds one transport per enabled channel that sends through its provider', async () => {
    const providers = createTransports({
      whatsapp: { enabled: true, provider: '360dialog', options: { apiKey: STANDIN_360DIALOG_KEY, baseUrl: dialog.url } },
      email: {
        enabled: true, provider: 'ses',
        options: { region: 'ap-south-1', endpoint: ses.proxy.url, credentials: { accessKeyId: 'AKIDLOCAL', secretAccessKey: 'x' }, fromEmailAddress: 'appointments@clinic.example' },
      },
      sms: { enabled: true, provider: 'twilio', options: { accountSid: STANDIN_TWILIO_ACCOUNT_SID, authToken: STANDIN_TWILIO_AUTH_TOKEN, sender: { from: '+14155550100' }, baseUrl: twilio.url } },
      push: { enabled: true, provider: 'fcm', options: { serviceAccount: account, baseUrl: fcm.server.url, tokenUrl: fcm.tokenUrl } },
    });
    try {
      const { whatsapp, email, sms, push } = providers.transports;
      expect(providers.disabled).toEqual([]);
      expect([whatsapp, email, sms, push].map((t) => [t?.channel, t?.provider])).toEqual([
        ['whatsapp', '360dialog'], ['email', 'ses'], ['sms', 'twilio'], ['push', 'fcm'],
      ]);
      const outcomes = await Promise.all([
        whatsapp!.send(whatsappMessage()), email!.send(emailMessage()), sms!.send(smsMessage()), push!.send(pushMessage()),
      ]);
      expect(outcomes.map((outcome) => outcome.kind)).toEqual(['sent', 'sent', 'sent', 'sent']);
    } finally {
      await providers.close();
    }
  });

  it('leaves channels without credentials to the sandbox', async () => {
    const providers = createTransports({
      whatsapp: { enabled: false },
      email: { enabled: false },
      sms: { enabled: false },
      push: { enabled: true, provider: 'fcm', options: { serviceAccount: account, baseUrl: fcm.server.url, tokenUrl: fcm.tokenUrl } },
    });
    try {
      expect(Object.keys(providers.transports)).toEqual(['push']);
      expect(providers.disabled).toEqual(['whatsapp', 'email', 'sms']);
    } finally {
      await providers.close();
    }
  });
});
