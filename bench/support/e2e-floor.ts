import amqp, { type Channel, type ChannelModel, type ConsumeMessage } from 'amqplib';
import pg from 'pg';
import { PATIENT_CHANNELS, type Channel as MessageChannel, type PatientEventType } from '../../src/domain/event-catalogue.ts';
import { notificationIdFor } from '../../src/domain/notifications/plan-notifications.ts';
import { declareTopology, type IntakeTopology } from '../../src/intake/topology.ts';
import { waitForWake } from '../../src/ledger/wait-for-wake.ts';

/**
 * The floor of the end-to-end path: the same durable steps the service must take for every event,
 * and nothing else, in one process on the same PostgreSQL and RabbitMQ. An event is written to a
 * ledger table (gap-free order, unique stream revisions) before its message is acked; a planner lane
 * reads the ledger and writes one planned event per channel; a read-model lane keeps one row per
 * notification (asynchronous commit, checkpoint in the same statement); a dispatcher claims rows
 * with SKIP LOCKED, writes the attempt at the next revision before the send and the outcome after
 * it. Left out: validation, dedup windows, templates, contacts, preferences, reminders, walk-in
 * queues, staff routing, every other read model, metrics and logs. Each step is one statement for
 * whatever is waiting, on prepared statements.
 */
export interface E2eFloorOptions {
  databaseUrl: string;
  amqpUrl: string;
  topology: IntakeTopology;
  prefetch: number;
  /** The transport call: the moment the end-to-end latency ends. */
  onSent(notificationId: string): void;
}

interface LedgerRow {
  position: string;
  tx: string;
  stream: string;
  revision: number;
  type: string;
  data: { eventId?: string; type?: string; data?: { patient?: { id?: string } } } & Record<string, unknown>;
}

interface NewLedgerRow {
  stream: string;
  revision: number;
  type: string;
  data: unknown;
}

const SCHEMA = `
  create table if not exists floor_ledger (
    position bigint generated always as identity primary key,
    tx xid8 not null default pg_current_xact_id(),
    stream text not null,
    revision int not null,
    type text not null,
    data jsonb not null,
    recorded_at timestamptz not null default now(),
    unique (stream, revision)
  );
  create index if not exists floor_ledger_order on floor_ledger (tx, position);
  create table if not exists floor_deliveries (
    id text primary key,
    status text not null,
    revision int not null,
    due_at timestamptz not null,
    locked_until timestamptz,
    data jsonb
  );
  create index if not exists floor_deliveries_due on floor_deliveries (due_at) where status = 'planned';
  create table if not exists floor_checkpoints (name text primary key, tx xid8 not null, position bigint not null);
`;

const APPEND = {
  name: 'floor_append',
  text: `insert into floor_ledger (stream, revision, type, data)
         select stream, revision, type, data from json_to_recordset($1::json) as r(stream text, revision int, type text, data jsonb)
         on conflict do nothing
         returning stream`,
};

const READ = {
  name: 'floor_read',
  text: `select position::text, tx::text, stream, revision, type, data
           from floor_ledger
          where (tx, position) > ($1::xid8, $2::bigint) and tx < pg_snapshot_xmin(pg_current_snapshot())
          order by tx, position
          limit 500`,
};

const CHECKPOINT = {
  name: 'floor_checkpoint',
  text: `insert into floor_checkpoints (name, tx, position) values ($1, $2::xid8, $3::bigint)
         on conflict (name) do update set tx = excluded.tx, position = excluded.position`,
};

// The read model's rows and its checkpoint in one statement, so in one transaction.
const APPLY_ROWS = {
  name: 'floor_apply_rows',
  text: `with rows as (
           insert into floor_deliveries (id, status, revision, due_at, data)
           select id, status, revision, now(), data from json_to_recordset($1::json) as r(id text, status text, revision int, data jsonb)
           on conflict (id) do update set status = excluded.status, revision = excluded.revision
             where floor_deliveries.revision < excluded.revision
         )
         insert into floor_checkpoints (name, tx, position) values ($2, $3::xid8, $4::bigint)
         on conflict (name) do update set tx = excluded.tx, position = excluded.position`,
};

const CLAIM = {
  name: 'floor_claim',
  text: `update floor_deliveries d set locked_until = now() + interval '30 seconds'
           from (select id from floor_deliveries
                  where status = 'planned' and due_at <= now() and (locked_until is null or locked_until < now())
                  order by due_at limit 200 for update skip locked) c
          where d.id = c.id
         returning d.id, d.revision, d.data`,
};

