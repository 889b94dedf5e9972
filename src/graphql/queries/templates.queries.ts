import type { Kysely } from 'kysely';
import type { Channel } from '../../domain/event-catalogue.ts';
import { approvalOf, whatsAppTemplateId, type WhatsAppApprovalView } from '../../domain/templates/choose-template.ts';
import { DEFAULT_TEMPLATES, defaultTemplateVersion } from '../../domain/templates/default-templates.ts';
import { formatTemplateKey, parseTemplateKey, type TemplateContent } from '../../domain/templates/template-content.ts';
import type { ObservedWhatsAppTemplate, TemplateApprovalState } from '../../domain/templates/template-events.ts';
import {
  observationHeadAsOf,
  observationTemplates,
  templateContents,
  templateHeadsAsOf,
  templateHistory,
  versionId,
  type ObservationHead,
} from '../../projections/templates/templates.queries.ts';
import type { ReadModelDatabase } from '../../projections/read-model-database.ts';

type Db = Kysely<ReadModelDatabase>;

/** A template key as the API shows it: its current version (or the last one, when retired) and its state at the provider. */
export interface TemplateListing {
  key: string;
  eventType: string;
  channel: Channel;
  locale: string;
  centreId: string | null;
  /** 0 never happens for a listed key: a key never recorded is the shipped version 1. */
  version: number;
  retired: boolean;
  /** True for a shipped default not yet installed in the ledger (its version 1 is what planning uses). */
  shippedOnly: boolean;
  content: TemplateContent | null;
  /** WhatsApp only. */
  approval: TemplateApprovalState | null;
}

export interface TemplateFilter {
  eventType?: string | null;
  channel?: string | null;
  locale?: string | null;
  centreId?: string | null;
  approval?: TemplateApprovalState | null;
}

/** What the WhatsApp provider said last: the snapshot and the refusals since. */
export interface WhatsAppSnapshot {
  head: ObservationHead;
  templates: ObservedWhatsAppTemplate[];
}

export async function whatsAppSnapshot(db: Db): Promise<WhatsAppSnapshot> {
  const head = await observationHeadAsOf(db, null);
  return { head, templates: head.id === null ? [] : await observationTemplates(db, head.id) };
}

export const approvalViewOf = (snapshot: WhatsAppSnapshot): WhatsAppApprovalView => ({
  observed: snapshot.head.id === null ? null : new Map(snapshot.templates.map((t) => [whatsAppTemplateId(t.name, t.language), t])),
  refused: new Map(snapshot.head.refusals.map((r) => [whatsAppTemplateId(r.name, r.language), r])),
});

/** Every key, recorded or shipped, as it stands now, sorted by key; the filter's fields all hold. */
export async function listTemplates(db: Db, filter: TemplateFilter = {}): Promise<TemplateListing[]> {
  const [heads, snapshot] = await Promise.all([templateHeadsAsOf(db, null, filter.eventType ? [filter.eventType] : undefined), whatsAppSnapshot(db)]);
  const contents = await templateContents(db, heads);
  const approvals = approvalViewOf(snapshot);
  const byKey = new Map(heads.map((h) => [h.key, h]));
  const keys = new Set([...byKey.keys(), ...DEFAULT_TEMPLATES.map((t) => formatTemplateKey(t.key))]);
  const listings = [...keys].flatMap((key): TemplateListing[] => {
    const parsed = parseTemplateKey(key);
    if (!parsed.ok) return [];
    const head = byKey.get(key);
    const content = head ? contents.get(versionId(key, head.version)) ?? null : defaultTemplateVersion(key, 1) ?? null;
    return [{
      ...parsed.key,
      key,
      version: head?.version ?? 1,
      retired: head?.kind === 'retired',
      shippedOnly: head === undefined,
      content,
      approval: content?.channel === 'whatsapp' ? approvalOf(content, approvals) : null,
    }];
  });
  return listings
    .filter((t) =>
      (!filter.eventType || t.eventType === filter.eventType) &&
      (!filter.channel || t.channel === filter.channel) &&
      (!filter.locale || t.locale === filter.locale) &&
      (!filter.centreId || t.centreId === filter.centreId) &&
      (!filter.approval || t.approval === filter.approval))
    .sort((a, b) => a.key.localeCompare(b.key));
}

export async function findTemplate(db: Db, key: string): Promise<TemplateListing | null> {
  const parsed = parseTemplateKey(key);
  if (!parsed.ok) return null;
  const found = await listTemplates(db, { eventType: parsed.key.eventType });
  return found.find((t) => t.key === key) ?? null;
}

export interface TemplateChangeView {
  key: string;
  kind: 'published' | 'retired';
  version: number;
  actor: string;
  at: string;
  position: string;
  /** A published version's content; null on a retirement. */
  content: TemplateContent | null;
}

/** Every change of one key, oldest first, each publication with its content. */
export async function templateChanges(db: Db, key: string): Promise<TemplateChangeView[]> {
  const rows = await templateHistory(db, [key]);
  const contents = await templateContents(db, rows.filter((r) => r.kind === 'published'));
  return rows.map((r) => ({
    key: r.key,
    kind: r.kind,
    version: r.version,
    actor: r.actor,
    at: r.at,
    position: r.position,
    content: r.kind === 'published' ? contents.get(versionId(r.key, r.version)) ?? null : null,
  }));
}
