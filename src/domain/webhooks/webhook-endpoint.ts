import type { FieldIssue } from '../intake/envelope.ts';
import { err, ok, type Result } from '../result.ts';

/*
 * A clinic system's webhook endpoint, as admins manage it: `webhook-endpoint-<id>`, each change
 * recorded with its actor. The signing secret is in the ledger only sealed (AES-256-GCM under a key
 * derived from LEDGER_MASTER_KEY, bound to the endpoint's id); the plain secret is answered once, to
 * the admin who created or rotated it.
 */

/** What an endpoint may subscribe to. */
export const WEBHOOK_EVENT_KINDS = [
  'notification.status_changed',
  'notification.failed',
  'notification.expired',
  'notification.fallback',
  'patient.replied',
  'event.dead_lettered',
  'event.unrouted',
] as const;
export type WebhookEventKind = (typeof WEBHOOK_EVENT_KINDS)[number];

export const WEBHOOK_ENDPOINT_EVENT_TYPES = {
  created: 'WebhookEndpointCreated',
  secretRotated: 'WebhookSecretRotated',
  disabled: 'WebhookEndpointDisabled',
  enabled: 'WebhookEndpointEnabled',
  deliveriesReplayRequested: 'WebhookDeliveriesReplayRequested',
} as const;

/** After a rotation the previous secret keeps signing this long, so receivers can switch without a gap. */
export const ROTATION_OVERLAP_MS = 24 * 3600_000;

export interface WebhookEndpointCreated {
  endpointId: string;
  url: string;
  eventKinds: WebhookEventKind[];
  description: string;
  /** Contacts in payloads are masked unless the endpoint is trusted with them. */
  includeContacts: boolean;
  /** The signing secret, sealed (`v1.<nonce>.<tag>.<ciphertext>`). */
  sealedSecret: string;
  actor: string;
  at: string;
}

export interface WebhookSecretRotated {
  endpointId: string;
  sealedSecret: string;
  /** Until then the previous secret signs too. */
  previousValidUntil: string;
  actor: string;
  at: string;
}

/** `gone`: the endpoint answered 410; `failing`: it failed without pause for 24 hours. */
export type DisabledReason = 'admin' | 'gone' | 'failing';

export interface WebhookEndpointDisabled {
  endpointId: string;
  reason: DisabledReason;
  actor: string;
  at: string;
}

export interface WebhookEndpointEnabled {
  endpointId: string;
  actor: string;
  at: string;
}

/**
 * An admin asked for every message to the endpoint since `from` to be sent again: each gets a new
 * round of attempts, due at once, with the same `webhook-id` (the receiver dedupes on it).
 */
export interface WebhookDeliveriesReplayRequested {
  endpointId: string;
  /** Messages whose event happened at or after this are sent again. */
  from: string;
  actor: string;
  at: string;
}

/** A secret that signs, and until when (null: the current one). */
export interface SigningSecret {
  sealed: string;
  validUntil: string | null;
}

export interface WebhookEndpoint {
  endpointId: string;
  url: string;
  eventKinds: WebhookEventKind[];
  description: string;
  includeContacts: boolean;
  enabled: boolean;
  disabledReason: DisabledReason | null;
  /** The current secret first, then any previous one still in its overlap. */
  secrets: SigningSecret[];
  createdBy: string;
  createdAt: string;
  /** The stream's length: one per change. */
  version: number;
}

export type WebhookEndpointState = WebhookEndpoint | null;