const STATUS_OF: Record<string, string> = { NotificationPlanned: 'planned', AttemptStarted: 'sending', NotificationSent: 'sent' };
// Statements in flight at once from the intake and from the dispatcher's outcome appends.
const IN_FLIGHT = 4;

/** A lane's wake-up: a poke while nobody waits is kept for the next wait. */
class Wake {
  #pending = false;
  #wake: (() => void) | null = null;

  poke(): void {
    this.#pending = true;
    this.#wake?.();
  }

  async wait(ms: number, signal: AbortSignal): Promise<void> {
    if (!this.#pending) {
      await waitForWake(ms, signal, (wake) => {
        this.#wake = wake;
      });
    }
    this.#wake = null;
    this.#pending = false;
  }
}

export class E2eFloor {
  readonly #options: E2eFloorOptions;
  readonly #durable: pg.Pool;
  readonly #lazy: pg.Pool;
  readonly #wakes = { planner: new Wake(), readModel: new Wake(), dispatcher: new Wake() };
  readonly #loops: Promise<void>[] = [];
  readonly #stopping = new AbortController();
  #connection: ChannelModel | null = null;
  #failure: unknown = null;

  private constructor(options: E2eFloorOptions) {
    this.#options = options;
    this.#durable = new pg.Pool({ connectionString: options.databaseUrl, max: 10, options: '-c jit=off' });
    this.#lazy = new pg.Pool({ connectionString: options.databaseUrl, max: 4, options: '-c jit=off -c synchronous_commit=off' });
  }

  static async start(options: E2eFloorOptions): Promise<E2eFloor> {
    const floor = new E2eFloor(options);
    try {
      await floor.#durable.query(SCHEMA);
      floor.#loops.push(floor.#lane('planner', floor.#wakes.planner, (rows, last) => floor.#plan(rows, last)));
      floor.#loops.push(floor.#lane('read-model', floor.#wakes.readModel, (rows, last) => floor.#applyRows(rows, last)));
      floor.#loops.push(floor.#dispatch());
      await floor.#consume();
    } catch (error) {
      await floor.stop();
      throw error;
    }
    return floor;
  }

  /** The first error any part met: a floor that failed measured nothing. */
  get failure(): unknown {
    return this.#failure;
  }

  async stop(): Promise<void> {
    this.#stopping.abort();
    await this.#connection?.close().catch(() => undefined);
    await Promise.allSettled(this.#loops);
    await this.#durable.end();
    await this.#lazy.end();
  }

  #fail(error: unknown): void {
    this.#failure ??= error;
  }

