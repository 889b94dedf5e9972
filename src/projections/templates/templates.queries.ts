import { sql, type Kysely } from 'kysely';
import type { TemplateContent } from '../../domain/templates/template-content.ts';
import type { ObservedWhatsAppTemplate, WhatsAppTemplateRefused } from '../../domain/templates/template-events.ts';
import type { LedgerPosition } from '../../ledger/event-store.ts';
import type { ReadModelDatabase } from '../read-model-database.ts';
import { recordedBefore } from '../staff/staff-directory.queries.ts';

type Db = Kysely<ReadModelDatabase>;

const positionColumns = (p: LedgerPosition) => ({ commit_position: p.commit.toString(), prepare_position: p.prepare.toString() });

export interface TemplateChange {
  key: string;
  kind: 'published' | 'retired';
  version: number;
  eventType: string;
  channel: string;
  locale: string;
  centreId: string | null;
  actor: string;
  at: string;
}

/** A publication or retirement at its ledger position, and a published version's content. */
export interface RecordedTemplateChange {
  change: TemplateChange;
  position: LedgerPosition;
  content?: { content: TemplateContent; note?: string };
}

/**
 * Publications and retirements, in one statement per table; a repeated batch writes the same rows
 * again, harmlessly. Contents first: a reader (the API, another instance's planner) that finds a
 * version in the history finds its content too.
 */
export async function recordTemplateChanges(db: Db, changes: readonly RecordedTemplateChange[]): Promise<void> {
  if (changes.length === 0) return;
  const versions = changes.flatMap(({ change, content }) => (content ? [{ key: change.key, version: change.version, content: JSON.stringify(content.content), note: content.note ?? null }] : []));
  if (versions.length > 0) {
    await db
      .insertInto('template_versions')
      .values(versions)
      .onConflict((oc) => oc.columns(['key', 'version']).doNothing())
      .execute();
  }
  await db
    .insertInto('template_history')
    .values(changes.map(({ change, position }) => ({
      key: change.key,
      ...positionColumns(position),
      kind: change.kind,
      version: change.version,
      event_type: change.eventType,
      channel: change.channel,
      locale: change.locale,
      centre_id: change.centreId,
      actor: change.actor,
      changed_at: change.at,
    })))
    .onConflict((oc) => oc.columns(['key', 'commit_position', 'prepare_position']).doNothing())
    .execute();
}

export interface TemplateHead {
  key: string;
  kind: 'published' | 'retired';
  version: number;
  locale: string;
  centreId: string | null;
}

/** Each key's last change before `position`, for these event types (all when omitted). */
export async function templateHeadsAsOf(db: Db, position: LedgerPosition | null, eventTypes?: readonly string[]): Promise<TemplateHead[]> {
  let query = db
    .selectFrom('template_history')
    .distinctOn('key')
    .select(['key', 'kind', 'version', 'locale', 'centre_id'])
    .orderBy('key')
    .orderBy('commit_position', 'desc')
    .orderBy('prepare_position', 'desc');
  if (position) query = query.where(recordedBefore(position));
  if (eventTypes) query = query.where('event_type', '=', sql<string>`any(${[...eventTypes]}::text[])`);
  const rows = await query.execute();
  return rows.map((r) => ({ key: r.key, kind: r.kind, version: r.version, locale: r.locale, centreId: r.centre_id }));
}

/** The content of these versions (absent when not recorded). */
export async function templateContents(db: Db, versions: readonly { key: string; version: number }[]): Promise<Map<string, TemplateContent>> {
  if (versions.length === 0) return new Map();
  const rows = await db
    .selectFrom('template_versions')
    .select(['key', 'version', 'content'])
    .where(sql<boolean>`(key, version) in (select * from unnest(${versions.map((v) => v.key)}::text[], ${versions.map((v) => v.version)}::int[]))`)
    .execute();
  return new Map(rows.map((r) => [versionId(r.key, r.version), r.content as TemplateContent]));
}

export const versionId = (key: string, version: number): string => `${key}#${version}`;

