import { err, ok, type Result } from '../result.ts';
import type { DltVariableType, SmsContent } from '../templates/template-content.ts';
import type { RenderedFor } from '../templates/rendered-message.ts';

/*
 * India's DLT scrub (TRAI TCCCPR 2018, PROVIDERS-2.md section 3) blocks a message whose text differs from
 * its registered template, and the operator still bills it. So the check runs before anything is sent,
 * on what the planner already has: the template version's SMS content and the message rendered from it.
 */

/** The longest value a `{#var#}` may carry. */
export const DLT_MAX_VARIABLE_LENGTH = 30;

const PLACEHOLDER = '{#var#}';

/** Why a message would not pass the DLT scrub; `variable` is the provider's variable name, or the `{#var#}` position. */
export interface DltViolation {
  variable: string;
  message: string;
}

/** A link as operators' URL whitelisting sees one. */
const LINK = /https?:\/\/|www\./i;

/**
 * What each declared type accepts. Values are what our templates render (dates and times as a
 * centre's locale writes them, Hindi included), so letters are allowed where words belong:
 * - `number`: digits, with an optional decimal part (`3`, `12.5`);
 * - `date`: a day with a digit (any script's) in it, in letters, digits, spaces and `/ - . ,` (`12 Dec 2026`, `12/12/2026`);
 * - `time`: an hour with optional minutes and words around it (`10:30 AM`, `9 am`, `सुबह 10:30`);
 * - `url`: one http(s) or `www.` link without spaces;
 * - `phone`: 6 to 15 digits, optionally after `+`, with spaces or hyphens between;
 * - `amount`: an optional currency (`₹`, `Rs.`, `INR`, `US$`), digits with Indian or western grouping, up to 3 decimals
 *   (as the templates' money format writes it);
 * - `reference`: an id such as a token, bill or report number: letters, digits and `- _ / # .`, no spaces;
 * - `text`: anything.
 * No type but `url` may carry a link, whatever else it looks like.
 */