  #appended(): void {
    this.#wakes.planner.poke();
    this.#wakes.readModel.poke();
  }

  async #append(rows: readonly NewLedgerRow[]): Promise<Set<string>> {
    const result = await this.#durable.query<{ stream: string }>({ ...APPEND, values: [JSON.stringify(rows)] });
    this.#appended();
    return new Set(result.rows.map((r) => r.stream));
  }

  /** The intake: parse, write what is waiting in one durable statement, then ack each. */
  async #consume(): Promise<void> {
    const { amqpUrl, topology, prefetch } = this.#options;
    const connection = await amqp.connect(amqpUrl, { clientProperties: { connection_name: 'bench-e2e:floor' } });
    connection.on('error', () => undefined);
    this.#connection = connection;
    const channel: Channel = await connection.createChannel();
    channel.on('error', () => undefined);
    await declareTopology(channel, topology);
    await channel.prefetch(prefetch);
    const waiting: ConsumeMessage[] = [];
    let inFlight = 0;
    let isScheduled = false;
    const pump = () => {
      while (inFlight < IN_FLIGHT && waiting.length > 0) {
        const batch = waiting.splice(0);
        const rows = batch.map((m) => {
          const body = JSON.parse(m.content.toString('utf8')) as { eventId: string; type: string };
          return { stream: `inbound-${body.eventId}`, revision: 0, type: body.type, data: body };
        });
        inFlight++;
        this.#append(rows)
          .then(() => {
            for (const m of batch) channel.ack(m);
          })
          .catch((error: unknown) => this.#fail(error))
          .finally(() => {
            inFlight--;
            pump();
          });
      }
    };
    await channel.consume(topology.queue, (message) => {
      if (message === null) return;
      waiting.push(message);
      if (isScheduled) return;
      isScheduled = true;
      queueMicrotask(() => {
        isScheduled = false;
        pump();
      });
    });
  }

  /** A subscription from the lane's position: each batch applied, then the next read. */
  async #lane(name: string, wake: Wake, apply: (rows: LedgerRow[], last: LedgerRow) => Promise<void>): Promise<void> {
    let after = { tx: '0', position: '0' };
    while (!this.#stopping.signal.aborted) {
      try {
        const { rows } = await this.#durable.query<LedgerRow>({ ...READ, values: [after.tx, after.position] });
        const last = rows.at(-1);
        if (!last) {
          // Nothing new, or committed rows behind a transaction still running: look again soon.
          await wake.wait(5, this.#stopping.signal);
          continue;
        }
        await apply(rows, last);
        after = { tx: last.tx, position: last.position };
      } catch (error) {
        if (!this.#stopping.signal.aborted) this.#fail(new Error(`${name}: ${String(error)}`));
        return;
      }
    }
  }

  /** One planned event per channel of each inbound event, then the lane's checkpoint. */
  async #plan(rows: readonly LedgerRow[], last: LedgerRow): Promise<void> {
    const planned: NewLedgerRow[] = [];
    for (const row of rows) {
      if (!row.stream.startsWith('inbound-')) continue;
      const envelope = row.data;
      const channels: readonly MessageChannel[] = PATIENT_CHANNELS[envelope.type as PatientEventType] ?? [];
      const personId = envelope.data?.patient?.id ?? 'unknown';
      for (const channel of channels) {
        const id = notificationIdFor(envelope.eventId!, personId, channel);
        planned.push({
          stream: `notification-${id}`,
          revision: 0,
          type: 'NotificationPlanned',
          data: { notificationId: id, eventId: envelope.eventId, channel, recipient: personId, template: `${envelope.type}.${channel}`, variables: envelope.data },
        });
      }
    }
    if (planned.length > 0) await this.#append(planned);
    await this.#lazy.query({ ...CHECKPOINT, values: ['planner', last.tx, last.position] });
  }

  /** The deliveries read model: each notification's latest status, with its checkpoint. */
  async #applyRows(rows: readonly LedgerRow[], last: LedgerRow): Promise<void> {
    const latest = new Map<string, { id: string; status: string; revision: number; data: unknown }>();
    for (const row of rows) {
      const status = STATUS_OF[row.type];
      if (!status || !row.stream.startsWith('notification-')) continue;
      const id = row.stream.slice('notification-'.length);
      latest.set(id, { id, status, revision: row.revision, data: row.type === 'NotificationPlanned' ? row.data : (latest.get(id)?.data ?? null) });
    }
    const changed = [...latest.values()];
    await this.#lazy.query({ ...APPLY_ROWS, values: [JSON.stringify(changed), 'read-model', last.tx, last.position] });
    if (changed.some((r) => r.status === 'planned')) this.#wakes.dispatcher.poke();
  }

  /** Claims due rows, writes each attempt before its send and the outcome after it. */
  async #dispatch(): Promise<void> {
    const outcomes = new Set<Promise<unknown>>();
    while (!this.#stopping.signal.aborted) {
      try {
        const { rows } = await this.#lazy.query<{ id: string; revision: number; data: { channel: string } }>(CLAIM);
        if (rows.length === 0) {
          await this.#wakes.dispatcher.wait(100, this.#stopping.signal);
          continue;
        }
        const won = await this.#append(rows.map((r) => ({ stream: `notification-${r.id}`, revision: r.revision + 1, type: 'AttemptStarted', data: { attempt: 1, channel: r.data.channel } })));
        const sent: NewLedgerRow[] = [];
        for (const row of rows) {
          // A lost race for the revision means another dispatcher owns the notification.
          if (!won.has(`notification-${row.id}`)) continue;
          this.#options.onSent(row.id);
          sent.push({ stream: `notification-${row.id}`, revision: row.revision + 2, type: 'NotificationSent', data: { providerMessageId: `sandbox-${row.id}` } });
        }
        const outcome = this.#append(sent).catch((error: unknown) => this.#fail(error));
        outcomes.add(outcome);
        void outcome.finally(() => outcomes.delete(outcome));
        while (outcomes.size >= IN_FLIGHT) await Promise.race(outcomes);
      } catch (error) {
        if (!this.#stopping.signal.aborted) this.#fail(new Error(`dispatcher: ${String(error)}`));
        return;
      }
    }
    await Promise.allSettled(outcomes);
  }
}
