import { describe, expect, it } from 'vitest';
import type { TemplateContent, TemplateKey, WhatsAppContent } from '../../src/domain/templates/template-content.ts';
import { validateTemplateVersion, type TemplateIssue } from '../../src/domain/templates/validate-template.ts';
import {
  billKey, confirmedKey, goodEmail, goodInApp, goodPush, goodReportWhatsApp, goodSms, goodWhatsApp, reminderKey, reportKey,
} from './template-content-fixtures.ts';

const issuesOf = (key: TemplateKey, content: TemplateContent): TemplateIssue[] => {
  const result = validateTemplateVersion(key, content);
  return result.ok ? [] : result.error;
};
const pathsOf = (key: TemplateKey, content: TemplateContent): string[] => issuesOf(key, content).map((i) => i.path);
const whatsApp = (change: Partial<WhatsAppContent>): WhatsAppContent => ({ ...goodWhatsApp, ...change });

describe('validateTemplateVersion: good templates pass', () => {
  it.each<[name: string, key: TemplateKey, content: TemplateContent]>([
    ['whatsapp', confirmedKey('whatsapp'), goodWhatsApp],
    ['whatsapp with a URL button', reportKey, goodReportWhatsApp],
    ['email', confirmedKey('email'), goodEmail],
    ['sms with DLT and a provider template', reminderKey, goodSms],
    ['push', billKey('push'), goodPush],
    ['in-app', billKey('in_app'), goodInApp],
  ])('a good %s template passes, with a sample render of the example payload', (_name, key, content) => {
    const result = validateTemplateVersion(key, content);
    expect(result.ok ? result.value.sample.channel : result.error).toBe(content.channel);
  });

  it('renders the WhatsApp sample as it would go out: parameters, language code and the button parameter', () => {
    const result = validateTemplateVersion(reportKey, goodReportWhatsApp);
    expect(result.ok && result.value.sample).toMatchObject({
      templateName: 'report_ready_v2',
      languageCode: 'en_IN',
      bodyParameters: ['Asha Verma', 'Complete blood count', 'Leap Clinic Indiranagar'],
      buttonParameter: 'reports/rep-7702',
    });
  });

  it('reports the SMS sample segment count', () => {
    const result = validateTemplateVersion(reminderKey, goodSms);
    expect(result.ok && result.value.smsSegments).toBe(1);
  });

  it('passes a key for a locale nobody ships yet', () => {
    expect(validateTemplateVersion(confirmedKey('whatsapp', 'ta'), { ...goodWhatsApp, language: 'ta' }).ok).toBe(true);
  });
});

