import type { KeyScope, PersonKind, PersonRef } from '../domain/keys/personal-data.ts';
import { randomBytes, randomUUID } from 'node:crypto';
import { sql, type Kysely, type RawBuilder } from 'kysely';
import type { Clock } from '../domain/clock.ts';
import { DATA_KEY_BYTES, unwrapDataKey, wrapDataKey, type DataKey, type DestroyedKey } from '../domain/keys/field-cipher.ts';
import type { LedgerKeys } from '../domain/keys/ledger-keys.ts';
import { err, ok, type Result } from '../domain/result.ts';
import { ledgerMigrations } from './migrations/ledger-migrations.ts';
import { listenForNotifications, type NotificationListener } from './notification-listener.ts';
import { PersonKeyCache } from './person-key-cache.ts';
import { runMigrations } from './run-migrations.ts';
import type { PostgresTimeouts, SqlConnection } from './sql-connection.ts';

/*
 * The key store of crypto-shredding: each person (a patient or a staff member, by id) has one live
 * data key per scope ('data', or 'content:YYYY-MM' for one month of recorded message content), kept
 * wrapped in `person_keys` beside the ledger tables. Destroying a person's keys erases everything
 * ever encrypted under them, wherever copies of the ciphertext went. The table lives with the ledger
 * (its migrations), not with the read models: a rebuild or a drop of those never touches it. With a
 * KurrentDB ledger the same migrations run on the SQL database for it.
 *
 * Writes (the encrypting decorator, once per append batch) call `liveKeys` for every person in the
 * batch: ONE statement that inserts a new key where a person has none (on conflict with the live
 * key, nothing) and answers each person's live key. It always asks the table, cached or not, so
 * an erasure committed by another instance is seen before this instance's next write: the
 * destroyed key is no longer live and the answer is a new key. The insert is a statement of its own
 * on the durable pool, so a key is committed before the append that uses it. One round trip per
 * batch; two only when another instance creates the same person's first key at the same instant.
 * A write racing the erasure itself (keys taken just before it, appended just after) is encrypted
 * under the destroyed key: unreadable everywhere once caches forget it. `assertLive` checks key ids
 * already in hand, in one statement, for callers that hold them.
 *
 * Reads (decrypting for the API, projections, replay) call `keyById`/`keysById`: unwrapped keys are
 * kept in a bounded LRU (live keys and destroyed markers alike), so a replay asks once per key, not
 * per event. On PostgreSQL every destruction is NOTIFY'd on `person_keys_destroyed` (key ids only,
 * in the transaction that destroys them); every instance LISTENs and forgets those keys. Live keys
 * are cached only while that LISTEN holds: a lost connection clears the cache, and a reply that
 * raced a notification is answered but not cached. PGlite is one process: nobody else destroys.
 *
 * A wrong master key fails clearly: `open` unwraps a check value written at the first start (or, at
 * worst, one live key) and throws `MasterKeyMismatch` before anything is written; any later unwrap
 * that fails throws the same error, never GCM's message.
 */

/** A patient or staff member by id, or a contact by its keyed hash (src/domain/keys/personal-data.ts). */
export type Person = Readonly<PersonRef>;
export type { KeyScope, PersonKind };

export interface KeyRequest {
  readonly person: Person;
  readonly scope?: KeyScope;
}

/** Keys destroyed since they were handed out: whatever was about to be written under them must not be. */
export class KeyDestroyed extends Error {
  override readonly name = 'KeyDestroyed';
  constructor(readonly keyIds: readonly string[]) {
    super(`personal data keys destroyed (the person was erased): ${keyIds.join(', ')}`);
  }
}

/** The master key is not the one this database's keys were wrapped with. */
export class MasterKeyMismatch extends Error {
  override readonly name = 'MasterKeyMismatch';
  constructor() {
    super(
      'LEDGER_MASTER_KEY does not match the master key this database was started with: the personal data keys in ' +
        'person_keys do not unwrap under it. Start with the original master key (restore it from its backup); nothing was changed.',
    );
  }
}

