import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createRoutingRule } from '../../src/commands/routing-rules/create-routing-rule.ts';
import { upsertStaffMember } from '../../src/commands/staff/upsert-staff-member.ts';
import { publishTemplateVersion } from '../../src/commands/templates/template-commands.ts';
import { streamName } from '../../src/domain/stream-name.ts';
import { readStreamToArray } from '../../src/ledger/event-store.ts';
import { systemClock } from '../../src/service.ts';
import { centre, validEnvelope } from '../support/envelopes.ts';
import { recordAndProject } from '../support/publish.ts';
import { startTestService, type TestService } from '../support/service.ts';
import { until } from '../support/until.ts';
import type { ChannelTransport, OutboundMessage } from '../../src/channels/channel-port.ts';
import { createTransports } from '../../src/channels/providers/create-transports.ts';
import { createMsg91SmsAdapter } from '../../src/channels/providers/msg91-sms.ts';
import { createSmsTransport } from '../../src/channels/providers/sms-provider-adapter.ts';
import { parseMsg91Webhook } from '../../src/channels/webhooks/msg91-webhook.ts';
import type { WebhookRequest } from '../../src/channels/webhooks/webhook-types.ts';
import { ConfigError, loadConfig } from '../../src/config.ts';
import { smsRouteFor } from '../../src/domain/notifications/sms-routes.ts';
import { headerOf, type StandinAnswer, type StandinServer } from '../support/standins/standin-server.ts';
import { msg91Error, msg91V2ReportBody, msg91V3Report, startMsg91Standin, STANDIN_MSG91_AUTH_KEY, type Msg91Standin } from '../support/standins/msg91-standin.ts';
import { startTwilioStandin, STANDIN_TWILIO_ACCOUNT_SID, STANDIN_TWILIO_AUTH_TOKEN } from '../support/standins/twilio-standin.ts';
import { smsMessage } from './outbound-fixtures.ts';

const WEBHOOK_SECRET = 'msg91-reports-7f3a9c2e41d8b6f05a';
const INDIAN = '+919876543210';
let msg91: Msg91Standin;
let twilio: StandinServer;
let transport: ChannelTransport;

beforeAll(async () => {
  [msg91, twilio] = await Promise.all([startMsg91Standin(), startTwilioStandin()]);
  transport = createSmsTransport({ routes: [{ prefix: '+91', adapter: createMsg91SmsAdapter({ authKey: STANDIN_MSG91_AUTH_KEY, baseUrl: msg91.url, requestTimeoutMs: 500 }) }] });
});
afterAll(async () => {
  await transport.close?.();
  await Promise.all([msg91.close(), twilio.close()]);
});
beforeEach(() => {
  msg91.reset();
  twilio.reset();
});

/** An appointment SMS whose template names its MSG91 template and variables. */
const flowMessage = (variables: Record<string, string> = { name: 'Asha', date: '26 Nov 2026', time: '09:30' }, to = INDIAN): OutboundMessage =>
  smsMessage({
    to,
    rendered: {
      channel: 'sms',
      text: `Dear ${variables.name}, your appointment on ${variables.date} at ${variables.time} is confirmed. - Leap Clinic`,
      segments: 1,
      dltTemplateId: '1207161234567890123',
      dltCategory: 'service-implicit',
      providerTemplate: { templateId: '65f0c0ffee0123456789abcd', variables },
    },
  });

