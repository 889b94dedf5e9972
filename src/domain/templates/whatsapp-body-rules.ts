/*
 * Meta's rules for a template body, checked before a clinic maps a version to an approved template,
 * so a body Meta would refuse (or a mapping that cannot match the approved one) never reaches a
 * patient as a string of 132000-series failures.
 */

export const WHATSAPP_BODY_MAX_CHARACTERS = 1024;

const PLACEHOLDER = /^\d+$/;
// A placeholder followed only by punctuation and whitespace still ends the body, for Meta.
const ENDS_WITH_PLACEHOLDER = /\{\{\d+\}\}[\p{P}\s]*$/u;
const ADJACENT_PLACEHOLDERS = /\{\{\d+\}\}[\p{P}\s]*\{\{\d+\}\}/u;

export interface WhatsAppBodyCheck {
  /** The `{{n}}` placeholders found, in order of appearance. */
  placeholders: number[];
  problems: string[];
}

/** What is wrong with a body as Meta would judge it; `problems` is empty for a good one. */
export function checkWhatsAppBody(body: string): WhatsAppBodyCheck {
  const problems: string[] = [];
  const placeholders: number[] = [];
  for (const [whole, inner] of body.matchAll(/\{\{([^{}]*)\}\}/g)) {
    if (PLACEHOLDER.test(inner!)) placeholders.push(Number(inner));
    else problems.push(`"${whole}" is not a placeholder: the body has {{1}}, {{2}}, ... as approved, and each parameter's Liquid goes in parameters`);
  }
  if (body.trim().length === 0) problems.push('the body is empty');
  const characters = [...body].length;
  if (characters > WHATSAPP_BODY_MAX_CHARACTERS) problems.push(`the body has ${characters} characters; Meta allows ${WHATSAPP_BODY_MAX_CHARACTERS}`);
  if (placeholders.some((n, i) => n !== i + 1)) {
    problems.push(`placeholders must be {{1}}..{{n}} in order, each once, without gaps; found ${placeholders.map((n) => `{{${n}}}`).join(', ')}`);
  }
  if (/^\{\{\d+\}\}/.test(body.trim())) problems.push('the body starts with a placeholder, which Meta refuses: begin with words');
  if (ENDS_WITH_PLACEHOLDER.test(body)) problems.push('the body ends with a placeholder (only punctuation after it counts as the end), which Meta refuses: end with words');
  const adjacent = ADJACENT_PLACEHOLDERS.exec(body);
  if (adjacent) problems.push(`two placeholders are adjacent ("${adjacent[0]}"), which Meta refuses: put words between them`);
  return { placeholders, problems };
}