export function evolveWebhookEndpoint(state: WebhookEndpointState, event: { type: string; data: unknown }): WebhookEndpointState {
  const T = WEBHOOK_ENDPOINT_EVENT_TYPES;
  if (event.type === T.created) {
    const c = event.data as WebhookEndpointCreated;
    return {
      endpointId: c.endpointId,
      url: c.url,
      eventKinds: c.eventKinds,
      description: c.description,
      includeContacts: c.includeContacts,
      enabled: true,
      disabledReason: null,
      secrets: [{ sealed: c.sealedSecret, validUntil: null }],
      createdBy: c.actor,
      createdAt: c.at,
      version: 1,
    };
  }
  if (!state) return state;
  switch (event.type) {
    case T.secretRotated: {
      const r = event.data as WebhookSecretRotated;
      const previous = state.secrets[0];
      return { ...state, secrets: [{ sealed: r.sealedSecret, validUntil: null }, ...(previous ? [{ sealed: previous.sealed, validUntil: r.previousValidUntil }] : [])], version: state.version + 1 };
    }
    case T.disabled:
      return { ...state, enabled: false, disabledReason: (event.data as WebhookEndpointDisabled).reason, version: state.version + 1 };
    case T.enabled:
      return { ...state, enabled: true, disabledReason: null, version: state.version + 1 };
    // A change to the stream like any other: the version stays its length, which event ids are made from.
    case T.deliveriesReplayRequested:
      return { ...state, version: state.version + 1 };
    default:
      return state;
  }
}

/** The secrets that sign at `now`: the current one, and the previous one during its overlap. */
export const signingSecretsAt = (endpoint: Pick<WebhookEndpoint, 'secrets'>, now: Date): SigningSecret[] =>
  endpoint.secrets.filter((s) => s.validUntil === null || new Date(s.validUntil).getTime() > now.getTime());

export type WebhookEndpointRefusal =
  | { kind: 'invalid-input'; issues: FieldIssue[] }
  | { kind: 'not-found'; endpointId: string };

const MAX_DESCRIPTION = 200;

/** What an admin gave for a new endpoint, checked: every issue names its field, never a value. The URL's reach is checked apart. */
export function parseWebhookEndpointInput(input: { url: string; eventKinds: readonly string[]; description?: string | null; includeContacts?: boolean | null }): Result<
  { url: string; eventKinds: WebhookEventKind[]; description: string; includeContacts: boolean },
  FieldIssue[]
> {
  const issues: FieldIssue[] = [];
  if (!URL.canParse(input.url)) issues.push({ path: 'url', message: 'must be an absolute URL such as https://his.clinic.example/hooks/notifications' });
  const kinds: WebhookEventKind[] = [];
  input.eventKinds.forEach((kind, i) => {
    if (!(WEBHOOK_EVENT_KINDS as readonly string[]).includes(kind)) issues.push({ path: `eventKinds[${i}]`, message: `must be one of ${WEBHOOK_EVENT_KINDS.join(', ')}` });
    else if (kinds.includes(kind as WebhookEventKind)) issues.push({ path: `eventKinds[${i}]`, message: 'is named twice' });
    else kinds.push(kind as WebhookEventKind);
  });
  if (input.eventKinds.length === 0) issues.push({ path: 'eventKinds', message: 'must name at least one kind' });
  const description = (input.description ?? '').trim();
  if (description.length > MAX_DESCRIPTION) issues.push({ path: 'description', message: `must be at most ${MAX_DESCRIPTION} characters` });
  if (issues.length > 0) return err(issues);
  return ok({ url: new URL(input.url).toString(), eventKinds: kinds, description, includeContacts: input.includeContacts ?? false });
}

/** When a replay may start from: a valid instant, not after now. The issue names `from`. */
export function parseReplayFrom(from: Date, now: Date): Result<string, FieldIssue[]> {
  if (!Number.isFinite(from.getTime())) return err([{ path: 'from', message: 'must be a valid date and time' }]);
  if (from.getTime() > now.getTime()) return err([{ path: 'from', message: `must not be in the future (it is now ${now.toISOString()})` }]);
  return ok(from.toISOString());
}

export function decideRotate(state: WebhookEndpointState, endpointId: string): Result<WebhookEndpoint, WebhookEndpointRefusal> {
  return state ? ok(state) : err({ kind: 'not-found', endpointId });
}
