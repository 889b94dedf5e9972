import { createHmac } from 'node:crypto';
import { sql, type Kysely } from 'kysely';
import type { Migration } from 'kysely/migration';

// Preference streams were named after the address itself (`preference-whatsapp:+9198…`,
// `preference-email:a@b`, `preference-push:<device token>`). They move to
// `preference-contact:<channel>:<contact hash>`, the HMAC-SHA256 of `<kind>\0<address>` under the
// contact key, which is what `streamName.contactPreference` builds (a test holds the two together).
// The hash is computed here rather than imported, so this migration keeps meaning what it meant.
//
// A stream keeps its events, their ids, revisions, transaction ids and global positions: only the
// name changes, in place, so checkpoints stay valid and a replay reads the same ledger order. Two
// old names can hash alike (`Asha@x` and `asha@x`: emails hash case-insensitively, and addresses
// trimmed), and a stream of the new name may already exist; those become one stream, its revisions
// numbered again in ledger order. Nothing reads a preference stream from a revision, and the read
// models fold preference events by the address in their data, never by the stream.
//
// The ledger's stream table is locked against appends (reads go on) while it runs, all in the
// migrator's one transaction: no append can land under an old name between the look and the rename,
// and a crash leaves every stream as it was.

const CHANNEL_KINDS = { whatsapp: 'phone', sms: 'phone', email: 'email', push: 'push-token', in_app: 'staff-id' } as const;
const OLD_NAME = /^preference-(whatsapp|sms|email|push|in_app):(.+)$/s;
const BATCH = 1000;

export interface PreferenceStreamsRenamed {
  /** Streams that took their new name as they were. */
  renamed: number;
  /** Streams of the new name made from more than one stream. */
  merged: number;
}

/** The stream's name under the contact key, or null for a name this migration leaves alone. */
export function keyedPreferenceStreamName(contactKey: Buffer, name: string): string | null {
  const match = OLD_NAME.exec(name);
  if (!match) return null;
  const channel = match[1] as keyof typeof CHANNEL_KINDS;
  const kind = CHANNEL_KINDS[channel];
  const address = kind === 'email' ? match[2]!.trim().toLowerCase() : match[2]!.trim();
  return `preference-contact:${channel}:${createHmac('sha256', contactKey).update(`${kind}\u0000${address}`).digest('hex')}`;
}

export async function renamePreferenceStreams(db: Kysely<unknown>, contactKey: Buffer): Promise<PreferenceStreamsRenamed> {
  await sql`lock table ledger_streams in exclusive mode`.execute(db);
  const { rows } = await sql<{ stream_name: string }>`select stream_name from ledger_streams where stream_name like 'preference-%'`.execute(db);
  const sources = new Map<string, string[]>();
  for (const { stream_name: name } of rows) {
    const target = keyedPreferenceStreamName(contactKey, name);
    if (target !== null) sources.set(target, [...(sources.get(target) ?? []), name]);
  }
  if (sources.size === 0) return { renamed: 0, merged: 0 };
  const { rows: existing } = await sql<{ stream_name: string }>`
    select stream_name from ledger_streams where stream_name = any(${[...sources.keys()]}::text[])
  `.execute(db);
  const taken = new Set(existing.map((r) => r.stream_name));

  const moves: [string, string][] = [];
  const merges: [string, string[]][] = [];
  for (const [target, names] of sources) {
    if (names.length === 1 && !taken.has(target)) moves.push([names[0]!, target]);
    else merges.push([target, taken.has(target) ? [...names, target] : names]);
  }
  for (let i = 0; i < moves.length; i += BATCH) {
    const batch = moves.slice(i, i + BATCH);
    const from = batch.map(([old]) => old);
    const to = batch.map(([, target]) => target);
    await sql`
      update ledger_events e set stream_name = m.target
        from unnest(${from}::text[], ${to}::text[]) as m(old, target)
       where e.stream_name = m.old
    `.execute(db);
    await sql`
      update ledger_streams s set stream_name = m.target
        from unnest(${from}::text[], ${to}::text[]) as m(old, target)
       where s.stream_name = m.old
    `.execute(db);
  }
  for (const [target, names] of merges) await mergeStreams(db, target, names);
  return { renamed: moves.length, merged: merges.length };
}

/**
 * The events of `names` as one stream `target`, in ledger order. Revisions are first written
 * negative, then turned, so the unique (stream, revision) never sees two rows alike midway.
 */
async function mergeStreams(db: Kysely<unknown>, target: string, names: string[]): Promise<void> {
  await sql`
    with ordered as (
      select global_position, row_number() over (order by transaction_id, global_position) as rank
        from ledger_events
       where stream_name = any(${names}::text[])
    )
    update ledger_events e set stream_name = ${target}, stream_revision = -o.rank
      from ordered o
     where e.global_position = o.global_position
  `.execute(db);
  await sql`update ledger_events set stream_revision = -stream_revision - 1 where stream_name = ${target} and stream_revision < 0`.execute(db);
  await sql`delete from ledger_streams where stream_name = any(${names}::text[]) and stream_name <> ${target}`.execute(db);
  await sql`
    insert into ledger_streams (stream_name, revision)
      select ${target}, max(stream_revision) from ledger_events where stream_name = ${target}
      on conflict (stream_name) do update set revision = excluded.revision
  `.execute(db);
}

/** The migration, under the master key's contact key; `report` hears what it did. */
export function preferenceStreamsByKeyedHash(contactKey: Buffer, report: (done: PreferenceStreamsRenamed) => void = () => undefined): Migration {
  return {
    async up(db: Kysely<unknown>) {
      report(await renamePreferenceStreams(db, contactKey));
    },
  };
}