const TYPE_RULES: Record<DltVariableType, { pattern: RegExp; describe: string }> = {
  number: { pattern: /^\d+(\.\d+)?$/, describe: 'a number' },
  date: { pattern: /^(?=.*\p{Nd})[\p{L}\p{M}\p{Nd}\s/.,-]+$/u, describe: 'a date' },
  time: { pattern: /^[\p{L}\p{M}\s.]*\p{Nd}{1,2}([:.]\p{Nd}{2})?[\p{L}\p{M}\s.]*$/u, describe: 'a time' },
  url: { pattern: /^(https?:\/\/|www\.)\S+$/i, describe: 'a link' },
  phone: { pattern: /^\+?\d(?:[\s-]?\d){5,14}$/, describe: 'a phone number' },
  amount: { pattern: /^(\p{Sc}|Rs\.?|[A-Z]{3}|[A-Z]{1,2}\p{Sc})?\s?(\d{1,3}(,\d{2,3})+|\d+)(\.\d{1,3})?$/u, describe: 'an amount' },
  reference: { pattern: /^[\p{L}\p{N}][\p{L}\p{N}\-_/#.]*$/u, describe: 'a reference' },
  text: { pattern: /^[\s\S]*$/, describe: 'text' },
};

/** Whether `value` may fill a `{#var#}` tagged `type` (length aside). */
export function dltValueFits(type: DltVariableType, value: string): boolean {
  if (type !== 'url' && LINK.test(value)) return false;
  return TYPE_RULES[type].pattern.test(value);
}

/**
 * Checks one rendered SMS against its template's DLT registration. Without `dlt` there is nothing to
 * check. The values are the provider template's rendered variables; a template without one (Twilio
 * sends the text alone) has its values read back from the rendered text at the `{#var#}` positions.
 *
 * Provider variables are named, the registered text's placeholders are positional, and a template's
 * variables may come back from the ledger in any key order; so each name's position is found as the
 * order in which the values fill the registered text to exactly the rendered text, and only then is
 * each value checked against its position's type.
 */
export function checkDlt(
  content: Pick<SmsContent, 'dlt' | 'provider'>,
  rendered: Pick<RenderedFor<'sms'>, 'text' | 'providerTemplate'>,
): Result<void, DltViolation> {
  const { dlt } = content;
  if (!dlt) return ok(undefined);
  const literals = dlt.registeredText.split(PLACEHOLDER);
  const slots = literals.length - 1;
  if (slots !== dlt.variableTypes.length) {
    return err({ variable: 'registeredText', message: `has ${slots} {#var#} but ${dlt.variableTypes.length} declared types` });
  }

  const named: [string, string][] = rendered.providerTemplate
    ? Object.entries(rendered.providerTemplate.variables)
    : (readBack(literals, rendered.text) ?? []).map((value, i) => [`{#var#} ${i + 1}`, value]);
  if (!rendered.providerTemplate && slots > 0 && named.length === 0) {
    return err({ variable: 'text', message: 'the rendered text does not match the registered DLT text' });
  }
  if (named.length !== slots) {
    return err({ variable: 'variables', message: `the provider template has ${named.length} variables for the registered text's ${slots} {#var#}` });
  }

  for (const [name, value] of named) {
    const length = [...value].length;
    if (length > DLT_MAX_VARIABLE_LENGTH) return err({ variable: name, message: `is ${length} characters; DLT allows at most ${DLT_MAX_VARIABLE_LENGTH}` });
    if (LINK.test(value) && !dlt.variableTypes.includes('url')) return err({ variable: name, message: 'carries a link, and the registered template declares none' });
  }

  const orders = fillOrders(literals, named.map(([, value]) => value), rendered.text);
  if (orders.length === 0) {
    return err({ variable: 'text', message: 'the registered DLT text filled with the values differs from the rendered text' });
  }
  // Equal values may fill the text in more than one order; any order whose types all fit passes.
  let first: DltViolation | undefined;
  for (const order of orders) {
    const violation = typeViolation(order.map((index) => named[index]!), dlt.variableTypes);
    if (!violation) return ok(undefined);
    first ??= violation;
  }
  return err(first!);
}

function typeViolation(ordered: [string, string][], types: readonly DltVariableType[]): DltViolation | undefined {
  for (const [position, [name, value]] of ordered.entries()) {
    const type = types[position]!;
    if (type !== 'url' && LINK.test(value)) return { variable: name, message: `carries a link, and its {#var#} is tagged ${type}` };
    if (!TYPE_RULES[type].pattern.test(value)) return { variable: name, message: `is not ${TYPE_RULES[type].describe}, the type its {#var#} is tagged with` };
  }
  return undefined;
}

const MAX_ORDERS = 24;

/** Every order (indexes into `values`) in which the values fill the literals to exactly `text`. */
function fillOrders(literals: readonly string[], values: readonly string[], text: string): number[][] {
  const found: number[][] = [];
  const walk = (slot: number, at: number, used: number[]): void => {
    if (found.length >= MAX_ORDERS) return; // equal values only repeat the same text
    const literal = literals[slot]!;
    if (!text.startsWith(literal, at)) return;
    const next = at + literal.length;
    if (slot === literals.length - 1) {
      if (next === text.length) found.push([...used]);
      return;
    }
    values.forEach((value, index) => {
      if (!used.includes(index) && text.startsWith(value, next)) walk(slot + 1, next + value.length, [...used, index]);
    });
  };
  walk(0, 0, []);
  return found;
}

/** The values at the `{#var#}` positions of `text`, shortest first, or null when the literals do not match. */
function readBack(literals: readonly string[], text: string): string[] | null {
  const escape = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  const match = new RegExp(`^${literals.map(escape).join('([\\s\\S]*?)')}$`).exec(text);
  return match ? match.slice(1) : null;
}
