import { randomUUID } from 'node:crypto';
import type { Clock } from '../../domain/clock.ts';
import { deterministicUuid } from '../../domain/ids.ts';
import { sealSecret, type LedgerKeys } from '../../domain/keys/ledger-keys.ts';
import { err, ok, type Result } from '../../domain/result.ts';
import { streamName, streamNameIfValid } from '../../domain/stream-name.ts';
import {
  ROTATION_OVERLAP_MS,
  WEBHOOK_ENDPOINT_EVENT_TYPES as T,
  evolveWebhookEndpoint,
  parseReplayFrom,
  parseWebhookEndpointInput,
  type DisabledReason,
  type WebhookEndpoint,
  type WebhookDeliveriesReplayRequested,
  type WebhookEndpointCreated,
  type WebhookEndpointDisabled,
  type WebhookEndpointEnabled,
  type WebhookEndpointRefusal,
  type WebhookEndpointState,
  type WebhookSecretRotated,
} from '../../domain/webhooks/webhook-endpoint.ts';
import { generateWebhookSecret, type WebhookSecret } from '../../domain/webhooks/webhook-secret.ts';
import type { EventStore, LedgerPosition } from '../../ledger/event-store.ts';
import { handleCommand, isConflict } from '../handle-command.ts';

export interface WebhookEndpointDeps {
  store: EventStore;
  clock: Clock;
  keys: Pick<LedgerKeys, 'webhookSecrets'>;
  /** Why the service may not call this URL (a private address, a scheme other than https), or null when it may. */
  checkTarget(url: string): Promise<string | null>;
}

/** An endpoint with its new secret: answered once, to the admin who made it; the ledger keeps it sealed. */
export interface EndpointWithSecret {
  endpoint: WebhookEndpoint;
  secret: WebhookSecret;
  position: LedgerPosition;
}

const fold = { initialState: null as WebhookEndpointState, evolve: (state: WebhookEndpointState, event: { type: string; data: unknown }) => evolveWebhookEndpoint(state, event) };

const eventId = (endpointId: string, version: number) => deterministicUuid('webhook-endpoint-event', endpointId, version);

/** A new endpoint, enabled, with a fresh `whsec_` secret. Refused with every problem in the input; nothing appended. */
export async function createWebhookEndpoint(
  deps: WebhookEndpointDeps,
  input: { url: string; eventKinds: readonly string[]; description?: string | null; includeContacts?: boolean | null },
  actor: string,
): Promise<Result<EndpointWithSecret, WebhookEndpointRefusal>> {
  const parsed = parseWebhookEndpointInput(input);
  if (!parsed.ok) return err({ kind: 'invalid-input', issues: parsed.error });
  const unreachable = await deps.checkTarget(parsed.value.url);
  if (unreachable) return err({ kind: 'invalid-input', issues: [{ path: 'url', message: unreachable }] });
  const endpointId = randomUUID();
  const secret = generateWebhookSecret();
  const data: WebhookEndpointCreated = { endpointId, ...parsed.value, sealedSecret: sealSecret(deps.keys.webhookSecrets, secret, endpointId), actor, at: deps.clock.now().toISOString() };
  const appended = await deps.store.append(streamName.webhookEndpoint(endpointId), [{ id: eventId(endpointId, 1), type: T.created, data, metadata: { actor } }], 'no-stream');
  if (!appended.ok) throw appended.error;
  return ok({ endpoint: evolveWebhookEndpoint(null, { type: T.created, data })!, secret, position: appended.position });
}

