import { randomUUID } from 'node:crypto';
import { execute, parse } from 'graphql';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { WhatsAppTemplateLister } from '../../src/commands/templates/record-whatsapp-template-state.ts';
import type { ObservedWhatsAppTemplate } from '../../src/domain/templates/template-events.ts';
import type { GraphqlContext } from '../../src/graphql/context.ts';
import { DeliveryFeed } from '../../src/graphql/delivery-feed.ts';
import { schema } from '../../src/graphql/schema/index.ts';
import { silentLogger } from '../../src/telemetry/logger.ts';
import { streamName } from '../../src/domain/stream-name.ts';
import { readStreamToArray } from '../../src/ledger/event-store.ts';
import { fixedClock } from '../support/clock.ts';
import { FIXTURE_NOW } from '../support/slots.ts';
import { envelopesOn } from '../support/envelopes.ts';
import { ADMIN_TOKEN, AUDITOR_TOKEN, DASHBOARD_TOKEN, startTestService, type TestService } from '../support/service.ts';
import { until } from '../support/until.ts';
import { gql, gqlData } from './support/graphql-client.ts';
import { confirmedAtNewCentre, publishOverGraphql } from './support/publishing.ts';

const clock = fixedClock(FIXTURE_NOW);
// Events are built for the clock's now when built: their slots lie ahead of it.
const { validEnvelope } = envelopesOn(clock);
let service: TestService;

beforeAll(async () => {
  service = await startTestService({ clock, dispatcher: { pollIntervalMs: 50 } });
});
afterAll(async () => service?.stop());

const PUBLISH = `mutation ($input: PublishTemplateVersionInput!) {
  publishTemplateVersion(input: $input) {
    __typename
    ... on PublishedTemplateVersion { key version created smsSegments sample { __typename ... on RenderedWhatsApp { previewText } } }
    ... on InputRejected { issues { field code message } }
    ... on StateConflictError { reason }
  }
}`;

const TEMPLATE = `query ($key: String!) {
  template(key: $key) {
    key eventType channel locale centreId version retired approval
    content { __typename ... on WhatsAppTemplateContent { name language category body parameters } }
    sample { ... on RenderedWhatsApp { previewText } }
    history { version kind actor position content { __typename } }
  }
}`;

/** A Tamil WhatsApp template for one centre of the test's own, so tests do not choose each other's templates. */
const tamilConfirmation = (centreId: string) => ({
  key: `appointment.confirmed:whatsapp:ta@${centreId}`,
  content: {
    whatsapp: {
      name: 'appointment_confirmed_ta',
      language: 'ta',
      category: 'UTILITY',
      body: 'வணக்கம் {{1}}, உங்கள் முன்பதிவு {{2}} உறுதி செய்யப்பட்டது.',
      parameters: ['{{ patientName }}', '{{ bookingReference }}'],
    },
  },
});

type Published = { publishTemplateVersion: Record<string, unknown> & { issues?: { field: string; code: string }[] } };

async function templateOnceProjected(key: string, check: (t: Record<string, unknown>) => boolean) {
  return until(async () => {
    const { template } = await gqlData<{ template: Record<string, unknown> | null }>(service, DASHBOARD_TOKEN, TEMPLATE, { key });
    return template && check(template) ? template : null;
  }, { what: `template ${key} in the read model` });
}

