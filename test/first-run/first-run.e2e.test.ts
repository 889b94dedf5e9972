import { existsSync } from 'node:fs';
import { readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PATIENT_CHANNELS, type PatientEventType } from '../../src/domain/event-catalogue.ts';
import { planClinicDay } from '../../src/demo/clinic-day.ts';
import { DEMO_QUIET_CENTRE } from '../../src/demo/demo-staff.ts';
import { freshClone } from './support/fresh-clone.ts';
import { graphql, tokenFromDataDir } from './support/graphql-reader.ts';
import { ChildCommand, cleanEnv, freePort } from './support/service-process.ts';

// A newcomer's first run, on a clone of the committed tree with no configuration: `npm start`
// (which builds the dashboard), the demo against it, the counts over GraphQL, a restart, and a
// second instance refused. One clone and one service for the whole file; steps run in order.

const STATS = 'query { deliveryStats { channel status count } }';
const BY_TYPE = 'query($type: String) { notifications(filter: { eventType: $type }, first: 200) { edges { node { channel status fallbackOf bookingReference centreId recipient { id } } } } }';
const FALLBACKS = 'query { notifications(filter: { fallback: true }, first: 200) { edges { node { channel status fallbackOf } } } }';

let clone: Awaited<ReturnType<typeof freshClone>>;
let port: number;
let baseUrl: string;
let service: ChildCommand;
const dataDir = () => join(clone.dir, 'data');
const start = () => new ChildCommand('npm', ['start'], { cwd: clone.dir, env: cleanEnv({ PORT: String(port), HOST: '127.0.0.1' }) });

type StatRow = { channel: string; status: string; count: number };
const total = (rows: StatRow[]) => rows.reduce((sum, r) => sum + r.count, 0);

beforeAll(async () => {
  clone = await freshClone();
  port = await freePort();
  baseUrl = `http://127.0.0.1:${port}`;
}, 60_000);

afterAll(async () => {
  await service?.stop();
  await clone?.remove();
}, 60_000);

