import type { WhatsAppTemplateRefused } from './template-events.ts';

/**
 * What a WhatsApp send error says of the template itself (PROVIDERS-2.md section 2), or null when the
 * fault lies elsewhere. 132018 (a parameter's value) is the message's fault, not the template's, so it
 * is null here though the send still fails permanently.
 */
export function templateRefusalOf(code: string): WhatsAppTemplateRefused['state'] | null {
  switch (code) {
    case '132000': // parameter count differs from the template
    case '132001': // no such name in that language, or not approved
    case '132005': // filled-in text too long for the approved body
    case '132007': // format-character policy
    case '132012': // parameter format differs (e.g. the URL button's)
      return 'mismatched';
    case '132015':
      return 'paused';
    case '132016':
      return 'disabled';
    default:
      return null;
  }
}