describe('SMS through MSG91', () => {
  it('posts the template id and the named variables to the Flow API and returns the request id', async () => {
    const outcome = await transport.send(flowMessage());

    expect(outcome).toEqual({ kind: 'sent', provider: 'msg91', providerMessageId: msg91.sends[0]!.requestId });
    const [request] = msg91.requests;
    expect(request!.path).toBe('/api/v5/flow');
    expect(headerOf(request!, 'authkey')).toBe(STANDIN_MSG91_AUTH_KEY);
    expect(headerOf(request!, 'content-type')).toBe('application/json');
    expect(JSON.parse(request!.text)).toEqual({
      template_id: '65f0c0ffee0123456789abcd',
      short_url: '0',
      recipients: [{ mobiles: '919876543210', name: 'Asha', date: '26 Nov 2026', time: '09:30' }],
    });
  });

  it('asks MSG91 to shorten a link', async () => {
    await transport.send(flowMessage({ name: 'Asha', link: 'https://pay.example/b/42' }));

    expect(msg91.sends[0]).toMatchObject({ shortUrl: '1' });
  });

  it('refuses a message without an MSG91 template, and never calls MSG91', async () => {
    const outcome = await transport.send(smsMessage({ to: INDIAN }));

    expect(outcome).toMatchObject({ kind: 'failed', provider: 'msg91', retryable: false, code: 'no-provider-template' });
    expect(msg91.requests).toEqual([]);
  });

  it('fails a number no route takes, without a default route', async () => {
    expect(await transport.send(flowMessage(undefined, '+447700900123'))).toMatchObject({ kind: 'failed', retryable: false, code: 'no-sms-route' });
  });

  it('pauses the channel on a wrong authkey', async () => {
    const wrongKey = createMsg91SmsAdapter({ authKey: 'not-the-key', baseUrl: msg91.url });
    try {
      expect(await wrongKey.send({ notificationId: 'n-1', to: INDIAN, text: 't', segments: 1, providerTemplate: { templateId: 't', variables: {} } })).toMatchObject({
        kind: 'failed', retryable: false, code: '207', effect: 'pause-channel',
      });
      expect(msg91.sends).toEqual([]);
    } finally {
      await wrongKey.close?.();
    }
  });

  const cases: [string, StandinAnswer, { retryable: boolean; code: string; effect?: string; retryAfterMs?: number }][] = [
    ['106 missing authentication key', { status: 401, body: msg91Error('106', 'Missing Authentication Key') }, { retryable: false, code: '106', effect: 'pause-channel' }],
    ['418 IP not whitelisted, answered 200', { status: 200, body: msg91Error('418', 'IP not whitelisted') }, { retryable: false, code: '418', effect: 'pause-channel' }],
    ['301 insufficient balance', { status: 200, body: msg91Error('301', 'Insufficient balance') }, { retryable: false, code: '301', effect: 'pause-channel' }],
    ['202 invalid mobile number', { status: 400, body: msg91Error('202', 'Invalid mobile number') }, { retryable: false, code: '202', effect: 'invalid-address' }],
    ['an unknown template', { status: 400, body: msg91Error('400', 'Template not found') }, { retryable: false, code: '400' }],
    ['429 with Retry-After', { status: 429, body: msg91Error('429', 'Too many requests'), headers: { 'retry-after': '2' } }, { retryable: true, code: '429', retryAfterMs: 2000 }],
    ['a 500 with an MSG91 body', { status: 500, body: msg91Error('500', 'Internal error') }, { retryable: true, code: '500' }],
    ['a bare 502', { status: 502, body: 'Bad Gateway' }, { retryable: true, code: 'http-502' }],
    ['a 200 that is neither success nor error', { status: 200, body: '<html>maintenance</html>' }, { retryable: false, code: 'unrecognised-response' }],
    ['a connection cut mid-request', { dropConnection: true }, { retryable: true, code: 'network' }],
    ['no answer before the timeout', { hang: true }, { retryable: true, code: 'network' }],
  ];

  it.each(cases)('maps %s', async (_name, answer, expected) => {
    msg91.failNext(1, answer);
    const outcome = await transport.send(flowMessage());
    expect(outcome).toMatchObject({ kind: 'failed', provider: 'msg91', ...expected });
  });
});