describe('publishTemplateVersion', () => {
  it('records a version by the admin, and template(key) shows it with its history', async () => {
    const input = { ...tamilConfirmation(`centre-${randomUUID()}`), note: 'first Tamil wording' };
    const answer = await gqlData<Published>(service, ADMIN_TOKEN, PUBLISH, { input });
    expect(answer.publishTemplateVersion).toMatchObject({ __typename: 'PublishedTemplateVersion', key: input.key, version: 1, created: true, smsSegments: null });

    const template = await templateOnceProjected(input.key, (t) => t.version === 1);
    expect(template).toMatchObject({
      eventType: 'appointment.confirmed',
      channel: 'whatsapp',
      locale: 'ta',
      retired: false,
      approval: 'unknown',
      content: { __typename: 'WhatsAppTemplateContent', name: 'appointment_confirmed_ta', language: 'ta', category: 'UTILITY', parameters: ['{{ patientName }}', '{{ bookingReference }}'] },
      history: [{ version: 1, kind: 'published', actor: 'alice-admin', content: { __typename: 'WhatsAppTemplateContent' } }],
    });
    expect((template.sample as { previewText: string }).previewText).toMatch(/^வணக்கம் .+, உங்கள் முன்பதிவு .+ உறுதி செய்யப்பட்டது\.$/);
  });

  it('refuses a caller who is not an admin, and records nothing', async () => {
    const input = tamilConfirmation(`centre-${randomUUID()}`);
    for (const token of [DASHBOARD_TOKEN, AUDITOR_TOKEN]) {
      const refused = await gql(service, token, PUBLISH, { input });
      expect(refused.errors.map((e) => e.extensions?.code)).toEqual(['FORBIDDEN']);
    }
    expect(await readStreamToArray(service.store, streamName.template(input.key))).toEqual([]);
  });

  it('answers an invalid template with InputRejected naming each path, and records nothing', async () => {
    const input = tamilConfirmation(`centre-${randomUUID()}`);
    input.content.whatsapp.body = '{{1}}, உங்கள் முன்பதிவு {{2}} உறுதி செய்யப்பட்டது.';
    const answer = await gqlData<Published>(service, ADMIN_TOKEN, PUBLISH, { input });
    expect(answer.publishTemplateVersion.__typename).toBe('InputRejected');
    expect(answer.publishTemplateVersion.issues).toEqual([expect.objectContaining({ field: 'content.whatsapp.body', code: 'invalid-template' })]);
    expect(await readStreamToArray(service.store, streamName.template(input.key))).toEqual([]);
  });

  it('refuses content of another channel than the key\'s, naming the input field', async () => {
    const input = { key: `appointment.confirmed:whatsapp:en@centre-${randomUUID()}`, content: { inApp: { title: 'Hi', body: 'Confirmed' } } };
    const answer = await gqlData<Published>(service, ADMIN_TOKEN, PUBLISH, { input });
    expect(answer.publishTemplateVersion).toMatchObject({ __typename: 'InputRejected', issues: [{ field: 'content.inApp', code: 'wrong-channel' }] });
  });
});

describe('retireTemplate', () => {
  it('retires a key with the admin as actor; the history shows it', async () => {
    const input = tamilConfirmation(`centre-${randomUUID()}`);
    await gqlData<Published>(service, ADMIN_TOKEN, PUBLISH, { input });
    const RETIRE = 'mutation ($key: String!) { retireTemplate(key: $key) { __typename ... on RetiredTemplate { key version } ... on NotFoundError { id } } }';
    const answer = await gqlData<{ retireTemplate: unknown }>(service, ADMIN_TOKEN, RETIRE, { key: input.key });
    expect(answer.retireTemplate).toEqual({ __typename: 'RetiredTemplate', key: input.key, version: 1 });
    const template = await templateOnceProjected(input.key, (t) => t.retired === true);
    expect((template.history as { kind: string; actor: string }[]).map((h) => [h.kind, h.actor])).toEqual([['published', 'alice-admin'], ['retired', 'alice-admin']]);

    const unknown = await gqlData<{ retireTemplate: unknown }>(service, ADMIN_TOKEN, RETIRE, { key: `appointment.confirmed:sms:ta@centre-${randomUUID()}` });
    expect(unknown.retireTemplate).toMatchObject({ __typename: 'NotFoundError' });
  });
});

const PREVIEW = `query ($key: String!, $draft: TemplateContentInput, $sample: TemplateSampleInput) {
  previewTemplate(key: $key, draft: $draft, sample: $sample) {
    __typename
    ... on TemplatePreview { key version sample message { __typename ... on RenderedWhatsApp { templateName languageCode bodyParameters buttonParameter previewText } } }
    ... on InputRejected { issues { field code } }
  }
}`;

