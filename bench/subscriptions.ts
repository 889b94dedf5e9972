import { spawn, type ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { setTimeout as delay } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { createClient, type Client } from 'graphql-ws';
import WebSocket from 'ws';
import { NOTIFICATION_EVENT_TYPES as T } from '../src/domain/notifications/notification-events.ts';
import { streamName } from '../src/domain/stream-name.ts';
import { PostgresEventStore } from '../src/ledger/postgres-event-store.ts';
import { connectPostgres } from '../src/ledger/sql-connection.ts';
import { createBenchDatabase, BENCH_MASTER_KEY } from './support/bench-database.ts';
import { percentile } from './support/raw-baselines.ts';

const SUBSCRIBERS = Number(process.env.SUBS_SUBSCRIBERS ?? 1000);
const CENTRES = 50;
const CHANGES_PER_S = Number(process.env.SUBS_RATE ?? 200);
const WARMUP_S = 5;
const MEASURED_S = Number(process.env.SUBS_SECONDS ?? 30);
const RAW_MESSAGES = 20_000;
const TOKEN = `bench-dashboard-${'d'.repeat(24)}`;
const STEPS = ['planned', 'sending', 'sent', 'delivered', 'read'] as const;
const IN_FLIGHT = 40;
const root = fileURLToPath(new URL('..', import.meta.url));

/**
 * 1,000 graphql-ws subscribers (one connection each) spread over 50 centre filters, so each change
 * reaches about 20; 200 status changes a second appended to the real ledger (planned, sending,
 * sent, delivered, read of notifications due far in the future, so the dispatcher leaves them
 * alone). p99 from the start of the ledger append to the subscriber's receipt; the service runs as
 * its own process so its RSS is its own. Baseline in the same run: a bare ws server broadcasting
 * to the same 1,000 clients, each message serialised once.
 */
export async function run(): Promise<Record<string, number | string | boolean>> {
  const database = await createBenchDatabase('subscriptions');
  const port = await freePort();
  console.log('Starting the service as its own process...');
  const service = spawnTs('src/main.ts', {
    DATABASE_URL: database.url,
    API_TOKENS: `bench-wall:dashboard:${TOKEN}`,
    LEDGER_MASTER_KEY: BENCH_MASTER_KEY,
    PORT: String(port),
    HOST: '127.0.0.1',
    LOG_LEVEL: 'warn',
    CHANNELS_SANDBOX: 'all',
  });
  const connection = connectPostgres(database.url);
  const clients: Client[] = [];
  try {
    const base = `http://127.0.0.1:${port}`;
    await untilUp(`${base}/healthz`, service);
    const store = await PostgresEventStore.open(connection);

    console.log(`Connecting ${SUBSCRIBERS} graphql-ws subscribers over ${CENTRES} centres...`);
    const appendStarted = new Map<string, number>();
    const latencies: number[] = [];
    let received = 0;
    for (let i = 0; i < SUBSCRIBERS; i++) {
      const client = createClient({
        url: `ws://127.0.0.1:${port}/graphql`,
        webSocketImpl: WebSocket,
        connectionParams: { authorization: `Bearer ${TOKEN}` },
        lazy: false,
        retryAttempts: 0,
        onNonLazyError: () => undefined,
      });
      clients.push(client);
      client.subscribe<{ deliveryUpdated: { status: string; notification: { id: string } } }>(
        { query: LIVE, variables: { filter: { centreId: centreOf(i) } } },
        {
          next: ({ data }) => {
            const at = performance.now();
            received++;
            const started = data ? appendStarted.get(`${data.deliveryUpdated.notification.id}:${data.deliveryUpdated.status}`) : undefined;
            if (started !== undefined) latencies.push(at - started);
          },
          error: (error) => console.error('subscription failed', error),
          complete: () => undefined,
        },
      );
    }
    await untilSubscriptions(`${base}/metrics`, SUBSCRIBERS);
    const rssIdleMb = await rssMb(service.pid!);
    console.log(`  all subscribed; service RSS ${rssIdleMb.toFixed(0)} MB`);

    console.log(`Driving ${CHANGES_PER_S} status changes/s for ${WARMUP_S} s warm-up + ${MEASURED_S} s...`);
    let rssMaxMb = rssIdleMb;
    const sampler = setInterval(() => void rssMb(service.pid!).then((mb) => (rssMaxMb = Math.max(rssMaxMb, mb)), () => undefined), 500);
    const driven = await driveChanges(store, appendStarted, () => latencies.splice(0), WARMUP_S * CHANGES_PER_S);
    const expected = driven.measured * (SUBSCRIBERS / CENTRES);
    await waitFor(() => latencies.length >= expected, 15_000);
    clearInterval(sampler);
    const measuredLatencies = latencies.slice().sort((a, b) => a - b);
    console.log(`  ${driven.measured} changes at ${driven.ratePerS.toFixed(0)}/s, ${measuredLatencies.length}/${expected} deliveries, ${received} in all`);

    console.log('Baseline: a bare ws server broadcasting to the same number of clients...');
    for (const client of clients.splice(0)) await client.dispose();
    const rawPerS = await rawBroadcastRate();

    const p99 = percentile(measuredLatencies, 0.99);
    return {
      p99_ms: round(p99),
      p50_ms: round(percentile(measuredLatencies, 0.5)),
      max_ms: round(measuredLatencies.at(-1) ?? 0),
      rss_mb: Math.round(rssMaxMb),
      rss_idle_mb: Math.round(rssIdleMb),
      raw_broadcast_per_s: Math.round(rawPerS),
      graphql_delivered_per_s: Math.round(measuredLatencies.length / driven.seconds),
      changes_per_s: Math.round(driven.ratePerS),
      subscribers: SUBSCRIBERS,
      centres: CENTRES,
      deliveries_missing: expected - measuredLatencies.length,
      target_met: p99 <= 100,
    };
  } finally {
    for (const client of clients) await Promise.resolve(client.dispose()).catch(() => undefined);
    service.kill('SIGTERM');
    await new Promise((resolve) => service.once('exit', resolve));
    await connection.close();
    await database.drop();
  }
}

const LIVE = 'subscription Live($filter: DeliveryUpdatedFilter) { deliveryUpdated(filter: $filter) { status previousStatus at notification { id channel centreId status recipient { address } } } }';
const centreOf = (i: number) => `centre-${i % CENTRES}`;

/**
 * Appends one status change every 1/RATE s, each the next step of one of about 40 notifications
 * in flight (a notification's steps go in order, at the revision just written). The first
 * `warmupChanges` are not measured.
 */
async function driveChanges(
  store: PostgresEventStore,
  appendStarted: Map<string, number>,
  resetLatencies: () => void,
  warmupChanges: number,
): Promise<{ measured: number; seconds: number; ratePerS: number }> {
  const total = warmupChanges + MEASURED_S * CHANGES_PER_S;
  const ready: { id: string; centre: string; step: number }[] = [];
  const pending = new Set<Promise<void>>();
  let made = 0;
  let measuredFrom = 0;
  const start = performance.now();
  for (let k = 0; k < total; k++) {
    const target = start + (k * 1000) / CHANGES_PER_S;
    const wait = target - performance.now();
    if (wait > 1) await delay(wait);
    if (k === warmupChanges) {
      await Promise.all(pending);
      resetLatencies();
      appendStarted.clear();
      measuredFrom = performance.now();
    }
    const n = ready.length >= IN_FLIGHT ? ready.shift()! : { id: randomUUID(), centre: centreOf(made++), step: 0 };
    const stepAt = performance.now();
    appendStarted.set(`${n.id}:${STEPS[n.step]}`, stepAt);
    const work = appendStep(store, n.id, n.centre, n.step).then(() => {
      n.step++;
      if (n.step < STEPS.length) ready.push(n);
    });
    pending.add(work);
    void work.finally(() => pending.delete(work));
  }
  await Promise.all(pending);
  const seconds = (performance.now() - measuredFrom) / 1000;
  const measured = total - warmupChanges;
  return { measured, seconds, ratePerS: measured / seconds };
}

async function appendStep(store: PostgresEventStore, id: string, centreId: string, step: number): Promise<void> {
  const stream = streamName.notification(id);
  const at = new Date().toISOString();
  const provider = { provider: 'sandbox', providerMessageId: `bench-${id}` };
  const [type, data] = [
    [T.planned, {
      notificationId: id, eventId: `bench:${id}`, eventType: 'appointment.confirmed', centreId, bookingReference: 'BK-BENCH', appointmentId: 'appt-bench',
      channel: 'whatsapp', recipient: { kind: 'patient', id: 'pat-bench', address: '+919876543210', locale: 'en' },
      selection: { kind: 'catalogue', eventType: 'appointment.confirmed' }, template: { key: 'appointment.confirmed:whatsapp:en', version: 1, locale: 'en' },
      variables: {}, dueAt: '2099-01-01T00:00:00Z', plannedAt: at,
    }],
    [T.attemptStarted, { notificationId: id, attempt: 1, worker: 'bench', startedAt: at, possibleDuplicate: false }],
    [T.sent, { notificationId: id, attempt: 1, ...provider, sentAt: at }],
    [T.statusReported, { notificationId: id, ...provider, status: 'delivered', code: null, detail: null, reportedAt: at, reportId: `${id}-d` }],
    [T.statusReported, { notificationId: id, ...provider, status: 'read', code: null, detail: null, reportedAt: at, reportId: `${id}-r` }],
  ][step]!;
  const result = await store.append(stream, [{ id: randomUUID(), type: type as string, data, metadata: { actor: 'bench' } }], step === 0 ? 'no-stream' : BigInt(step - 1));
  if (!result.ok) throw result.error;
}

/** Deliveries per second a bare ws server manages to the same 1,000 clients, 20 per message. */
async function rawBroadcastRate(): Promise<number> {
  const server = spawnTs('bench/support/raw-ws-broadcast-server.ts', {});
  const sockets: WebSocket[] = [];
  try {
    const port = await firstLine(server);
    let received = 0;
    await Promise.all(Array.from({ length: SUBSCRIBERS }, (_, i) => new Promise<void>((resolve, reject) => {
      const ws = new WebSocket(`ws://127.0.0.1:${port}/?centre=${centreOf(i)}`);
      ws.on('message', () => received++);
      ws.once('open', () => resolve());
      ws.once('error', reject);
      sockets.push(ws);
    })));
    const expected = RAW_MESSAGES * (SUBSCRIBERS / CENTRES);
    const started = performance.now();
    await fetch(`http://127.0.0.1:${port}/broadcast?messages=${RAW_MESSAGES}`, { method: 'POST' });
    await waitFor(() => received >= expected, 60_000);
    const seconds = (performance.now() - started) / 1000;
    console.log(`  ${received} deliveries in ${seconds.toFixed(2)} s`);
    return received / seconds;
  } finally {
    for (const ws of sockets) ws.terminate();
    server.kill('SIGTERM');
  }
}

function spawnTs(script: string, env: Record<string, string>): ChildProcess {
  const child = spawn(process.execPath, ['--import', 'tsx', script], { cwd: root, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'inherit'] });
  child.stdout!.setEncoding('utf8');
  return child;
}