describe('the first run on a fresh clone', () => {
  it('npm start with no configuration runs on embedded PGlite in ./data with sandbox channels and says so', async () => {
    service = start();
    await service.waitFor('is running at', 120_000);
    expect(service.stdout).toContain(`Clinic notification ledger is running at ${baseUrl}`);
    expect(service.stdout).toContain('embedded PGlite in ./data');
    expect(service.stdout).toContain('Set DATABASE_URL=');
    expect(service.stdout).toContain('Set AMQP_URL=');
    expect(service.stdout).toContain('KURRENTDB_URL=');
    expect(service.stdout).toMatch(/sandbox, nothing leaves this machine: whatsapp, email/);
    expect(service.stdout).toMatch(/dashboard\s+\S{20,}/);
    // The master key, made at first start for the data folder, readable by its owner only, never printed.
    expect(service.stdout).toContain('Master key  made in data/master-key: back it up');
    const key = await stat(join(dataDir(), 'master-key'));
    expect(key.mode & 0o777).toBe(0o600);
    expect(service.stdout).not.toContain((await readFile(join(dataDir(), 'master-key'), 'utf8')).trim());
  }, 150_000);

  it('serves the dashboard it built at /', async () => {
    const page = await fetch(`${baseUrl}/`);
    expect(page.status).toBe(200);
    const html = await page.text();
    const script = /<script type="module" crossorigin src="(\/assets\/[^"]+\.js)"/.exec(html)?.[1];
    expect(script).toBeDefined();
    expect((await fetch(`${baseUrl}${script}`)).headers.get('content-type')).toContain('javascript');
  });

  it('a demo day against it is accepted, with its duplicates ignored and its malformed events refused by field', async () => {
    const demo = new ChildCommand('npm', ['run', '--silent', 'demo', '--', '--quick'], { cwd: clone.dir, env: cleanEnv({ DEMO_URL: baseUrl }) });
    const code = await demo.exited;
    expect(code, demo.output).toBe(0);
    const day = planClinicDay({ now: new Date(), runId: 'x', reminderLeadMs: 20_000 });
    const count = (kind: string) => day.steps.filter((s) => s.kind === kind).length;
    expect(demo.stdout).toMatch(new RegExp(`accepted\\s+${count('event')}\\b`));
    expect(demo.stdout).toMatch(new RegExp(`duplicates\\s+${count('duplicate')}\\b`));
    expect(demo.stdout).toMatch(new RegExp(`rejected\\s+${count('malformed')}\\b`));
    expect(demo.stdout).toContain('data.patient.phone');
    expect(demo.stdout).toContain('by channel and status');
    expect(demo.stdout).toMatch(/Fallbacks: [1-9]\d* message\(s\) went out on another channel/);
    expect(demo.stdout).toMatch(/Expired: [1-9]\d* notification\(s\) not sent/);
    // A patient writes back and the front desk (the generated frontdesk token) answers inside the window.
    expect(demo.stdout).toMatch(/Conversation: a patient wrote .+ answered .+ on WhatsApp \((sent|delivered|read)\)/);
    // A patient withdraws consent: forgotten, their notifications kept with their statuses and [erased] addresses.
    expect(demo.stdout).toMatch(/Erasure: a patient withdrew consent and was forgotten \([1-9]\d* keys destroyed\): their [1-9]\d* notification\(s\) keep their status \(.+\), and [1-9]\d* read \[erased\]/);
  }, 120_000);

  it('GraphQL shows a notification per patient and channel with a contact, each sent in the sandbox', async () => {
    const auditor = await tokenFromDataDir(dataDir(), 'auditor');
    const day = planClinicDay({ now: new Date(), runId: 'x', reminderLeadMs: 20_000 });
    for (const type of ['appointment.confirmed', 'walkin.token_called', 'clinical.report_ready'] as const satisfies PatientEventType[]) {
      const expected = day.steps.flatMap((s) => {
        if (s.kind !== 'event' || s.envelope.type !== type) return [];
        const patient = s.envelope.data.patient as { phone?: string; email?: string };
        return PATIENT_CHANNELS[type].filter((c) => (c === 'email' ? patient.email : patient.phone));
      });
      const data = await graphql<{ notifications: { edges: { node: { channel: string; status: string; fallbackOf: string | null; centreId: string | null } }[] } }>(baseUrl, auditor, BY_TYPE, { type });
      // The patient who asked for no WhatsApp has it suppressed, and an SMS in its place.
      const planned = data.notifications.edges.map((e) => e.node).filter((n) => n.fallbackOf === null);
      const sent = planned.filter((n) => n.status !== 'suppressed');
      const optedOut = planned.filter((n) => n.status === 'suppressed' && n.channel === 'whatsapp').length;
      expect(sent.length + optedOut, type).toBe(expected.length);
      // The sandbox reports each message delivered (and WhatsApp read) a moment after sending it; the
      // confirmation that came after its slot began is expired, never sent.
      // At night, the quiet centre's messages that can wait are deferred to the morning.
      expect(sent.every((n) => ['sent', 'delivered', 'read', 'expired'].includes(n.status) || (n.status === 'deferred' && n.centreId === DEMO_QUIET_CENTRE)), type).toBe(true);
      const late = day.steps.flatMap((st) => (st.kind === 'event' && st.envelope.type === type && st.scene.includes('after its slot began') ? [st.envelope.data.patient as { email?: string }] : []));
      // At night the quiet centre's confirmations whose slot comes before the morning expire too: count the others.
      const expiredElsewhere = sent.filter((n) => n.status === 'expired' && n.centreId !== DEMO_QUIET_CENTRE);
      expect(expiredElsewhere.length, type).toBe(late.reduce((n, p) => n + (p.email ? 2 : 1), 0));
    }
    const fallbacks = await graphql<{ notifications: { edges: { node: { channel: string; status: string } }[] } }>(baseUrl, auditor, FALLBACKS);
    expect(fallbacks.notifications.edges.length).toBeGreaterThan(0);
    expect(fallbacks.notifications.edges.every((e) => e.node.channel === 'sms' && ['sent', 'delivered', 'deferred', 'expired'].includes(e.node.status))).toBe(true);
    const stats = await graphql<{ deliveryStats: StatRow[] }>(baseUrl, auditor, STATS);
    expect(stats.deliveryStats.filter((r) => r.status === 'failed')).toEqual([]);
    expect(total(stats.deliveryStats)).toBeGreaterThan(40);
  });

  it('a second instance on the same data folder is refused with a clear message', async () => {
    const second = new ChildCommand('npm', ['start'], { cwd: clone.dir, env: cleanEnv({ PORT: String(await freePort()), HOST: '127.0.0.1' }) });
    expect(await second.exited).not.toBe(0);
    expect(second.stderr).toMatch(/Another instance \(pid \d+\) is using \.\/data\. Stop it first, or point DATA_DIR elsewhere\./);
    expect(second.stderr).not.toContain('    at ');
  }, 60_000);

  it('after a restart the data is still there and the tokens are the same', async () => {
    const auditor = await tokenFromDataDir(dataDir(), 'auditor');
    const confirmed = () => graphql<{ notifications: { edges: unknown[] } }>(baseUrl, auditor, BY_TYPE, { type: 'appointment.confirmed' });
    const before = await confirmed();
    const totalBefore = total((await graphql<{ deliveryStats: StatRow[] }>(baseUrl, auditor, STATS)).deliveryStats);
    await service.stop();
    // A graceful stop lets go of the data folder: the lock is gone, so nothing is taken over.
    expect(existsSync(join(dataDir(), 'service.lock'))).toBe(false);
    service = start();
    await service.waitFor('is running at', 60_000);
    expect(service.stdout).toContain('API tokens  in ./data/api-tokens.json');
    expect(await confirmed()).toEqual(before);
    // Reminders of the demo's soonest bookings may fire meanwhile: the total only grows.
    expect(total((await graphql<{ deliveryStats: StatRow[] }>(baseUrl, auditor, STATS)).deliveryStats)).toBeGreaterThanOrEqual(totalBefore);
  }, 90_000);
});