describe('previewTemplate', () => {
  const draft = {
    whatsapp: {
      name: 'visit_confirmed',
      language: 'en_US',
      category: 'UTILITY',
      body: 'Hello {{1}}, your visit {{2}} is confirmed. Thank you.',
      parameters: ['{{ patientName }}', '{{ bookingReference }}'],
      button: { baseUrl: 'https://clinic.example/b/', parameter: 'https://clinic.example/b/{{ bookingReference }}' },
    },
  };

  it('renders a draft with a sample payload, showing the WhatsApp parameters and button as they would go out', async () => {
    const payload = validEnvelope('appointment.confirmed').data as { patient: Record<string, unknown>; appointment: Record<string, unknown> };
    payload.patient = { ...payload.patient, name: 'Preview Person' };
    payload.appointment = { ...payload.appointment, bookingReference: 'BK-PREVIEW' };
    const answer = await gqlData<{ previewTemplate: unknown }>(service, ADMIN_TOKEN, PREVIEW, { key: 'appointment.confirmed:whatsapp:en', draft, sample: { payload } });
    expect(answer.previewTemplate).toEqual({
      __typename: 'TemplatePreview',
      key: 'appointment.confirmed:whatsapp:en',
      version: null,
      sample: 'payload',
      message: {
        __typename: 'RenderedWhatsApp',
        templateName: 'visit_confirmed',
        languageCode: 'en_US',
        bodyParameters: ['Preview Person', 'BK-PREVIEW'],
        buttonParameter: 'BK-PREVIEW',
        previewText: 'Hello Preview Person, your visit BK-PREVIEW is confirmed. Thank you.',
      },
    });
  });

  it('answers a payload that breaks the event type\'s schema with the paths under sample.payload', async () => {
    const answer = await gqlData<{ previewTemplate: { __typename: string; issues: { field: string }[] } }>(service, ADMIN_TOKEN, PREVIEW, {
      key: 'appointment.confirmed:whatsapp:en',
      draft,
      sample: { payload: { patient: { name: 'No one' } } },
    });
    expect(answer.previewTemplate.__typename).toBe('InputRejected');
    expect(answer.previewTemplate.issues.every((i) => i.field.startsWith('sample.payload.'))).toBe(true);
  });

  it('renders the current version with a recorded event, and refuses an event of another type', async () => {
    const { raw } = confirmedAtNewCentre(clock);
    await publishOverGraphql(service, raw);
    const answer = await gqlData<{ previewTemplate: { sample: string; version: number; message: { bodyParameters: string[] } } }>(
      service, ADMIN_TOKEN, PREVIEW, { key: 'appointment.confirmed:whatsapp:en', sample: { eventId: raw.eventId } });
    expect(answer.previewTemplate).toMatchObject({ sample: 'event', version: expect.any(Number) });
    expect(answer.previewTemplate.message.bodyParameters).toContain((raw.data as { patient: { name: string } }).patient.name);

    const other = await gqlData<{ previewTemplate: unknown }>(service, ADMIN_TOKEN, PREVIEW, { key: 'appointment.cancelled:whatsapp:en', sample: { eventId: raw.eventId } });
    expect(other.previewTemplate).toEqual({ __typename: 'InputRejected', issues: [{ field: 'sample.eventId', code: 'wrong-event-type' }] });
  });

  it('is for admins only', async () => {
    const refused = await gql(service, DASHBOARD_TOKEN, PREVIEW, { key: 'appointment.confirmed:whatsapp:en', draft });
    expect(refused.errors.map((e) => e.extensions?.code)).toEqual(['FORBIDDEN']);
  });
});