/** A new secret; the previous one keeps signing for 24 hours, so receivers switch without a gap. */
export async function rotateWebhookSecret(deps: WebhookEndpointDeps, endpointId: string, actor: string): Promise<Result<EndpointWithSecret & { previousValidUntil: string }, WebhookEndpointRefusal>> {
  const secret = generateWebhookSecret();
  const result = await change(deps, endpointId, (state, now) => {
    const data: WebhookSecretRotated = {
      endpointId,
      sealedSecret: sealSecret(deps.keys.webhookSecrets, secret, endpointId),
      previousValidUntil: new Date(now.getTime() + ROTATION_OVERLAP_MS).toISOString(),
      actor,
      at: now.toISOString(),
    };
    return { type: T.secretRotated, data, version: state.version + 1 };
  });
  if (!result.ok) return result;
  const rotated = result.value.endpoint.secrets[1]?.validUntil ?? result.value.endpoint.secrets[0]!.validUntil!;
  return ok({ endpoint: result.value.endpoint, secret, position: result.value.position!, previousValidUntil: rotated });
}

/** Stops deliveries to an endpoint; disabling a disabled one changes nothing. */
export function disableWebhookEndpoint(deps: Pick<WebhookEndpointDeps, 'store' | 'clock'>, endpointId: string, reason: DisabledReason, actor: string) {
  return change(deps, endpointId, (state, now) => {
    if (!state.enabled) return null;
    const data: WebhookEndpointDisabled = { endpointId, reason, actor, at: now.toISOString() };
    return { type: T.disabled, data, version: state.version + 1 };
  });
}

/** Lets deliveries go to an endpoint again; enabling an enabled one changes nothing. */
export function enableWebhookEndpoint(deps: Pick<WebhookEndpointDeps, 'store' | 'clock'>, endpointId: string, actor: string) {
  return change(deps, endpointId, (state, now) => {
    if (state.enabled) return null;
    const data: WebhookEndpointEnabled = { endpointId, actor, at: now.toISOString() };
    return { type: T.enabled, data, version: state.version + 1 };
  });
}

/**
 * Sends again every message to the endpoint whose event happened at or after `from`, each with its
 * own `webhook-id` (receivers dedupe on it) and a new round of attempts. A disabled endpoint's
 * messages wait for it to be enabled. `from` may not be in the future.
 */
export async function requestWebhookDeliveriesReplay(
  deps: Pick<WebhookEndpointDeps, 'store' | 'clock'>,
  endpointId: string,
  from: Date,
  actor: string,
): Promise<Result<{ endpoint: WebhookEndpoint; position: LedgerPosition; from: string }, WebhookEndpointRefusal>> {
  const checked = parseReplayFrom(from, deps.clock.now());
  if (!checked.ok) return err({ kind: 'invalid-input', issues: checked.error });
  const result = await change(deps, endpointId, (state, now) => {
    const data: WebhookDeliveriesReplayRequested = { endpointId, from: checked.value, actor, at: now.toISOString() };
    return { type: T.deliveriesReplayRequested, data, version: state.version + 1 };
  });
  if (!result.ok) return result;
  return ok({ endpoint: result.value.endpoint, position: result.value.position!, from: checked.value });
}

/** One change to an existing endpoint (null: none needed), read, decided and appended at the revision read. */
async function change(
  deps: Pick<WebhookEndpointDeps, 'store' | 'clock'>,
  endpointId: string,
  decide: (state: WebhookEndpoint, now: Date) => { type: string; data: { actor: string }; version: number } | null,
): Promise<Result<{ endpoint: WebhookEndpoint; position: LedgerPosition | null }, WebhookEndpointRefusal>> {
  const stream = streamNameIfValid.webhookEndpoint(endpointId);
  if (!stream) return err({ kind: 'not-found', endpointId });
  const result = await handleCommand(
    deps.store,
    stream,
    fold,
    (state, _command: null, now) => {
      if (!state) return err({ kind: 'not-found' as const, endpointId });
      const event = decide(state, now);
      if (!event) return ok({ answer: state, events: [] });
      return ok({
        answer: evolveWebhookEndpoint(state, event)!,
        events: [{ id: eventId(endpointId, event.version), type: event.type, data: event.data, metadata: { actor: event.data.actor } }],
      });
    },
    { command: null, clock: deps.clock },
  );
  if (result.ok) return ok({ endpoint: result.value.answer, position: result.value.position });
  if (isConflict(result.error)) throw new Error(`webhook endpoint ${endpointId}: its stream changed between every read and append`);
  return err(result.error);
}
