import { Liquid } from 'liquidjs';
import { describe, expect, it } from 'vitest';
import type { EventType } from '../../src/domain/event-catalogue.ts';
import { DEFAULT_TEMPLATES, defaultTemplateVersion, type DefaultTemplate } from '../../src/domain/templates/default-templates.ts';
import { renderText } from '../../src/domain/templates/render-template.ts';
import { listTemplates } from '../../src/domain/templates/template-catalogue.ts';
import { formatTemplateKey, type TemplateContent, type WhatsAppContent } from '../../src/domain/templates/template-content.ts';
import type { EmailSource, InAppSource, PushSource, SmsSource, WhatsAppSource } from '../../src/domain/templates/template-source.ts';
import { templateVariables } from '../../src/domain/templates/template-variables.ts';
import { renderFrom } from './render-helper.ts';
import { FULL, MINIMAL, contextFor } from './template-fixtures.ts';

/*
 * Meta's rules for a template body, as a small checker of our own (validate-template.ts publishes
 * with the same rules): {{1}}..{{n}} in order, each once; no placeholder at the start, nor at the end
 * (one followed only by punctuation or whitespace is at the end); words between any two; at most
 * 1,024 characters; one parameter per placeholder.
 */
const ONLY_PUNCTUATION = /^[\p{P}\s]*$/u;

function bodyProblems({ body, parameters }: Pick<WhatsAppContent, 'body' | 'parameters'>): string[] {
  const problems: string[] = [];
  const found = [...body.matchAll(/\{\{(\d+)\}\}/g)];
  if (found.some((m, i) => Number(m[1]) !== i + 1)) problems.push('placeholders out of order or repeated');
  if (parameters.length !== found.length) problems.push(`${parameters.length} parameters for ${found.length} placeholders`);
  if ([...body].length > 1024) problems.push('longer than 1024 characters');
  const first = found[0];
  const last = found.at(-1);
  if (first && ONLY_PUNCTUATION.test(body.slice(0, first.index))) problems.push('starts with a placeholder');
  if (last && ONLY_PUNCTUATION.test(body.slice(last.index + last[0].length))) problems.push('ends with a placeholder');
  found.slice(1).forEach((m, i) => {
    const before = found[i]!;
    if (ONLY_PUNCTUATION.test(body.slice(before.index + before[0].length, m.index))) problems.push(`{{${i + 1}}} and {{${i + 2}}} are adjacent`);
  });
  return problems;
}

const LINK_VARIABLE = /\b\w+Link\b/;
const readsLink = (content: WhatsAppContent) => content.parameters.some((p) => LINK_VARIABLE.test(p));

// Mirrors render-template.ts: no file system, strict variables, `{% if %}` may test an absent one; HTML escapes outputs.
const htmlEngine = new Liquid({ strictVariables: true, strictFilters: true, lenientIf: true, ownPropertyOnly: true, templates: {}, outputEscape: 'escape' });

/** Every Liquid part of a version, rendered; WhatsApp parameters as planning will check them, the button as the link. */
function renderVersion(content: TemplateContent, vars: Record<string, string>): Record<string, unknown> {
  const text = (source: string) => renderText(source, vars);
  switch (content.channel) {
    case 'whatsapp': {
      const parameters = content.parameters.map(text);
      const preview = content.body.replace(/\{\{(\d+)\}\}/g, (_, n: string) => parameters[Number(n) - 1] ?? '');
      return { parameters, preview, ...(content.button ? { link: text(content.button.parameter) } : {}) };
    }
    case 'email':
      return { subject: text(content.subject), html: htmlEngine.parseAndRenderSync(content.html, vars) as string, text: text(content.text) };
    case 'sms':
      return { text: text(content.text) };
    case 'push':
      return { title: text(content.title), body: text(content.body), data: Object.fromEntries(Object.entries(content.data).map(([k, v]) => [k, text(v)])) };
    case 'in_app':
      return { title: text(content.title), body: text(content.body) };
  }
}

const localeOf = (t: DefaultTemplate) => (t.key.locale === 'hi' ? 'hi-IN' : 'en-IN');

function variablesFor(t: DefaultTemplate, payloads: typeof FULL, staffName?: string): Record<string, string> {
  const type = t.key.eventType as EventType;
  return templateVariables(type, payloads[type] as never, { locale: localeOf(t), ...contextFor(type, payloads), ...(staffName ? { staffName } : {}) });
}

const keyOf = (t: DefaultTemplate) => formatTemplateKey(t.key);
const current = (t: DefaultTemplate) => t.versions.at(-1)!;
const whatsApp = DEFAULT_TEMPLATES.filter((t) => t.key.channel === 'whatsapp').map((t) => [keyOf(t), t] as const);
const everyKey = DEFAULT_TEMPLATES.map((t) => [keyOf(t), t] as const);

