import { isEventType } from '../event-catalogue.ts';
import { deterministicUuid } from '../ids.ts';
import { err, ok, type Result } from '../result.ts';
import { SYSTEM_ACTOR } from '../staff-routing/default-routing-rules.ts';
import { formatTemplateKey, parseTemplateKey, type TemplateContent, type TemplateKey } from './template-content.ts';
import { TEMPLATE_EVENT_TYPES as T, type TemplateRetired, type TemplateVersionPublished } from './template-events.ts';
import { validateTemplateVersion, type TemplateCheck, type TemplateIssue } from './validate-template.ts';

/** One template's stream folded: its latest version, who published it, and whether it is retired. */
export interface TemplateState {
  version: number;
  retired: boolean;
  /** Who published the current version (null before the first). */
  publishedBy: string | null;
  content: TemplateContent | null;
}

export const initialTemplateState: TemplateState = { version: 0, retired: false, publishedBy: null, content: null };

export function evolveTemplate(state: TemplateState, event: { type: string; data: unknown }): TemplateState {
  if (event.type === T.published) {
    const e = event.data as TemplateVersionPublished;
    return { version: e.version, retired: false, publishedBy: e.publishedBy, content: e.content };
  }
  if (event.type === T.retired) return { ...state, retired: true };
  return state;
}

export type TemplateRejection =
  | { kind: 'invalid-key'; field: 'key'; message: string }
  | { kind: 'invalid-template'; issues: TemplateIssue[] }
  | { kind: 'version-conflict'; expectedVersion: number; currentVersion: number }
  | { kind: 'template-not-found'; key: string };

/** A key as text, checked: the event type must be one of ours. */
export function templateKeyOf(text: string): Result<TemplateKey, Extract<TemplateRejection, { kind: 'invalid-key' }>> {
  const parsed = parseTemplateKey(text);
  if (!parsed.ok) return err({ kind: 'invalid-key', field: 'key', message: parsed.reason });
  const { eventType } = parsed.key;
  if (!isEventType(eventType)) return err({ kind: 'invalid-key', field: 'key', message: `"${eventType}" is not an event type of the catalogue` });
  return ok({ ...parsed.key, eventType });
}

export interface PublishTemplateCommand {
  key: TemplateKey;
  content: TemplateContent;
  actor: string;
  note?: string;
  /** Optimistic concurrency: the version the admin edited (0 for a new key). */
  expectedVersion?: number | null;
}

export interface Published {
  key: string;
  version: number;
  /** False when the content equalled the current version: nothing was recorded. */
  created: boolean;
  check: TemplateCheck;
}

const sameContent = (a: TemplateContent | null, b: TemplateContent): boolean => a !== null && JSON.stringify(a) === JSON.stringify(b);

const publishedEvent = (key: TemplateKey, version: number, content: TemplateContent, actor: string, now: Date, note?: string) => {
  const formatted = formatTemplateKey(key);
  const data: TemplateVersionPublished = {
    ...key,
    key: formatted,
    version,
    content,
    publishedBy: actor,
    publishedAt: now.toISOString(),
    ...(note === undefined ? {} : { note }),
  };
  return { id: deterministicUuid('template-event', formatted, version), type: T.published, data, metadata: { actor } };
};

/** Validates and records a new version; the same content as the current version records nothing. */
export function decidePublishTemplate(state: TemplateState, command: PublishTemplateCommand, now: Date): Result<{ events: ReturnType<typeof publishedEvent>[]; answer: Published }, TemplateRejection> {
  const checked = validateTemplateVersion(command.key, command.content);
  if (!checked.ok) return err({ kind: 'invalid-template', issues: checked.error });
  const expected = command.expectedVersion;
  if (expected != null && expected !== state.version) return err({ kind: 'version-conflict', expectedVersion: expected, currentVersion: state.version });
  const key = formatTemplateKey(command.key);
  if (!state.retired && sameContent(state.content, command.content)) return ok({ events: [], answer: { key, version: state.version, created: false, check: checked.value } });
  const version = state.version + 1;
  return ok({
    events: [publishedEvent(command.key, version, command.content, command.actor, now, command.note)],
    answer: { key, version, created: true, check: checked.value },
  });
}

/** Retires a key: planning passes over it until a new version is published. Retiring twice records nothing. */
export function decideRetireTemplate(state: TemplateState, command: { key: string; actor: string }, now: Date): Result<{ events: { id: string; type: string; data: TemplateRetired; metadata: { actor: string } }[]; answer: { key: string; version: number } }, TemplateRejection> {
  if (state.version === 0) return err({ kind: 'template-not-found', key: command.key });
  if (state.retired) return ok({ events: [], answer: { key: command.key, version: state.version } });
  const data: TemplateRetired = { key: command.key, version: state.version, retiredBy: command.actor, retiredAt: now.toISOString() };
  return ok({
    events: [{ id: deterministicUuid('template-retired', command.key, state.version), type: T.retired, data, metadata: { actor: command.actor } }],
    answer: { key: command.key, version: state.version },
  });
}

/**
 * The versions we ship of a default, recorded by `system`: all of them on a new key; on a key whose
 * current version is still the system's own, the ones it lacks. A clinic's edit, or its retirement
 * of the key, is never overwritten.
 */
export function decideInstallDefault(state: TemplateState, shipped: { key: TemplateKey; versions: readonly TemplateContent[] }, now: Date): { events: ReturnType<typeof publishedEvent>[]; installed: number[] } {
  if (state.retired || (state.version > 0 && state.publishedBy !== SYSTEM_ACTOR)) return { events: [], installed: [] };
  const missing = shipped.versions.slice(state.version);
  const events = missing.map((content, i) => publishedEvent(shipped.key, state.version + i + 1, content, SYSTEM_ACTOR, now));
  return { events, installed: events.map((e) => e.data.version) };
}
