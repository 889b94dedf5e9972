import type { TemplateContent, TemplateKey } from './template-content.ts';

/** Recorded on `template-<key>`; a version never changes once published. */
export const TEMPLATE_EVENT_TYPES = {
  published: 'TemplateVersionPublished',
  retired: 'TemplateRetired',
} as const;

export interface TemplateVersionPublished extends TemplateKey {
  /** `formatTemplateKey` of the key parts, so readers need not rebuild it. */
  key: string;
  version: number;
  content: TemplateContent;
  /** The actor: a token's name, or `system` for the versions we ship. */
  publishedBy: string;
  publishedAt: string;
  note?: string;
}

/** The key is retired: planning passes over it to the next candidate until a new version is published. */
export interface TemplateRetired {
  key: string;
  /** The version that was current. */
  version: number;
  retiredBy: string;
  retiredAt: string;
}

/** Recorded on `whatsapp-templates`: what the provider said of the account's templates, and of single sends. */
export const WHATSAPP_TEMPLATE_EVENT_TYPES = {
  observed: 'WhatsAppTemplatesObserved',
  refused: 'WhatsAppTemplateRefused',
} as const;

/** Meta's statuses, lower-cased; anything else Meta may add (in_appeal, archived, submitted) is kept as `other`/`pending`. */
export const WHATSAPP_TEMPLATE_STATUSES = ['approved', 'pending', 'rejected', 'paused', 'disabled', 'other'] as const;
export type WhatsAppTemplateStatus = (typeof WHATSAPP_TEMPLATE_STATUSES)[number];

/** One template of the account as listed by the provider (a snapshot of what matters to sending). */
export interface ObservedWhatsAppTemplate {
  name: string;
  language: string;
  status: WhatsAppTemplateStatus;
  category: string;
  /** The BODY component's text, null when it has none. */
  body: string | null;
  /** `{{n}}` placeholders in the body. */
  bodyParameters: number;
  /** The URL of a dynamic URL button (with its `{{1}}`), if it has one. */
  urlButton: string | null;
  rejectedReason?: string;
}

export interface WhatsAppTemplatesObserved {
  observedAt: string;
  /** The admin who asked for the sync, or `system` for the one at start and every 6 hours. */
  observedBy: string;
  templates: ObservedWhatsAppTemplate[];
}

/** A send the provider refused for a reason that is the template's (132000/1/5/7/12: mismatched; 132015 paused; 132016 disabled). */
export interface WhatsAppTemplateRefused {
  name: string;
  language: string;
  state: 'mismatched' | 'paused' | 'disabled';
  code: string;
  notificationId: string;
  refusedAt: string;
}

/**
 * A mapped version's state at the provider. `unknown` until the account was synced once (a sandbox):
 * such a template is sent. Only `approved` and `unknown` are sent.
 */
export const TEMPLATE_APPROVAL_STATES = ['unknown', 'approved', 'pending', 'rejected', 'paused', 'disabled', 'missing', 'mismatched'] as const;
export type TemplateApprovalState = (typeof TEMPLATE_APPROVAL_STATES)[number];
export const isSendable = (state: TemplateApprovalState): boolean => state === 'approved' || state === 'unknown';