describe('the shipped defaults', () => {
  it('are every key of the code catalogue, once each, for every centre', () => {
    expect(DEFAULT_TEMPLATES.map(keyOf)).toEqual(listTemplates().map((e) => e.key));
    expect(DEFAULT_TEMPLATES.every((t) => t.key.centreId === null)).toBe(true);
  });

  it.each(listTemplates().map((e) => [e.key, e] as const))('version 1 of %s is its code source, field by field', (key, entry) => {
    const first = defaultTemplateVersion(key, 1);
    expect(entry.source.version).toBe(1);
    switch (entry.channel) {
      case 'whatsapp': {
        const s = entry.source as WhatsAppSource;
        expect(first).toStrictEqual({ channel: 'whatsapp', name: s.name, language: entry.locale, category: 'UTILITY', body: s.body, parameters: [...s.parameters] });
        break;
      }
      case 'email': {
        const s = entry.source as EmailSource;
        expect(first).toStrictEqual({ channel: 'email', subject: s.subject, html: s.html, text: s.text });
        break;
      }
      case 'sms': {
        const s = entry.source as SmsSource;
        expect(s.dltTemplateId).toBeUndefined(); // so nothing of the source is dropped
        expect(first).toStrictEqual({ channel: 'sms', text: s.text });
        break;
      }
      case 'push': {
        const s = entry.source as PushSource;
        expect(first).toStrictEqual({ channel: 'push', title: s.title, body: s.body, data: { ...s.data } });
        break;
      }
      case 'in_app': {
        const s = entry.source as InAppSource;
        expect(first).toStrictEqual({ channel: 'in_app', title: s.title, body: s.body });
        break;
      }
    }
  });

  it.each(whatsApp)('version 1 of %s names the template and language today\'s renderer sends, with the same parameters', (_key, t) => {
    const first = t.versions[0] as WhatsAppContent;
    for (const payloads of [FULL, MINIMAL]) {
      const sent = renderFrom(t.key.eventType as EventType, 'whatsapp', localeOf(t), payloads);
      const rendered = renderVersion(first, variablesFor(t, payloads));
      expect({ name: first.name, language: first.language, parameters: rendered.parameters, preview: rendered.preview })
        .toEqual({ name: sent.templateName, language: sent.languageCode, parameters: sent.bodyParameters, preview: sent.previewText });
    }
  });

  it('give a version 2 to a WhatsApp key only, and only where version 1 breaks Meta\'s rules or carries a link', () => {
    for (const t of DEFAULT_TEMPLATES) {
      if (t.versions.length === 1) continue;
      const first = t.versions[0] as WhatsAppContent;
      expect([keyOf(t), t.key.channel, t.versions.length]).toEqual([keyOf(t), 'whatsapp', 2]);
      expect(bodyProblems(first).length > 0 || readsLink(first)).toBe(true);
    }
  });

  it('rewrite these keys as version 2', () => {
    expect(DEFAULT_TEMPLATES.filter((t) => t.versions.length > 1).map(keyOf).sort()).toEqual([
      'appointment.cancelled', 'appointment.completed', 'appointment.confirmed', 'appointment.pending_approval', 'appointment.reminder',
      'appointment.rescheduled', 'clinical.prescription_ready', 'clinical.report_ready', 'doctor.emergency_leave', 'walkin.approaching_turn',
      'walkin.token_called',
    ].flatMap((type) => [`${type}:whatsapp:en`, `${type}:whatsapp:hi`]).concat([
      'appointment.no_show:whatsapp:hi',
      ...['billing.bill_generated', 'billing.deposit_received', 'billing.refund_processed', 'lab.test_requested', 'package.exhausted',
        'package.expired', 'package.purchased', 'package.redeemed', 'system.alert'].map((type) => `${type}:whatsapp:en`),
    ]).sort());
  });
});

describe('the current version of every WhatsApp default', () => {
  it.each(whatsApp)('%s passes Meta\'s body rules', (_key, t) => {
    expect(bodyProblems(current(t) as WhatsAppContent)).toEqual([]);
  });

  it.each(whatsApp)('%s keeps links out of its body, in a URL button when the link is always there', (_key, t) => {
    const content = current(t) as WhatsAppContent;
    expect(readsLink(content)).toBe(false);
    expect(content.body).not.toMatch(/https?:/);
    if (content.button) expect(content.button).toEqual({ baseUrl: 'https://', parameter: '{{ rescheduleLink }}' });
  });

  it.each(whatsApp.filter(([, t]) => t.versions.length > 1))('%s keeps version 1\'s approved name, language and category', (_key, t) => {
    const [first, second] = t.versions as WhatsAppContent[];
    expect([second!.name, second!.language, second!.category]).toEqual([first!.name, first!.language, first!.category]);
  });
});