export async function recordWhatsAppObservation(db: Db, position: LedgerPosition, o: { observedBy: string; observedAt: string; templates: ObservedWhatsAppTemplate[] }): Promise<void> {
  await db
    .insertInto('whatsapp_template_observations')
    .values({ ...positionColumns(position), observed_by: o.observedBy, observed_at: o.observedAt, templates: JSON.stringify(o.templates) })
    .onConflict((oc) => oc.columns(['commit_position', 'prepare_position']).doNothing())
    .execute();
}

export async function recordWhatsAppRefusal(db: Db, position: LedgerPosition, r: WhatsAppTemplateRefused): Promise<void> {
  await db
    .insertInto('whatsapp_template_refusals')
    .values({
      ...positionColumns(position),
      name: r.name,
      language: r.language,
      state: r.state,
      code: r.code,
      notification_id: r.notificationId,
      refused_at: r.refusedAt,
    })
    .onConflict((oc) => oc.columns(['commit_position', 'prepare_position']).doNothing())
    .execute();
}

export interface ObservationHead {
  /** `commit:prepare` of the snapshot, null when the account was never synced. */
  id: string | null;
  observedAt: Date | null;
  refusals: { name: string; language: string; state: WhatsAppTemplateRefused['state']; code: string }[];
}

/** The latest snapshot before `position` (its id only) and the refusals recorded after it, oldest first. */
export async function observationHeadAsOf(db: Db, position: LedgerPosition | null): Promise<ObservationHead> {
  let latest = db.selectFrom('whatsapp_template_observations').select(['commit_position', 'prepare_position', 'observed_at']);
  if (position) latest = latest.where(recordedBefore(position));
  const head = await latest.orderBy('commit_position', 'desc').orderBy('prepare_position', 'desc').limit(1).executeTakeFirst();
  let refusals = db.selectFrom('whatsapp_template_refusals').select(['name', 'language', 'state', 'code']);
  if (position) refusals = refusals.where(recordedBefore(position));
  if (head) {
    refusals = refusals.where(
      sql<boolean>`(commit_position, prepare_position) > (cast(${head.commit_position} as numeric), cast(${head.prepare_position} as numeric))`,
    );
  }
  const rows = await refusals.orderBy('commit_position').orderBy('prepare_position').execute();
  return {
    id: head ? `${head.commit_position}:${head.prepare_position}` : null,
    observedAt: head ? new Date(head.observed_at) : null,
    refusals: rows.map((r) => ({ name: r.name, language: r.language, state: r.state as WhatsAppTemplateRefused['state'], code: r.code })),
  };
}

/** A snapshot's templates, by its id from `observationHeadAsOf`. */
export async function observationTemplates(db: Db, id: string): Promise<ObservedWhatsAppTemplate[]> {
  const [commit, prepare] = id.split(':') as [string, string];
  const row = await db
    .selectFrom('whatsapp_template_observations')
    .select('templates')
    .where('commit_position', '=', commit)
    .where('prepare_position', '=', prepare)
    .executeTakeFirst();
  return row ? (row.templates as ObservedWhatsAppTemplate[]) : [];
}

export interface TemplateHistoryRow extends TemplateChange {
  position: string;
}

/** Every change of these keys (all keys when omitted), oldest first: the API's view. */
export async function templateHistory(db: Db, keys?: readonly string[]): Promise<TemplateHistoryRow[]> {
  let query = db.selectFrom('template_history').selectAll().orderBy('commit_position').orderBy('prepare_position');
  if (keys) query = query.where('key', '=', sql<string>`any(${[...keys]}::text[])`);
  const rows = await query.execute();
  return rows.map((r) => ({
    key: r.key,
    kind: r.kind,
    version: r.version,
    eventType: r.event_type,
    channel: r.channel,
    locale: r.locale,
    centreId: r.centre_id,
    actor: r.actor,
    at: new Date(r.changed_at).toISOString(),
    position: `${r.commit_position}:${r.prepare_position}`,
  }));
}
