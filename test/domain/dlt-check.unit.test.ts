import { describe, expect, it } from 'vitest';
import { checkDlt, dltValueFits } from '../../src/domain/notifications/dlt-check.ts';
import type { DltVariableType, SmsContent } from '../../src/domain/templates/template-content.ts';

const registeredText = 'Dear {#var#}, your appointment at {#var#} is on {#var#}. Bill: {#var#} - Sunrise';

function content(variableTypes: DltVariableType[] = ['text', 'text', 'date', 'url'], text = registeredText): Pick<SmsContent, 'dlt' | 'provider'> {
  return {
    dlt: { templateId: '1207161234567890123', registeredText: text, category: 'service-implicit', variableTypes },
    provider: { templateId: '65f0c0ffee', variables: { name: '{{ patient.name }}', centre: '{{ centre.name }}', date: '{{ slot.date }}', link: '{{ bill.url }}' } },
  };
}

function rendered(values: { name?: string; centre?: string; date?: string; link?: string } = {}) {
  const v = { name: 'Ravi', centre: 'Sunrise Andheri', date: '12 Dec 2026', link: 'https://pay.example/b/42', ...values };
  return {
    text: `Dear ${v.name}, your appointment at ${v.centre} is on ${v.date}. Bill: ${v.link} - Sunrise`,
    providerTemplate: { templateId: '65f0c0ffee', variables: { name: v.name, centre: v.centre, date: v.date, link: v.link } },
  };
}

describe('checkDlt', () => {
  it('passes a message whose values fill the registered text to exactly the rendered text', () => {
    expect(checkDlt(content(), rendered())).toEqual({ ok: true, value: undefined });
  });

  it('has nothing to check for a template without a DLT registration', () => {
    expect(checkDlt({}, { text: 'anything https://x.example' })).toEqual({ ok: true, value: undefined });
  });

  it('allows a value of 30 characters and refuses one of 31, naming the variable', () => {
    expect(checkDlt(content(), rendered({ name: 'a'.repeat(30) })).ok).toBe(true);
    expect(checkDlt(content(), rendered({ name: 'a'.repeat(31) }))).toEqual({
      ok: false,
      error: { variable: 'name', message: 'is 31 characters; DLT allows at most 30' },
    });
  });

  it('counts characters, not UTF-16 units', () => {
    expect(checkDlt(content(), rendered({ name: '😀'.repeat(30) })).ok).toBe(true);
  });

  it('refuses a link in a variable not tagged url', () => {
    expect(checkDlt(content(), rendered({ centre: 'www.sunrise.example' }))).toEqual({
      ok: false,
      error: { variable: 'centre', message: 'carries a link, and its {#var#} is tagged text' },
    });
  });

  it('refuses any link when the template declares none', () => {
    const noLink = 'Dear {#var#}, your appointment at {#var#} is on {#var#}. Ref {#var#}';
    const result = checkDlt(content(['text', 'text', 'date', 'reference'], noLink), {
      text: 'Dear Ravi, your appointment at http://evil.example is on 12 Dec 2026. Ref B-42',
      providerTemplate: { templateId: 't', variables: { name: 'Ravi', centre: 'http://evil.example', date: '12 Dec 2026', link: 'B-42' } },
    });
    expect(result).toEqual({ ok: false, error: { variable: 'centre', message: 'carries a link, and the registered template declares none' } });
  });

  it('refuses a value not of its declared type', () => {
    expect(checkDlt(content(), rendered({ date: 'tomorrow' }))).toEqual({
      ok: false,
      error: { variable: 'date', message: 'is not a date, the type its {#var#} is tagged with' },
    });
    expect(checkDlt(content(), rendered({ link: 'pay at the desk' }))).toMatchObject({ ok: false, error: { variable: 'link' } });
  });

  it('refuses a rendered text that differs from the registered text by one character', () => {
    const message = rendered();
    expect(checkDlt(content(), { ...message, text: message.text.replace('Dear', 'dear') })).toEqual({
      ok: false,
      error: { variable: 'text', message: 'the registered DLT text filled with the values differs from the rendered text' },
    });
    expect(checkDlt(content(), { ...message, text: message.text.replace(' is on', '  is on') }).ok).toBe(false);
  });

  it('refuses a provider value that is not what the rendered text shows', () => {
    const message = rendered();
    expect(checkDlt(content(), { ...message, providerTemplate: { ...message.providerTemplate, variables: { ...message.providerTemplate.variables, name: 'Rav' } } }).ok).toBe(false);
  });

  it('finds each named variable position whatever order the names come in', () => {
    const message = rendered();
    const { name, centre, date, link } = message.providerTemplate.variables;
    const reordered = { ...message, providerTemplate: { templateId: 't', variables: { link, date, centre, name } } };
    expect(checkDlt(content(), reordered).ok).toBe(true);
  });

  it('refuses a provider template with a different number of variables than {#var#}', () => {
    const message = rendered();
    const { link: _link, ...three } = message.providerTemplate.variables;
    expect(checkDlt(content(), { ...message, providerTemplate: { templateId: 't', variables: three } })).toMatchObject({ ok: false, error: { variable: 'variables' } });
  });

  it('reads the values back from the text when there is no provider template', () => {
    const { dlt } = content();
    expect(checkDlt({ dlt }, { text: rendered().text }).ok).toBe(true);
    expect(checkDlt({ dlt }, { text: rendered({ centre: 'c'.repeat(31) }).text })).toMatchObject({ ok: false, error: { variable: '{#var#} 2' } });
    expect(checkDlt({ dlt }, { text: 'Something else entirely' })).toMatchObject({ ok: false, error: { variable: 'text' } });
  });
});

describe('what each DLT variable type carries', () => {
  it.each<[DltVariableType, string, boolean]>([
    ['number', '3', true],
    ['number', '12.5', true],
    ['number', 'three', false],
    ['date', '12 Dec 2026', true],
    ['date', '12/12/2026', true],
    ['date', 'Sat, 12 Dec', true],
    ['date', '१२ दिसंबर 2026', true],
    ['date', 'tomorrow', false],
    ['time', '10:30 AM', true],
    ['time', '9 am', true],
    ['time', 'सुबह 10:30', true],
    ['time', 'soon', false],
    ['url', 'https://pay.example/b/42', true],
    ['url', 'www.sunrise.example', true],
    ['url', 'pay.example', false],
    ['phone', '+91 98765 43210', true],
    ['phone', '022-2345678', true],
    ['phone', '12345', false],
    ['amount', '₹1,250.50', true],
    ['amount', 'Rs. 1,00,000', true],
    ['amount', '500', true],
    ['amount', 'US$12.50', true],
    ['amount', '₹12.3456', false],
    ['amount', '12 rupees', false],
    ['reference', 'BILL-2026/0042', true],
    ['reference', 'T#17', true],
    ['reference', 'two words', false],
    ['reference', 'www.x.example', false],
    ['text', 'Sunrise Andheri', true],
    ['text', 'see https://x.example', false],
  ])('%s accepts %j: %s', (type, value, fits) => {
    expect(dltValueFits(type, value)).toBe(fits);
  });
});