async function firstLine(child: ChildProcess): Promise<string> {
  let text = '';
  for await (const chunk of child.stdout!) {
    text += chunk as string;
    if (text.includes('\n')) return text.split('\n')[0]!.trim();
  }
  throw new Error('the process ended before printing its port');
}

async function untilUp(url: string, child: ChildProcess): Promise<void> {
  child.stdout!.resume();
  for (let i = 0; i < 600; i++) {
    if (child.exitCode !== null) throw new Error(`the service exited with ${child.exitCode}`);
    if (await fetch(url).then((r) => r.ok, () => false)) return;
    await delay(100);
  }
  throw new Error('the service did not come up within 60 s');
}

async function untilSubscriptions(metricsUrl: string, count: number): Promise<void> {
  await waitFor(async () => {
    const text = await fetch(metricsUrl).then((r) => r.text(), () => '');
    const match = /^graphql_delivery_subscriptions (\d+)/m.exec(text);
    return Number(match?.[1] ?? 0) >= count;
  }, 120_000);
}

async function waitFor(condition: () => boolean | Promise<boolean>, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) return;
    await delay(20);
  }
}

async function rssMb(pid: number): Promise<number> {
  const status = await readFile(`/proc/${pid}/status`, 'utf8');
  return Number(/VmRSS:\s+(\d+) kB/.exec(status)?.[1] ?? 0) / 1024;
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = createServer().listen(0, '127.0.0.1', () => {
      const { port } = probe.address() as { port: number };
      probe.close(() => resolve(port));
    });
    probe.once('error', reject);
  });
}

const round = (ms: number) => Math.round(ms * 10) / 10;