describe('SMS routes', () => {
  const env = (extra: Record<string, string>) => ({
    MSG91_AUTH_KEY: STANDIN_MSG91_AUTH_KEY, MSG91_BASE_URL: msg91.url, MSG91_WEBHOOK_SECRET: WEBHOOK_SECRET,
    TWILIO_ACCOUNT_SID: STANDIN_TWILIO_ACCOUNT_SID, TWILIO_AUTH_TOKEN: STANDIN_TWILIO_AUTH_TOKEN, TWILIO_FROM: '+14155550100', TWILIO_BASE_URL: twilio.url,
    ...extra,
  });

  it('send +91 numbers to MSG91 and +44 numbers to Twilio', async () => {
    const config = loadConfig(env({ SMS_ROUTES: '+91=msg91,+44=twilio' }));
    const providers = createTransports({ ...config.providers.channels });
    try {
      const sms = providers.transports.sms!;
      const [indian, british] = await Promise.all([sms.send(flowMessage()), sms.send(smsMessage({ to: '+447700900123' }))]);
      expect(indian).toMatchObject({ kind: 'sent', provider: 'msg91' });
      expect(british).toMatchObject({ kind: 'sent', provider: 'twilio' });
      expect(msg91.sends.map((s) => s.recipients[0]!.mobiles)).toEqual(['919876543210']);
      expect(twilio.requests.map((r) => new URLSearchParams(r.text).get('To'))).toEqual(['+447700900123']);
    } finally {
      await providers.close();
    }
  });

  it('default to +91 on MSG91 and the rest on Twilio when both are configured', () => {
    const sms = loadConfig(env({})).providers.channels.sms;
    expect(sms).toMatchObject({ enabled: true, provider: 'routes' });
    const routes = sms.enabled && sms.provider === 'routes' ? sms.options.routes : [];
    expect(['+919876543210', '+447700900123', '+14155550123'].map((to) => smsRouteFor(routes, to)?.provider)).toEqual(['msg91', 'twilio', 'twilio']);
  });

  const problemsOf = (vars: Record<string, string>): string[] => {
    try {
      loadConfig(vars);
      return [];
    } catch (error) {
      if (error instanceof ConfigError) return error.problems;
      throw error;
    }
  };

  it('list a route to an unconfigured provider, an unknown provider and a malformed entry together', () => {
    const problems = problemsOf({ TWILIO_ACCOUNT_SID: STANDIN_TWILIO_ACCOUNT_SID, TWILIO_AUTH_TOKEN: STANDIN_TWILIO_AUTH_TOKEN, TWILIO_FROM: '+14155550100', SMS_ROUTES: '+91=msg91,+44=vonage,+1,91=twilio,*=twilio' });
    expect(problems).toEqual([
      'SMS_ROUTES entry 2: "vonage" is not an SMS provider (twilio, msg91)',
      'SMS_ROUTES entry 3 must be <prefix>=<provider>, such as +91=msg91 or *=twilio',
      'SMS_ROUTES entry 4: the prefix must be * or + and 1-15 digits',
      'SMS_ROUTES sends +91 to msg91, which is not configured (MSG91_AUTH_KEY)',
    ]);
  });

  const DEPLOYED = { DATABASE_URL: 'postgres://clinic@db.internal:5432/notify', API_TOKENS: `ops:admin:${'a'.repeat(32)}`, LEDGER_MASTER_KEY: Buffer.alloc(32, 9).toString('base64'), CHANNELS_SANDBOX: 'whatsapp,email,push' };

  it('refuse to start with a database when +91 numbers would go to Twilio, unless SMS is sandboxed', () => {
    const twilioOnly = { TWILIO_ACCOUNT_SID: STANDIN_TWILIO_ACCOUNT_SID, TWILIO_AUTH_TOKEN: STANDIN_TWILIO_AUTH_TOKEN, TWILIO_FROM: '+14155550100' };
    expect(problemsOf({ ...DEPLOYED, ...twilioOnly, SMS_ROUTES: '+91=twilio' })).toEqual([
      "SMS_ROUTES sends +91 numbers (route +91) to twilio, which cannot send India's DLT registration: route +91 to msg91, or run SMS in sandbox mode with CHANNELS_SANDBOX=sms",
    ]);
    expect(problemsOf({ ...DEPLOYED, ...twilioOnly })).toEqual([expect.stringMatching(/^SMS_ROUTES sends \+91 numbers \(route \*\) to twilio/)]);
    expect(problemsOf({ ...env({ SMS_ROUTES: '+91=msg91,+9198=twilio,*=twilio' }), ...DEPLOYED })).toEqual([expect.stringMatching(/^SMS_ROUTES sends \+91 numbers \(route \+9198\) to twilio/)]);
    expect(problemsOf({ ...DEPLOYED, ...twilioOnly, SMS_ROUTES: '+91=twilio', CHANNELS_SANDBOX: 'whatsapp,email,push,sms' })).toEqual([]);
    expect(problemsOf({ ...env({ SMS_ROUTES: '+91=msg91,*=twilio' }), ...DEPLOYED })).toEqual([]);
    // Without a database (a laptop trying it out) Twilio may take every number.
    expect(problemsOf(twilioOnly)).toEqual([]);
  });

  it('need a long webhook secret once MSG91 is enabled', () => {
    expect(problemsOf({ MSG91_AUTH_KEY: STANDIN_MSG91_AUTH_KEY })).toEqual(['MSG91_WEBHOOK_SECRET is required when SMS (MSG91) is enabled']);
    expect(problemsOf({ MSG91_AUTH_KEY: STANDIN_MSG91_AUTH_KEY, MSG91_WEBHOOK_SECRET: 'short' })).toEqual([expect.stringMatching(/^MSG91_WEBHOOK_SECRET must be at least 24 characters/)]);
    expect(problemsOf({ MSG91_AUTH_KEY: STANDIN_MSG91_AUTH_KEY, MSG91_WEBHOOK_SECRET: WEBHOOK_SECRET, MSG91_BASE_URL: 'control.msg91.com' })).toEqual(['MSG91_BASE_URL must be a URL such as https://provider.example']);
    expect(loadConfig({ MSG91_AUTH_KEY: STANDIN_MSG91_AUTH_KEY, MSG91_WEBHOOK_SECRET: WEBHOOK_SECRET }).providers.webhooks.msg91).toEqual({ secret: WEBHOOK_SECRET });
  });
});