describe('templateVariables', () => {
  it('lists the variables of an event type for any reader', async () => {
    const { templateVariables } = await gqlData<{ templateVariables: { name: string; description: string; optional: boolean }[] }>(
      service, DASHBOARD_TOKEN, 'query { templateVariables(eventType: "appointment.confirmed") { name description optional } }');
    expect(templateVariables.map((v) => v.name)).toContain('patientName');
    expect(templateVariables.every((v) => v.description.length > 0)).toBe(true);
  });

  it('refuses an event type the catalogue does not have', async () => {
    const refused = await gql(service, DASHBOARD_TOKEN, 'query { templateVariables(eventType: "appointment.teleported") { name } }');
    expect(refused.errors.map((e) => e.extensions?.code)).toEqual(['BAD_USER_INPUT']);
  });
});

describe('syncWhatsAppTemplates', () => {
  it('says so when 360dialog is not configured, and records nothing', async () => {
    const before = await readStreamToArray(service.store, streamName.whatsappTemplates());
    const SYNC = 'mutation { syncWhatsAppTemplates { __typename ... on ProviderUnavailableError { reason message } } }';
    const answer = await gqlData<{ syncWhatsAppTemplates: Record<string, unknown> }>(service, ADMIN_TOKEN, SYNC);
    expect(answer.syncWhatsAppTemplates).toMatchObject({ __typename: 'ProviderUnavailableError', reason: 'not-configured' });
    expect(await readStreamToArray(service.store, streamName.whatsappTemplates())).toEqual(before);
    const { whatsappTemplateSnapshot } = await gqlData<{ whatsappTemplateSnapshot: unknown }>(service, DASHBOARD_TOKEN, 'query { whatsappTemplateSnapshot { configured } }');
    expect(whatsappTemplateSnapshot).toEqual({ configured: false });
  });
});

describe('syncWhatsAppTemplates, with the account\'s list', () => {
  type Mapped = { key: string; name: string; language: string; state: string };
  const WHATSAPP = `query { templates(filter: { channel: whatsapp, locale: "en" }) {
    key content { ... on WhatsAppTemplateContent { name language body parameters button { baseUrl } } } } }`;

  // The account's list comes through the lister port, as 360dialog's template list would give it.
  const contextWith = (list: WhatsAppTemplateLister): GraphqlContext => ({
    caller: { name: 'alice-admin', role: 'admin' },
    services: { store: service.store, db: service.db, cells: service.cells, keys: service.keys, intake: service.intake, clock, feed: new DeliveryFeed({ db: service.db, logger: silentLogger() }), logger: silentLogger(), whatsappTemplates: list },
  });

  it('records what the provider lists and shows each mapped version approved, pending, mismatched or missing', async () => {
    type Content = { name: string; language: string; body: string; parameters: string[]; button: { baseUrl: string } | null };
    const { templates } = await gqlData<{ templates: { key: string; content: Content }[] }>(service, ADMIN_TOKEN, WHATSAPP);
    const contentOf = (key: string) => templates.find((t) => t.key === key)!.content;
    const listed = (key: string, status: ObservedWhatsAppTemplate['status'], extraParameters = 0): ObservedWhatsAppTemplate => {
      const c = contentOf(key);
      return { name: c.name, language: c.language, status, category: 'UTILITY', body: c.body, bodyParameters: c.parameters.length + extraParameters, urlButton: c.button ? `${c.button.baseUrl}{{1}}` : null };
    };
    const account = [
      listed('appointment.confirmed:whatsapp:en', 'approved'),
      listed('appointment.cancelled:whatsapp:en', 'approved', 1),
      listed('appointment.completed:whatsapp:en', 'pending'),
    ];
    const SYNC = 'mutation { syncWhatsAppTemplates { __typename ... on WhatsAppTemplatesSynced { templates position mapped { key version name language state } } } }';
    const result = await execute({ schema, document: parse(SYNC), contextValue: contextWith(async () => ({ ok: true, value: account })) });
    expect(result.errors).toBeUndefined();
    const synced = (result.data as { syncWhatsAppTemplates: { __typename: string; templates: number; mapped: Mapped[] } }).syncWhatsAppTemplates;
    expect(synced).toMatchObject({ __typename: 'WhatsAppTemplatesSynced', templates: 3 });
    const stateOf = (key: string) => synced.mapped.find((m) => m.key === key)?.state;
    expect(stateOf('appointment.confirmed:whatsapp:en')).toBe('approved');
    expect(stateOf('appointment.cancelled:whatsapp:en')).toBe('mismatched');
    expect(stateOf('appointment.completed:whatsapp:en')).toBe('pending');
    expect(stateOf('appointment.rejected:whatsapp:en')).toBe('missing');

    // The read model follows: the listing shows the same states, and when the account was synced.
    await until(async () => {
      const { template } = await gqlData<{ template: { approval: string } }>(service, DASHBOARD_TOKEN, 'query { template(key: "appointment.cancelled:whatsapp:en") { approval } }');
      return template.approval === 'mismatched';
    }, { what: 'the sync in the read model' });
    const { whatsappTemplateSnapshot } = await gqlData<{ whatsappTemplateSnapshot: { syncedAt: string; templates: { name: string; status: string }[] } }>(
      service, DASHBOARD_TOKEN, 'query { whatsappTemplateSnapshot { syncedAt templates { name status } } }');
    expect(whatsappTemplateSnapshot.syncedAt).toBe(clock.now().toISOString());
    expect(whatsappTemplateSnapshot.templates.map((t) => t.status)).toEqual(['approved', 'approved', 'pending']);
  });

  it('answers a provider that does not answer with a typed error, and records nothing', async () => {
    const before = await readStreamToArray(service.store, streamName.whatsappTemplates());
    const SYNC = 'mutation { syncWhatsAppTemplates { __typename ... on ProviderUnavailableError { reason message } } }';
    const result = await execute({ schema, document: parse(SYNC), contextValue: contextWith(async () => ({ ok: false, error: { code: '503', message: 'unavailable' } })) });
    expect(result.data).toEqual({ syncWhatsAppTemplates: { __typename: 'ProviderUnavailableError', reason: 'provider-unavailable', message: '360dialog answered 503: unavailable' } });
    expect(await readStreamToArray(service.store, streamName.whatsappTemplates())).toEqual(before);
  });
});