describe('the current version of every default renders', () => {
  it.each(everyKey)('%s from a full and a minimal payload', (_key, t) => {
    for (const payloads of [FULL, MINIMAL]) {
      for (const staffName of [undefined, 'Priya']) {
        const content = current(t);
        const rendered = renderVersion(content, variablesFor(t, payloads, staffName));
        expect(JSON.stringify(rendered)).not.toMatch(/undefined|\{\{|\{%/);
        if (content.channel !== 'whatsapp') continue;
        // What planning refuses in a parameter: empty, a newline or tab, more than four spaces in a row.
        for (const value of rendered.parameters as string[]) expect(value).toMatch(/^(?!.* {5})[^\r\n\t]*\S[^\r\n\t]*$/);
        if (content.button) expect(rendered.link).toMatch(/^https:\/\/.+/);
      }
    }
  });
});

describe('version 2, word for word', () => {
  const preview = (key: string, payloads = FULL) => {
    const t = DEFAULT_TEMPLATES.find((d) => keyOf(d) === key)!;
    return renderVersion(current(t), variablesFor(t, payloads));
  };

  it('emergency leave in English sends the reschedule link in the button', () => {
    expect(preview('doctor.emergency_leave:whatsapp:en')).toEqual({
      parameters: ['Asha Verma', 'Dr. Meera Rao', 'Leap Clinic Indiranagar', 'Thursday, 26 November 2026', '9:30 am', 'BK-1001', '₹1,250.00'],
      preview: 'Hello Asha Verma, we are sorry: Dr. Meera Rao is unavailable because of an emergency, so your appointment at Leap Clinic Indiranagar '
        + 'on Thursday, 26 November 2026 at 9:30 am (booking reference BK-1001) is cancelled. A refund of ₹1,250.00 will be credited to you. '
        + 'To book a new slot, please use the button below.',
      link: 'https://book.example.com/r/BK-1001',
    });
  });

  it('a cancellation in Hindi without a reason or a refund says so in words', () => {
    expect(preview('appointment.cancelled:whatsapp:hi', MINIMAL).preview).toBe(
      'नमस्ते Ravi Kumar, आपका अपॉइंटमेंट Dr. Meera Rao के साथ Leap Clinic Indiranagar में गुरुवार, 26 नवंबर 2026, समय 9:30 am पर था (बुकिंग संदर्भ BK-1001)। '
        + 'इसे आपके द्वारा रद्द कर दिया गया है। कारण: नहीं बताया गया। राशि वापसी: लागू नहीं। नया समय बुक करने के लिए कृपया क्लिनिक से संपर्क करें।',
    );
  });

  it('a report without a link sends the patient to the centre', () => {
    expect(preview('clinical.report_ready:whatsapp:en', MINIMAL).preview).toBe(
      'Hello Ravi Kumar, your report Chest X-ray from Leap Clinic Indiranagar is ready. You can collect it at the centre or ask the clinic to send you a copy.',
    );
  });

  it('approaching turn without a room asks the patient to stay close to the waiting area', () => {
    expect(preview('walkin.approaching_turn:whatsapp:en', MINIMAL).preview).toBe(
      'Hello Ravi Kumar, your turn is coming up: token B-002 is number 1 in the General OPD queue at Leap Clinic Indiranagar. '
        + 'Please stay close to the waiting area so that you do not miss your call.',
    );
  });
});

describe('defaultTemplateVersion', () => {
  it('finds each shipped version by key and number, and nothing else', () => {
    expect(defaultTemplateVersion('appointment.confirmed:whatsapp:hi', 1)).toMatchObject({ channel: 'whatsapp', language: 'hi' });
    expect(defaultTemplateVersion('appointment.confirmed:whatsapp:hi', 2)).toMatchObject({ channel: 'whatsapp', name: 'appointment_confirmed' });
    expect(defaultTemplateVersion('appointment.confirmed:email:en', 1)).toMatchObject({ channel: 'email' });
    for (const [key, version] of [['appointment.confirmed:email:en', 2], ['appointment.confirmed:whatsapp:hi', 0], ['appointment.confirmed:whatsapp:hi', 1.5],
      ['appointment.confirmed:whatsapp:ta', 1], ['appointment.confirmed:whatsapp:en@centre-blr', 1]] as const) {
      expect(defaultTemplateVersion(key, version)).toBeNull();
    }
  });

  it('hands out versions no caller can change', () => {
    const version = defaultTemplateVersion('doctor.emergency_leave:whatsapp:en', 2) as WhatsAppContent;
    expect(Object.isFrozen(version) && Object.isFrozen(version.parameters) && Object.isFrozen(version.button)).toBe(true);
  });
});