describe('MSG91 delivery reports', () => {
  const config = { secret: WEBHOOK_SECRET };
  const RECEIVED_AT = new Date('2026-11-24T09:05:00Z');
  const REQUEST_ID = '3763646c3058373530393138';
  const url = (secret = WEBHOOK_SECRET) => `https://notify.clinic.example/webhooks/msg91/${secret}`;
  const form = (body: string, secret?: string): WebhookRequest => ({
    headers: { 'content-type': 'application/x-www-form-urlencoded' }, rawBody: Buffer.from(body), url: url(secret), receivedAt: RECEIVED_AT,
  });
  const json = (body: unknown, secret?: string): WebhookRequest => ({
    headers: { 'content-type': 'application/json' }, rawBody: Buffer.from(JSON.stringify(body)), url: url(secret), receivedAt: RECEIVED_AT,
  });
  const reportsOf = (request: WebhookRequest) => {
    const result = parseMsg91Webhook(request, config);
    if (!result.ok) throw new Error(result.error.kind);
    return result.value.reports;
  };

  it('reads a v2 report, matched by requestId, keyed by request, recipient and status', () => {
    const [report] = reportsOf(form(msg91V2ReportBody(REQUEST_ID, [{ number: '919876543210', status: 1 }])));

    expect(report).toEqual({
      provider: 'msg91', providerMessageId: REQUEST_ID, status: 'delivered', code: '1', detail: null,
      reportId: expect.stringMatching(new RegExp(`^${REQUEST_ID}:[0-9a-f]{16}:1$`)), occurredAt: '2026-11-24T09:05:00.000Z',
    });
    expect(JSON.stringify(report)).not.toContain('9876543210');
  });

  it.each([
    [1, 'delivered', null],
    [2, 'failed', 'failed'],
    [9, 'failed', 'ndnc: FAILED'],
    [16, 'failed', 'rejected: TEMPLATE-NOT-MATCHED'],
    [25, 'failed', 'rejected: TEMPLATE-NOT-MATCHED'],
    [17, 'failed', 'blocked-number: TEMPLATE-NOT-MATCHED'],
  ])('maps status %i to %s with reason %j', (status, expected, detail) => {
    const failedReason = status > 9 ? 'TEMPLATE-NOT-MATCHED' : undefined;
    const [report] = reportsOf(json(msg91V3Report(REQUEST_ID, { number: '919876543210', status, ...(failedReason ? { failedReason } : {}), desc: status === 2 ? 'ABSENT-SUB' : undefined })));
    expect(report).toMatchObject({ status: expected, code: String(status), detail: status === 2 ? 'failed: ABSENT-SUB' : detail });
  });

  it('gives the same report the same id in v2, v3 and the new webhook, and each recipient and status its own', () => {
    const v2 = reportsOf(form(msg91V2ReportBody(REQUEST_ID, [{ number: '919876543210', status: 1 }, { number: '919812345678', status: 1 }, { number: '919876543210', status: 1 }])));
    const v3 = reportsOf(json(msg91V3Report(REQUEST_ID, { number: '919876543210', status: 1 })));
    const fresh = reportsOf(json({ requestedAt: '2026-11-24 14:35:00', status: 'Delivered', deliveryTime: '2026-11-24 14:35:32', requestId: JSON.stringify(REQUEST_ID), telNum: '919876543210', credit: '1', senderId: 'SNRISE', campaignName: 'API' }));
    const failed = reportsOf(json(msg91V3Report(REQUEST_ID, { number: '919876543210', status: 2 })));

    expect(v2).toHaveLength(2);
    expect(v3[0]!.reportId).toBe(v2[0]!.reportId);
    expect(fresh[0]!.reportId).toBe(v2[0]!.reportId);
    expect(new Set([v2[0]!.reportId, v2[1]!.reportId, failed[0]!.reportId]).size).toBe(3);
  });

  it('records nothing for a request log without a delivery status', () => {
    expect(reportsOf(json({ requestedAt: '2026-11-24 14:35:00', requestId: REQUEST_ID, telNum: '919876543210', senderId: 'SNRISE' }))).toEqual([]);
  });

  it('refuses a wrong secret and a body that is no report', () => {
    expect(parseMsg91Webhook(json(msg91V3Report(REQUEST_ID, { number: '919876543210', status: 1 }), 'guess'), config)).toMatchObject({ ok: false, error: { kind: 'bad-signature' } });
    expect(parseMsg91Webhook(form('data=not-json'), config)).toMatchObject({ ok: false, error: { kind: 'malformed' } });
  });
});