describe('validateTemplateVersion: each rule refuses with its path', () => {
  it.each<[rule: string, key: TemplateKey, content: TemplateContent, path: string]>([
    ['the key and the content are for different channels', confirmedKey('email'), goodWhatsApp, 'content.channel'],
    ['the key locale is not a BCP 47 tag', confirmedKey('whatsapp', 'english'), goodWhatsApp, 'key.locale'],
    ['the key names no event type', { ...confirmedKey('whatsapp'), eventType: 'appointment.lost' } as unknown as TemplateKey, goodWhatsApp, 'key.eventType'],
    ['a parameter is not valid Liquid', confirmedKey('whatsapp'), whatsApp({ parameters: goodWhatsApp.parameters.with(1, '{{ doctorName ') }), 'content.parameters[1]'],
    ['a parameter uses an unknown filter', confirmedKey('whatsapp'), whatsApp({ parameters: goodWhatsApp.parameters.with(1, '{{ doctorName | shout }}') }), 'content.parameters[1]'],
    ['a parameter reads a variable the event type lacks', confirmedKey('whatsapp'), whatsApp({ parameters: goodWhatsApp.parameters.with(2, '{{ clinicName }}') }), 'content.parameters[2]'],
    ['the name is not a Meta template name', confirmedKey('whatsapp'), whatsApp({ name: 'Appointment Confirmed' }), 'content.name'],
    ['the language is not in Meta\'s list', confirmedKey('whatsapp'), whatsApp({ language: 'en-US' }), 'content.language'],
    ['the language is not the key locale\'s', confirmedKey('whatsapp', 'hi'), goodWhatsApp, 'content.language'],
    ['the category is not Meta\'s', confirmedKey('whatsapp'), whatsApp({ category: 'TRANSACTIONAL' as WhatsAppContent['category'] }), 'content.category'],
    ['the placeholders have a gap', confirmedKey('whatsapp'), whatsApp({ body: goodWhatsApp.body.replace('{{6}}', '{{7}}') }), 'content.body'],
    ['a placeholder repeats', confirmedKey('whatsapp'), whatsApp({ body: `${goodWhatsApp.body} Again, {{1}}: thank you.`, parameters: [...goodWhatsApp.parameters, '{{ patientName }}'] }), 'content.body'],
    ['the parameters do not match the placeholders', confirmedKey('whatsapp'), whatsApp({ parameters: goodWhatsApp.parameters.slice(0, 5) }), 'content.parameters'],
    ['the body is over 1,024 characters', confirmedKey('whatsapp'), whatsApp({ body: `${goodWhatsApp.body} ${'Please arrive early. '.repeat(50)}` }), 'content.body'],
    ['the body starts with a placeholder', confirmedKey('whatsapp'), whatsApp({ body: goodWhatsApp.body.replace('Hello {{1}}', '{{1}}') }), 'content.body'],
    ['the body ends with a placeholder and a full stop', confirmedKey('whatsapp'), whatsApp({ body: goodWhatsApp.body.replace(' Reply here if you need help.', '') }), 'content.body'],
    ['two placeholders are adjacent', confirmedKey('whatsapp'), whatsApp({ body: goodWhatsApp.body.replace('{{4}} at {{5}}', '{{4}}, {{5}}') }), 'content.body'],
    ['the body holds Liquid instead of a placeholder', confirmedKey('whatsapp'), whatsApp({ body: goodWhatsApp.body.replace('{{6}}', '{{ bookingReference }}'), parameters: goodWhatsApp.parameters.slice(0, 5) }), 'content.body'],
    ['the button base URL is not https', reportKey, { ...goodReportWhatsApp, button: { ...goodReportWhatsApp.button!, baseUrl: 'http://portal.leapclinic.example/' } }, 'content.button.baseUrl'],
    ['the button link is outside its base URL', reportKey, { ...goodReportWhatsApp, button: { ...goodReportWhatsApp.button!, baseUrl: 'https://reports.other.example/' } }, 'content.button.parameter'],
    ['a parameter renders empty', confirmedKey('whatsapp'), whatsApp({ parameters: goodWhatsApp.parameters.with(5, '{{ bookingReference | remove: bookingReference }}') }), 'content.parameters[5]'],
    ['a parameter renders empty without its optional variable', confirmedKey('whatsapp'), whatsApp({ parameters: goodWhatsApp.parameters.with(5, '{{ amount | default: "" }}') }), 'content.parameters[5]'],
    ['an optional variable has no fallback', confirmedKey('email'), { ...goodEmail, text: `${goodEmail.text}\nStatus: {{ paymentStatus }}` }, 'content'],
    ['the subject is over 998 characters', confirmedKey('email'), { ...goodEmail, subject: `${goodEmail.subject} ${'x'.repeat(998)}` }, 'content.subject'],
    ['the subject has a line break', confirmedKey('email'), { ...goodEmail, subject: 'Appointment confirmed\n{{ slotDate }}' }, 'content.subject'],
    ['the DLT variable types do not match {#var#}', reminderKey, { ...goodSms, dlt: { ...goodSms.dlt!, variableTypes: ['text', 'text', 'text'] } }, 'content.dlt.variableTypes'],
    ['the DLT registered text has < or >', reminderKey, { ...goodSms, dlt: { ...goodSms.dlt!, registeredText: `${goodSms.dlt!.registeredText} <Leap>` } }, 'content.dlt.registeredText'],
    ['a provider variable reads an unknown variable', reminderKey, { ...goodSms, provider: { templateId: 'x', variables: { doctor: '{{ doctor }}' } } }, 'content.provider.variables.doctor'],
    ['a push data value is not valid Liquid', billKey('push'), { ...goodPush, data: { bill: '{% if billNumber %}' } }, 'content.data.bill'],
    ['an in-app title reads an unknown variable', billKey('in_app'), { ...goodInApp, title: 'Bill {{ invoiceNumber }}' }, 'content.title'],
  ])('refuses when %s', (_rule, key, content, path) => {
    expect(pathsOf(key, content)).toContain(path);
  });

  it('names the variable and the language code Meta writes', () => {
    const [variable] = issuesOf(confirmedKey('whatsapp'), whatsApp({ parameters: goodWhatsApp.parameters.with(2, '{{ clinicName }}') }));
    expect(variable?.message).toMatch(/"clinicName"/);
    const [language] = issuesOf(confirmedKey('whatsapp'), whatsApp({ language: 'en-US' }));
    expect(language?.message).toMatch(/en_US/);
    const [optional] = issuesOf(confirmedKey('email'), { ...goodEmail, text: '{{ paymentStatus }} for {{ patientName }}' });
    expect(optional?.message).toMatch(/"paymentStatus"/);
  });

  it('returns every issue at once, not the first', () => {
    const paths = pathsOf(confirmedKey('whatsapp', 'english'), whatsApp({
      name: 'Bad Name',
      language: 'english',
      body: '{{1}}, {{2}}',
      parameters: ['{{ patientName }}', '{{ nobody }}', '{{ doctorName }}'],
    }));
    expect(paths).toEqual(expect.arrayContaining(['key.locale', 'content.name', 'content.language', 'content.body', 'content.parameters', 'content.parameters[1]']));
    expect(paths.filter((p) => p === 'content.body').length).toBeGreaterThanOrEqual(3); // starts, ends, adjacent
  });
});

describe('validateTemplateVersion: an SMS against its DLT registration', () => {
  it('refuses a text the sample render shows differs from the registered text, as planning would suppress it', () => {
    const drifted: TemplateContent = { ...goodSms, text: goodSms.text.replace('Reminder:', 'Reminder -') };
    const result = validateTemplateVersion(reminderKey, drifted);
    expect(result.ok).toBe(false);
    expect(!result.ok && result.error.map((i) => i.path)).toContain('content.dlt.registeredText');
  });
});