describe('Notification.content', () => {
  it('shows the words whole to an auditor and with contacts masked to a dashboard', async () => {
    const { raw, centreId } = confirmedAtNewCentre(clock);
    // The centre's own email template carries the patient's number; its notification is the one to read.
    const email = {
      key: `appointment.confirmed:email:en@${centreId}`,
      content: {
        email: {
          subject: 'Visit {{ bookingReference }} confirmed',
          html: '<p>{% if patientPhone %}We will call you on {{ patientPhone }}.{% endif %}</p>',
          text: '{% if patientPhone %}We will call you on {{ patientPhone }}.{% endif %}',
        },
      },
    };
    const published = await gqlData<Published>(service, ADMIN_TOKEN, PUBLISH, { input: email });
    expect(published.publishTemplateVersion).toMatchObject({ __typename: 'PublishedTemplateVersion' });
    await publishOverGraphql(service, raw);
    const row = await until(async () => service.db.selectFrom('notifications').selectAll().where('event_id', '=', raw.eventId).where('channel', '=', 'email').executeTakeFirst(), {
      what: 'the email notification',
    });
    const QUERY = 'query ($id: ID!) { notification(id: $id) { template { key version } content { __typename ... on RenderedEmail { subject text html } } } }';
    const phone = (raw.data as { patient: { phone: string } }).patient.phone;
    const asAuditor = await gqlData<{ notification: { template: unknown; content: { text: string; html: string } } }>(service, AUDITOR_TOKEN, QUERY, { id: row.notification_id });
    expect(asAuditor.notification.template).toEqual({ key: email.key, version: 1 });
    expect(asAuditor.notification.content.text).toBe(`We will call you on ${phone}.`);
    const asDashboard = await gqlData<{ notification: { content: { text: string; html: string } } }>(service, DASHBOARD_TOKEN, QUERY, { id: row.notification_id });
    expect(asDashboard.notification.content.text).toBe(`We will call you on ${phone.slice(0, 3)}******${phone.slice(-4)}.`);
    expect(asDashboard.notification.content.html).not.toContain(phone);
  });
});