describe('MSG91 delivery reports through the service', () => {
  const STAFF_SMS = '+919800011122';
  let service: TestService;
  const deps = () => ({ store: service.store, clock: systemClock });
  const must = <T>(result: { ok: true; value: T } | { ok: false; error: unknown }): T => {
    if (!result.ok) throw new Error(JSON.stringify(result.error));
    return result.value;
  };

  beforeAll(async () => {
    const sms = createSmsTransport({ routes: [{ prefix: '+91', adapter: createMsg91SmsAdapter({ authKey: STANDIN_MSG91_AUTH_KEY, baseUrl: msg91.url }) }] });
    service = await startTestService({ transports: { sms }, webhooks: { msg91: { secret: WEBHOOK_SECRET } }, dispatcher: { pollIntervalMs: 20 } });
    // A staff member reached by SMS only, and an SMS template that names its MSG91 template.
    await service.whenProcessed(must(await upsertStaffMember(deps(), {
      input: { id: 'sam-sms', name: 'Sam Menon', roles: ['accounts'], centreIds: [centre.id], contacts: { sms: STAFF_SMS } }, actor: 'alice-admin',
    })).position!);
    await service.whenProcessed(must(await createRoutingRule(deps(), {
      ruleId: 'bills-to-sam-by-sms', actor: 'alice-admin',
      input: { name: 'Bills to Sam by SMS', eventTypes: ['billing.bill_generated'], targets: { staffIds: ['sam-sms'] }, channels: ['sms'], priority: 500 },
    })).position);
    must(await publishTemplateVersion(deps(), {
      key: { eventType: 'billing.bill_generated', channel: 'sms', locale: 'en', centreId: null },
      actor: 'alice-admin',
      content: {
        channel: 'sms',
        text: '{{ centreName }}: bill {{ billNumber }} for {{ amount }} was generated.',
        dlt: { templateId: '1207161234567890123', registeredText: '{#var#}: bill {#var#} for {#var#} was generated.', category: 'service-implicit', variableTypes: ['text', 'reference', 'amount'] },
        provider: { templateId: '65f0c0ffee0123456789abcd', variables: { centre: '{{ centreName }}', bill: '{{ billNumber }}', amount: '{{ amount }}' } },
      },
    }));
  }, 60_000);
  afterAll(async () => service?.stop());

  const post = (body: string, contentType: string, secret = WEBHOOK_SECRET) =>
    fetch(new URL(`/webhooks/msg91/${secret}`, service.url), { method: 'POST', headers: { 'content-type': contentType }, body });

  it('records a report once per request, number and status, and moves the SMS to delivered', async () => {
    // Given a bill alert sent to Sam through MSG91
    const raw = validEnvelope('billing.bill_generated');
    await recordAndProject(service, raw);
    const row = await until(() => service.db.selectFrom('notifications').select(['notification_id', 'provider_message_id'])
      .where('event_id', '=', raw.eventId).where('channel', '=', 'sms').where('status', '=', 'sent').executeTakeFirst(), { what: 'the SMS to be sent' });
    const send = msg91.sends.find((s) => s.requestId === row.provider_message_id)!;
    expect(send).toMatchObject({ templateId: '65f0c0ffee0123456789abcd', recipients: [{ mobiles: '919800011122', bill: expect.any(String), amount: expect.any(String) }] });

    // When a wrong secret is tried, and the same delivered report comes three times, in v2 and v3 shapes
    const guessed = await post(msg91V2ReportBody(send.requestId, [{ number: '919800011122', status: 1 }]), 'application/x-www-form-urlencoded', 'x'.repeat(34));
    expect(guessed.status).toBe(404);
    expect(await guessed.json()).toEqual({ error: 'not found' });
    const answers = [];
    for (const body of [msg91V2ReportBody(send.requestId, [{ number: '919800011122', status: 1 }]), msg91V2ReportBody(send.requestId, [{ number: '919800011122', status: 1 }])]) {
      answers.push(await (await post(body, 'application/x-www-form-urlencoded')).json());
    }
    answers.push(await (await post(JSON.stringify(msg91V3Report(send.requestId, { number: '919800011122', status: 1 })), 'application/json')).json());

    // Then one callback is recorded, the others are its repeats, and the notification is delivered
    const callbackId = (answers[0] as { callbackId: string }).callbackId;
    expect(answers).toEqual([{ recorded: true, callbackId }, { recorded: false, callbackId }, { recorded: false, callbackId }]);
    const [callback] = await readStreamToArray(service.store, streamName.providerCallback(callbackId));
    expect(callback).toMatchObject({ type: 'ProviderCallbackReceived', data: { provider: 'msg91', reports: [{ providerMessageId: send.requestId, status: 'delivered' }] } });
    await service.whenProcessed(callback!.position);
    await until(async () => (await service.db.selectFrom('notifications').select('status').where('notification_id', '=', row.notification_id).executeTakeFirst())?.status === 'delivered' || null,
      { what: 'the SMS to be delivered' });
    const reported = (await readStreamToArray(service.store, streamName.notification(row.notification_id))).filter((e) => e.type === 'StatusReported');
    expect(reported.map((e) => (e.data as { status: string }).status)).toEqual(['delivered']);
  });
});