export interface PersonKeyStoreOptions {
  /** PostgreSQL only, and required there: the database URL, to LISTEN for keys other instances destroy. */
  databaseUrl?: string;
  /** Unwrapped keys and destroyed markers kept in memory, least recently used dropped first. */
  cacheSize?: number;
  clock?: Clock;
  /** For the LISTEN connection: the configuration's PG_* timeouts. */
  timeouts?: Partial<PostgresTimeouts>;
}


/**
 * The first month not wholly older than `days` before `now`: every content month before it ended at
 * least that long ago, so `destroyContentKeysBefore` may destroy its keys.
 */
export const retentionCutoffMonth = (now: Date, days: number): string => new Date(now.getTime() - days * 86_400_000).toISOString().slice(0, 7);

const CHANNEL = 'person_keys_destroyed';
/** Key ids per NOTIFY: a payload must stay under PostgreSQL's 8,000 bytes. */
const IDS_PER_NOTIFY = 150;
const MASTER_CHECK_ID = 'person-key-master-check';
/** Key ids as this store makes them (randomUUID): lower case, so the cache and the table name them alike. */
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
const SCOPE = /^(data|content:[0-9]{4}-[0-9]{2})$/;

/**
 * Each wanted key: inserted where the person has no live key in that scope, else the live one (a
 * row without a new key, for a person whose key is cached, only asks for the live one). The
 * final select reads the table as of the statement's start, so it sees the keys that existed, and
 * `created` names the keys this statement made (their bytes are the caller's already). A key made
 * by a concurrent statement is in neither: the caller asks again. Rows go in in one order whatever
 * the caller's: an insert waits for a concurrent one of the same person, and two batches taking
 * people in opposite orders would each wait for the other. Each live key is its own index probe
 * (the lateral): a join was planned, without statistics, as a hash of every live key in the table.
 */
const LIVE_KEYS = `
  with wanted as (
    select w.ord::int as ord, w.kind, w.id, w.scope, w.new_key_id::uuid as new_key_id, decode(w.new_wrapped, 'hex') as new_wrapped
      from unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[]) with ordinality as w(kind, id, scope, new_key_id, new_wrapped, ord)
  ),
  created as (
    insert into person_keys (key_id, person_kind, person_id, scope, wrapped, created_at)
    select new_key_id, kind, id, scope, new_wrapped, $6::timestamptz from wanted
     where new_key_id is not null
     order by kind, id, scope
    on conflict (person_kind, person_id, scope) where destroyed_at is null do nothing
    returning key_id
  )
  select w.ord, w.new_key_id::text as key_id, null::bytea as wrapped
    from wanted w where w.new_key_id in (select c.key_id from created c)
  union all
  select w.ord, k.key_id::text, k.wrapped
    from wanted w
    cross join lateral (
      select l.key_id, l.wrapped from person_keys l
       where l.person_kind = w.kind and l.person_id = w.id and l.scope = w.scope and l.destroyed_at is null
       limit 1
    ) k`;

interface LiveKeyRow {
  ord: number;
  key_id: string;
  wrapped: Uint8Array | null;
}

interface KeyRow {
  key_id: string;
  person_kind: string;
  person_id: string;
  scope: string;
  wrapped: Uint8Array | null;
  destroyed_at: Date | string | null;
  destroyed_reason: string | null;
}

export class PersonKeyStore {
  readonly #connection: SqlConnection;
  readonly #db: Kysely<unknown>;
  readonly #wrapping: Buffer;
  readonly #clock: Clock;
  readonly #cache: PersonKeyCache;
  /** Names this instance's notifications, so its listener skips its own. */
  readonly #instance = randomUUID();
  #listener: NotificationListener | null = null;
  /** Grows with every notification heard and every cache reset: a read that spans one caches nothing live. */
  #invalidations = 0;

