import type { Kysely } from 'kysely';
import { approvalOf, whatsAppTemplateId, type TemplateVersionRef, type WhatsAppApprovalView } from '../../domain/templates/choose-template.ts';
import { DEFAULT_TEMPLATES, defaultTemplateVersion } from '../../domain/templates/default-templates.ts';
import { formatTemplateKey, type TemplateContent, type WhatsAppContent } from '../../domain/templates/template-content.ts';
import type { ObservedWhatsAppTemplate, TemplateApprovalState } from '../../domain/templates/template-events.ts';
import type { LedgerPosition } from '../../ledger/event-store.ts';
import { batchStateKind } from '../batch-state.ts';
import type { ReadModelDatabase } from '../read-model-database.ts';
import {
  observationHeadAsOf,
  observationTemplates,
  recordTemplateChanges,
  templateContents,
  templateHeadsAsOf,
  versionId,
  type RecordedTemplateChange,
  type TemplateHead,
} from './templates.queries.ts';

type Db = Kysely<ReadModelDatabase>;

/** The templates and approval states that hold at one ledger position. */
export interface TemplateCatalogueView {
  current(key: string): TemplateVersionRef | null;
  /** Every key's current version, the shipped version 1 of keys never recorded included. */
  all(): TemplateVersionRef[];
  /** Names what the provider had said as of this view: an alert about it is raised once per epoch. */
  epoch: string;
  approval(content: WhatsAppContent): TemplateApprovalState;
}

// A version's content and a snapshot's templates never change once recorded, so they are kept
// across batches, per database (tests run several services in one process, each with its own).
const MAX_CACHED = 5_000;
const contentCaches = new WeakMap<Db, Map<string, TemplateContent>>();
const snapshotCaches = new WeakMap<Db, Map<string, ReadonlyMap<string, ObservedWhatsAppTemplate>>>();
const cacheOf = <V>(caches: WeakMap<Db, Map<string, V>>, db: Db): Map<string, V> => {
  let cache = caches.get(db);
  if (!cache) caches.set(db, (cache = new Map()));
  if (cache.size > MAX_CACHED) cache.clear();
  return cache;
};

/**
 * The template catalogue for one planner batch, as of the first event that asks. Templates and
 * approvals change only through ledger events, and every such event between two events of a batch
 * is in the batch itself: the template reaction calls `changed` on one, and the next ask reloads.
 * A key with no change recorded before the position is planned with the version 1 we ship, so
 * events recorded before the defaults were installed (an upgrade while the planner lags) use it.
 */
export class TemplateCatalogue {
  readonly #db: Db;
  #view: Promise<TemplateCatalogueView> | null = null;
  /** Template changes of the batch not written yet: written together before the next read, or at `flush`. */
  #pending: RecordedTemplateChange[] = [];

  constructor(db: Db) {
    this.#db = db;
  }

  asOf(position: LedgerPosition): Promise<TemplateCatalogueView> {
    this.#view ??= this.flush().then(() => loadView(this.#db, position));
    return this.#view;
  }

  /** A template was published or retired: written with the batch's others, and the next ask reads again. */
  recorded(change: RecordedTemplateChange): void {
    this.#pending.push(change);
    this.#view = null;
  }

  /** What the provider said was applied: the next ask reads again. */
  changed(): void {
    this.#view = null;
  }

  async flush(): Promise<void> {
    const pending = this.#pending;
    this.#pending = [];
    await recordTemplateChanges(this.#db, pending);
  }
}

export const templateCatalogue = batchStateKind('template-catalogue', (db) => new TemplateCatalogue(db), { acrossBatches: true });

/** The catalogue as of `position`; null: as it stands now (the API's view). */
export async function loadView(db: Db, position: LedgerPosition | null): Promise<TemplateCatalogueView> {
  const [heads, observation] = await Promise.all([templateHeadsAsOf(db, position), observationHeadAsOf(db, position)]);
  const contents = cacheOf(contentCaches, db);
  const missing = heads.filter((h) => h.kind === 'published' && !contents.has(versionId(h.key, h.version)));
  const snapshots = cacheOf(snapshotCaches, db);
  const [found, observed] = await Promise.all([
    templateContents(db, missing),
    observation.id === null || snapshots.has(observation.id) ? null : observationTemplates(db, observation.id),
  ]);
  for (const [id, content] of found) contents.set(id, content);
  if (observation.id !== null && observed) snapshots.set(observation.id, new Map(observed.map((t) => [whatsAppTemplateId(t.name, t.language), t])));

  const byKey = new Map<string, TemplateHead>(heads.map((h) => [h.key, h]));
  // The view keeps its own references: the shared cache may be cleared while the view is in use.
  const held = new Map(heads.flatMap((h) => {
    const content = h.kind === 'published' ? contents.get(versionId(h.key, h.version)) : undefined;
    return content ? [[h.key, content] as const] : [];
  }));
  const approvalView: WhatsAppApprovalView = {
    observed: observation.id === null ? null : snapshots.get(observation.id) ?? new Map(),
    refused: new Map(observation.refusals.map((r) => [whatsAppTemplateId(r.name, r.language), r])),
  };
  const view: TemplateCatalogueView = {
    epoch: `${observation.id ?? 'never-synced'}+${observation.refusals.length}`,
    current(key) {
      const head = byKey.get(key);
      if (!head) {
        const shipped = defaultTemplateVersion(key, 1);
        return shipped && { ...refOf(key), version: 1, content: shipped };
      }
      if (head.kind === 'retired') return null;
      const content = held.get(key);
      return content ? { key, version: head.version, locale: head.locale, centreId: head.centreId, content } : null;
    },
    approval: (content) => approvalOf(content, approvalView),
    all() {
      const keys = new Set([...byKey.keys(), ...DEFAULT_TEMPLATES.map((t) => formatTemplateKey(t.key))]);
      return [...keys].flatMap((key) => view.current(key) ?? []);
    },
  };
  return view;
}

function refOf(key: string): { key: string; locale: string; centreId: string | null } {
  const at = key.indexOf('@');
  const base = at === -1 ? key : key.slice(0, at);
  return { key, locale: base.split(':')[2] ?? 'en', centreId: at === -1 ? null : key.slice(at + 1) };
}
