import type { EventType } from '../event-catalogue.ts';
import type { WhatsAppContent } from './template-content.ts';

/**
 * A default WhatsApp body rewritten to pass Meta's rules: its name, language and category stay those
 * of version 1 (a body that breaks the rules was never approvable, so no account holds the old one).
 */
export type WhatsAppRewrite = Pick<WhatsAppContent, 'body' | 'parameters' | 'button'>;

/** One language's rewrites, by event type. */
export type WhatsAppRewrites = Partial<Record<EventType, WhatsAppRewrite>>;

/**
 * The default base of a dynamic URL button: the whole link is the button's parameter. A clinic
 * publishes its own version with the base Meta approved for its account (`https://book.clinic.in/r/`).
 */
export const DEFAULT_BUTTON_BASE_URL = 'https://';