  private constructor(connection: SqlConnection, keys: Pick<LedgerKeys, 'keyWrapping'>, options: PersonKeyStoreOptions) {
    this.#connection = connection;
    this.#db = connection.db;
    this.#wrapping = keys.keyWrapping;
    this.#clock = options.clock ?? { now: () => new Date() };
    this.#cache = new PersonKeyCache(options.cacheSize ?? 10_000);
  }

  /** Migrates, refuses a master key that does not match (`MasterKeyMismatch`, nothing written), and listens. */
  static async open(connection: SqlConnection, keys: Pick<LedgerKeys, 'keyWrapping'>, options: PersonKeyStoreOptions = {}): Promise<PersonKeyStore> {
    if (connection.kind === 'postgres' && !options.databaseUrl) throw new Error('PersonKeyStore on PostgreSQL needs databaseUrl, to hear of keys other instances destroy');
    await runMigrations(connection.db, 'ledger_migration', ledgerMigrations);
    const store = new PersonKeyStore(connection, keys, options);
    const verified = await store.verifyMasterKey();
    if (!verified.ok) throw verified.error;
    if (connection.kind === 'postgres') {
      store.#listener = await listenForNotifications(options.databaseUrl!, CHANNEL, {
        onPayload: (payload) => store.#heard(payload),
        onGap: () => store.#forgetAll(),
      }, { applicationName: 'clinic-notification-ledger:person-keys', ...(options.timeouts ? { timeouts: options.timeouts } : {}) });
    }
    return store;
  }

  /** The person's live key in `scope`, made (and committed) if they have none. One round trip. */
  async liveKey(person: Person, scope: KeyScope = 'data'): Promise<DataKey> {
    const [key] = await this.liveKeys([{ person, scope }]);
    return key!;
  }

  /**
   * The live key of each request, in order, made (and committed) where there is none. Keys this
   * instance holds live come from memory with no round trip: an erasure elsewhere reaches this
   * cache through NOTIFY (and a lost LISTEN connection empties it), so a write racing an erasure by
   * the few milliseconds the notification takes is sealed under a key already destroyed, readable
   * by nobody once caches drop it. The others take one statement for the whole batch, checked
   * against the table.
   */
  async liveKeys(requests: readonly KeyRequest[]): Promise<DataKey[]> {
    const slots = new Map<string, { person: Person; scope: KeyScope }>();
    // Every write asks: the keys held are answered from memory in this one pass.
    const held: DataKey[] = [];
    for (const { person, scope = 'data' } of requests) {
      const slot = slotOf(person, scope);
      slots.set(slot, { person, scope });
      const key = this.#cache.liveKeyOf(slot);
      if (key) held.push(key);
    }
    if (held.length === requests.length) return held;
    const found = new Map<string, DataKey>();
    for (let attempt = 0; found.size < slots.size; attempt++) {
      if (attempt === 3) throw new Error('person_keys: no live key after three attempts');
      const pending = [...slots].filter(([slot]) => !found.has(slot));
      // A key made for a person whose live key is cached would only be thrown away: the statement
      // is asked for their live key alone, and made one only on the next attempt if it is gone.
      const known = pending.map(([slot]) => (attempt === 0 ? this.#cache.liveKeyOf(slot) : undefined));
      const fresh = known.map((cached) => (cached ? null : Object.freeze({ keyId: randomUUID(), key: randomBytes(DATA_KEY_BYTES) })));
      const invalidations = this.#invalidations;
      const rows = await this.#connection.run<LiveKeyRow>({
        name: 'person_keys_live',
        text: LIVE_KEYS,
        values: [
          pending.map(([, s]) => s.person.kind),
          pending.map(([, s]) => s.person.id),
          pending.map(([, s]) => s.scope),
          fresh.map((f) => f?.keyId ?? null),
          fresh.map((f) => (f ? wrapDataKey(this.#wrapping, f.keyId, f.key).toString('hex') : null)),
          this.#clock.now().toISOString(),
        ],
      });
      // A key this statement made wins over one its snapshot still saw live (destroyed meanwhile).
      rows.sort((a, b) => Number(b.wrapped === null) - Number(a.wrapped === null));
      for (const row of rows) {
        const [slot] = pending[row.ord - 1]!;
        if (found.has(slot)) continue;
        const made = fresh[row.ord - 1];
        const cached = known[row.ord - 1];
        const key = row.key_id === made?.keyId ? made : row.key_id === cached?.keyId ? cached : this.#unwrap(row.key_id, row.wrapped!);
        found.set(slot, key);
        if (this.#cachesLive(invalidations)) this.#cache.putLive(key, slot);
      }
    }
    return requests.map(({ person, scope = 'data' }) => found.get(slotOf(person, scope))!);
  }

  /** A key by the id a ciphertext names: the key, its destruction, or null for an id never made. */
  async keyById(keyId: string): Promise<DataKey | DestroyedKey | null> {
    return (await this.keysById([keyId])).get(keyId) ?? null;
  }

  /** Keys by id, from the cache, and in one round trip for those it lacks. */
  async keysById(keyIds: readonly string[]): Promise<Map<string, DataKey | DestroyedKey | null>> {
    const answers = new Map<string, DataKey | DestroyedKey | null>();
    const missing: string[] = [];
    for (const keyId of new Set(keyIds)) {
      const cached = UUID.test(keyId) ? this.#cache.get(keyId) : null;
      if (cached === null) answers.set(keyId, null);
      else if (cached) answers.set(keyId, 'live' in cached ? cached.live : cached.destroyed);
      else missing.push(keyId);
    }
    if (missing.length === 0) return answers;
    const invalidations = this.#invalidations;
    for (const row of await this.#rowsOf(missing)) {
      if (row.wrapped === null) {
        const destroyed = toDestroyed(row);
        this.#cache.putDestroyed(destroyed);
        answers.set(row.key_id, destroyed);
      } else {
        const key = this.#unwrap(row.key_id, row.wrapped);
        if (this.#cachesLive(invalidations)) this.#cache.putLive(key, slotOf({ kind: row.person_kind as PersonKind, id: row.person_id }, row.scope as KeyScope));
        answers.set(row.key_id, key);
      }
    }
    for (const keyId of missing) if (!answers.has(keyId)) answers.set(keyId, null);
    return answers;
  }

  /**
   * Throws `KeyDestroyed` naming those of `keyIds` destroyed by now, and forgets them: one query,
   * for a writer about to append under keys it already holds. An id never made is a bug, and throws.
   */
  async assertLive(keyIds: readonly string[]): Promise<void> {
    const ids = [...new Set(keyIds)];
    if (ids.length === 0) return;
    const bad = ids.find((id) => !UUID.test(id));
    if (bad !== undefined) throw new Error(`not a key id: ${bad}`);
    const rows = await this.#rowsOf(ids);
    if (rows.length !== ids.length) throw new Error(`unknown key ids: ${ids.filter((id) => !rows.some((r) => r.key_id === id)).join(', ')}`);
    const destroyed = rows.filter((r) => r.wrapped === null).map(toDestroyed);
    for (const d of destroyed) this.#cache.putDestroyed(d);
    if (destroyed.length > 0) throw new KeyDestroyed(destroyed.map((d) => d.keyId));
  }

  /** Destroys every key of the person, in every scope; tells the other instances. Answers how many. */
  async destroyPerson(person: Person, reason: string): Promise<number> {
    checkPerson(person);
    return this.#destroy(sql`person_kind = ${person.kind} and person_id = ${person.id}`, reason);
  }

  /**
   * A key for each request, destroyed from the start: its row keeps whose it was, when and why, and
   * its bytes exist only in the answer. For sealing data of a person erased before that data was
   * sealed (`npm run migrate:encrypt`): it then reads `[erased]`, as the erasure meant, and not
   * under the live key a later event of theirs may have.
   */
  async destroyedKeys(requests: readonly KeyRequest[], reason: string): Promise<DataKey[]> {
    const made = requests.map(({ person, scope = 'data' }) => {
      slotOf(person, scope);
      return { person, scope, keyId: randomUUID(), key: randomBytes(DATA_KEY_BYTES) };
    });
    if (made.length === 0) return [];
    const at = this.#clock.now();
    await sql`
      insert into person_keys (key_id, person_kind, person_id, scope, wrapped, created_at, destroyed_at, destroyed_reason)
      select k.key_id::uuid, k.kind, k.id, k.scope, null, ${at.toISOString()}::timestamptz, ${at.toISOString()}::timestamptz, ${reason}
        from unnest(${made.map((m) => m.keyId)}::text[], ${made.map((m) => m.person.kind)}::text[],
                    ${made.map((m) => m.person.id)}::text[], ${made.map((m) => m.scope)}::text[]) as k(key_id, kind, id, scope)
    `.execute(this.#db);
    for (const { keyId } of made) this.#cache.putDestroyed({ destroyed: true, keyId, at, reason });
    return made.map(({ keyId, key }) => ({ keyId, key }));
  }

  /** Destroys the content keys of every month before `month` ('YYYY-MM'), for retention. Answers how many. */
  async destroyContentKeysBefore(month: string, reason = 'retention'): Promise<number> {
    if (!/^[0-9]{4}-[0-9]{2}$/.test(month)) throw new Error(`not a month (YYYY-MM): ${month}`);
    return this.#destroy(sql`scope like 'content:%' and scope < ${`content:${month}`}`, reason);
  }

  /**
   * Whether the master key is the one this database's keys were wrapped with: it unwraps the check
   * value written at the first start, or, where there is none yet, one live key; then writes the
   * check value if it was missing. A mismatch changes nothing.
   */
  async verifyMasterKey(): Promise<Result<'verified' | 'first-start', MasterKeyMismatch>> {
    const readCheck = async () => (await sql<{ check_wrapped: Uint8Array }>`select check_wrapped from person_key_master`.execute(this.#db)).rows[0];
    const opens = (wrapped: Uint8Array, keyId: string) => unwrapDataKey(this.#wrapping, keyId, wrapped).ok;
    const check = await readCheck();
    if (check) return opens(check.check_wrapped, MASTER_CHECK_ID) ? ok('verified') : err(new MasterKeyMismatch());
    const { rows } = await sql<{ key_id: string; wrapped: Uint8Array }>`
      select key_id::text, wrapped from person_keys where wrapped is not null limit 1
    `.execute(this.#db);
    if (rows[0] && !opens(rows[0].wrapped, rows[0].key_id)) return err(new MasterKeyMismatch());
    const wrapped = wrapDataKey(this.#wrapping, MASTER_CHECK_ID, Buffer.alloc(DATA_KEY_BYTES));
    await sql`insert into person_key_master (check_wrapped) values (${wrapped}) on conflict do nothing`.execute(this.#db);
    // Another instance, started at the same moment under another master key, may have written first.
    const written = await readCheck();
    if (!written || !opens(written.check_wrapped, MASTER_CHECK_ID)) return err(new MasterKeyMismatch());
    return ok(rows[0] ? 'verified' : 'first-start');
  }

  /** The cache's fill and use, for metrics and tests. */
  cacheStats(): { size: number; bound: number; hits: number; misses: number } {
    return this.#cache.stats();
  }

  async close(): Promise<void> {
    await this.#listener?.close();
    this.#cache.clear();
  }

  async #rowsOf(keyIds: readonly string[]): Promise<KeyRow[]> {
    const { rows } = await sql<KeyRow>`
      select key_id::text, person_kind, person_id, scope, wrapped, destroyed_at, destroyed_reason
        from person_keys where key_id = any(${[...keyIds]}::uuid[])
    `.execute(this.#db);
    return rows;
  }

  async #destroy(which: RawBuilder<unknown>, reason: string): Promise<number> {
    const at = this.#clock.now();
    const keyIds = await this.#db.transaction().execute(async (trx) => {
      // Locked in key order: two erasures of the same keys never wait for each other in a circle.
      const { rows } = await sql<{ key_id: string }>`
        update person_keys set wrapped = null, destroyed_at = ${at.toISOString()}::timestamptz, destroyed_reason = ${reason}
         where key_id in (select key_id from person_keys where ${which} and destroyed_at is null order by key_id for update)
        returning key_id::text
      `.execute(trx);
      const ids = rows.map((r) => r.key_id);
      // Sent at commit, with the destruction, or not at all.
      if (this.#connection.kind === 'postgres') {
        for (let i = 0; i < ids.length; i += IDS_PER_NOTIFY) {
          await sql`select pg_notify(${CHANNEL}, ${`${this.#instance}:${ids.slice(i, i + IDS_PER_NOTIFY).join(',')}`})`.execute(trx);
        }
      }
      return ids;
    });
    for (const keyId of keyIds) this.#cache.putDestroyed({ destroyed: true, keyId, at, reason });
    this.#tell(keyIds);
    return keyIds.length;
  }

  #unwrap(keyId: string, wrapped: Uint8Array): DataKey {
    const key = unwrapDataKey(this.#wrapping, keyId, wrapped);
    if (!key.ok) throw new MasterKeyMismatch();
    return Object.freeze({ keyId, key: key.value });
  }

  /** Live keys may be cached while nothing was heard since the read began, and someone listens for erasures. */
  #cachesLive(invalidationsAtStart: number): boolean {
    return this.#invalidations === invalidationsAtStart && (this.#connection.kind === 'pglite' || this.#listener?.listening === true);
  }

  /** Keys another instance destroyed: `<its instance id>:<key id>,<key id>...`. */
  #heard(payload: string): void {
    const [from, ids = ''] = payload.split(':');
    if (from === this.#instance) return;
    this.#invalidations++;
    const keyIds = ids.split(',');
    for (const keyId of keyIds) this.#cache.forget(keyId);
    this.#tell(keyIds);
  }

  #forgetAll(): void {
    this.#invalidations++;
    this.#cache.clear();
    this.#tell('all');
  }

  readonly #forgetters = new Set<(keyIds: readonly string[] | 'all') => void>();

  /**
   * Told of keys this instance must stop using: destroyed here or elsewhere, or every key when the
   * LISTEN connection was lost. Whatever holds data opened with them (the ledger's opened-event
   * cache) drops it.
   */
  onForget(listener: (keyIds: readonly string[] | 'all') => void): () => void {
    this.#forgetters.add(listener);
    return () => this.#forgetters.delete(listener);
  }

  #tell(keyIds: readonly string[] | 'all'): void {
    for (const listener of this.#forgetters) listener(keyIds);
  }
}

function checkPerson(person: Person): void {
  if (person.kind !== 'patient' && person.kind !== 'staff' && person.kind !== 'contact') throw new Error(`not a person kind: ${String(person.kind)}`);
  if (typeof person.id !== 'string' || person.id.length === 0) throw new Error('a person id is a non-empty string');
}

function slotOf(person: Person, scope: KeyScope): string {
  checkPerson(person);
  if (!SCOPE.test(scope)) throw new Error(`not a key scope: ${scope}`);
  return `${person.kind}\u0000${person.id}\u0000${scope}`;
}

function toDestroyed(row: KeyRow): DestroyedKey {
  const at = row.destroyed_at instanceof Date ? row.destroyed_at : new Date(row.destroyed_at!);
  return { destroyed: true, keyId: row.key_id, at, reason: row.destroyed_reason };
}
