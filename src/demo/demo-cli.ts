import { randomBytes } from 'node:crypto';
import { parseArgs } from 'node:util';
import cliProgress from 'cli-progress';
import { planClinicDay } from './clinic-day.ts';
import { deadLetterCount } from './amqp-dead-letters.ts';
import { DemoReads } from './demo-reads.ts';
import { formatSummary, type SummaryFacts } from './demo-summary.ts';
import { DEMO_QUIET_CENTRE, ensureDemoStaff, optOutOfWhatsApp, setDemoQuietHours } from './demo-staff.ts';
import { demoTokens } from './demo-tokens.ts';
import { AmqpEventSink, HttpEventSink, type EventSink } from './event-sinks.ts';
import { runClinicDay } from './run-clinic-day.ts';
import { patientWritesFrontDeskAnswers } from './demo-conversation.ts';
import { patientIsForgotten } from './demo-erasure.ts';
import { readBack, settle, waitForReminders } from './demo-waits.ts';
import { runCli } from '../run-cli.ts';

const USAGE = `Usage: npm run demo [-- --quick] [-- --seconds N]

Plays a simulated clinic day against a RUNNING service (start it first with npm start):
over AMQP when AMQP_URL is set, otherwise POST /events at DEMO_URL (default http://127.0.0.1:4000).
Tokens: DEMO_TOKEN (ingest or admin), DEMO_READ_TOKEN (dashboard, auditor or admin) and
DEMO_ADMIN_TOKEN (puts the demo's staff in the directory, plays a patient writing back),
DEMO_FRONTDESK_TOKEN (answers that patient), or the ones the service made in
DATA_DIR/api-tokens.json (default ./data).
  --quick      send everything at once and do not wait for the 30-minute reminders
  --seconds N  spread the day over N seconds (default: until the first reminders fall due)`;

async function main(argv: string[], env: NodeJS.ProcessEnv): Promise<number> {
  const { values } = parseArgs({ args: argv, options: { quick: { type: 'boolean', default: false }, seconds: { type: 'string' }, help: { type: 'boolean', short: 'h', default: false } } });
  if (values.help) {
    console.log(USAGE);
    return 0;
  }
  const baseUrl = env.DEMO_URL || 'http://127.0.0.1:4000';
  const healthy = await fetch(new URL('/healthz', baseUrl), { signal: AbortSignal.timeout(5_000) }).then((r) => r.ok, () => false);
  if (!healthy) {
    console.error(`No service answers at ${baseUrl}. Start it first (npm start), or set DEMO_URL.`);
    return 2;
  }
  const tokens = await demoTokens(env);
  const amqpUrl = env.AMQP_URL || null;
  let sink: EventSink;
  if (amqpUrl) sink = await AmqpEventSink.open(amqpUrl, env.AMQP_EXCHANGE || 'clinic.events');
  else if (tokens.publish) sink = new HttpEventSink(baseUrl, tokens.publish);
  else {
    console.error('No token to publish with: set DEMO_TOKEN to an ingest or admin token, or run the demo where the service keeps its data (DATA_DIR, default ./data, holds api-tokens.json).');
    return 2;
  }
  const deadLetterQueue = env.AMQP_DEAD_LETTER_QUEUE || 'notifications.dead';
  const deadBefore = amqpUrl ? await deadLetterCount(amqpUrl, deadLetterQueue) : null;
  const reads = tokens.read ? new DemoReads(baseUrl, tokens.read) : null;

  const start = new Date();
  const runId = `${start.toISOString().slice(0, 10).replace(/-/g, '')}-${randomBytes(3).toString('hex')}`;
  const day = planClinicDay({ now: start, runId, reminderLeadMs: 20_000 });
  const durationMs = values.seconds !== undefined ? Number(values.seconds) * 1000 : values.quick ? 0 : Math.max(30_000, day.remindersDueAt.getTime() - start.getTime() + 3_000);
  if (!Number.isFinite(durationMs) || durationMs < 0) throw new Error('--seconds must be a number');

  if (tokens.admin) {
    const staff = await ensureDemoStaff(baseUrl, tokens.admin).catch((error: unknown) => {
      console.error(`Could not put the demo staff in the directory (${error instanceof Error ? error.message : String(error)}): staff events may reach no one.`);
      return 0;
    });
    if (staff > 0) console.log(`${staff} staff members at the three centres receive the staff events (email and in-app, by the default routing rules).`);
    await optOutOfWhatsApp(baseUrl, tokens.admin, day.noWhatsApp).then(
      () => console.log(`Patient ${day.noWhatsApp} asked for no WhatsApp: their messages fall back to SMS.`),
      (error: unknown) => console.error(`Could not record the WhatsApp opt-out (${error instanceof Error ? error.message : String(error)}): the day shows no fallback.`),
    );
    await setDemoQuietHours(baseUrl, tokens.admin).then(
      () => console.log(`${DEMO_QUIET_CENTRE} keeps quiet hours from 22:00 to 07:00: run at night, its messages that can wait are deferred to the morning.`),
      (error: unknown) => console.error(`Could not set quiet hours (${error instanceof Error ? error.message : String(error)}).`),
    );
  } else console.log('No admin token (DEMO_ADMIN_TOKEN): staff events reach only the staff already in the directory.');
  console.log(`Simulating a clinic day at 3 Arogya Clinic centres (Asia/Kolkata): ${day.steps.length} events via ${sink.description}, over ${Math.round(durationMs / 1000)} s.`);
  const due = day.remindersDueAt.toLocaleTimeString('en-IN', { timeZone: 'Asia/Kolkata' });
  console.log(values.quick ? `Run ${runId}.` : `Run ${runId}. The 30-minute reminders of ${day.remindingBookings.length} bookings fall due at ${due} IST.`);
  const bar = new cliProgress.SingleBar(
    { format: ' {bar} {value}/{total} events | clinic time {clock} | {scene}', barsize: 28, hideCursor: true, clearOnComplete: false },
    cliProgress.Presets.shades_classic,
  );
  const interactive = Boolean(process.stdout.isTTY);
  if (interactive) bar.start(day.steps.length, 0, { clock: '08:00', scene: 'Opening' });
  let lastScene = '';
  const tally = await runClinicDay(day, {
    sink,
    durationMs,
    onStep: (index, step) => {
      const [clock = '', ...words] = step.scene.split(' ');
      if (interactive) bar.update(index + 1, { clock, scene: words.join(' ') });
      else if (step.scene !== lastScene) console.log(`  ${step.scene}`);
      lastScene = step.scene;
    },
  }).finally(() => {
    if (interactive) bar.stop();
  });
  await sink.close();

  const facts: SummaryFacts = { via: sink.description, tally, stats: null, statsProblem: null, reminders: null, fallbacks: null, dashboardUrl: new URL('/', baseUrl).toString() };
  if (!reads) facts.statsProblem = 'no dashboard, auditor or admin token to read with; set DEMO_READ_TOKEN';
  else {
    try {
      if (amqpUrl) {
        const back = await readBack(reads, tally);
        const deadAfter = await deadLetterCount(amqpUrl, deadLetterQueue);
        facts.readBack = { ...back, deadLettered: deadBefore === null || deadAfter === null ? null : deadAfter - deadBefore };
      }
      if (!values.quick) facts.reminders = await waitForReminders(reads, start, day, (line) => console.log(line));
      facts.stats = await settle(reads, new Date(start.getTime() - 1000));
      facts.fallbacks = await reads.fallbacksSince(new Date(start.getTime() - 1000));
      if (tokens.admin && tokens.frontDesk) {
        facts.conversation = await patientWritesFrontDeskAnswers(baseUrl, { admin: tokens.admin, frontDesk: tokens.frontDesk }, day.replier);
      }
      // Last: the patient who opted out of WhatsApp this morning withdraws consent altogether.
      if (tokens.admin) facts.erasure = await patientIsForgotten(baseUrl, tokens.admin, day.noWhatsApp);
    } catch (error) {
      facts.statsProblem = `GraphQL: ${error instanceof Error ? error.message : String(error)}`;
    }
  }
  for (const line of formatSummary(facts)) console.log(line);
  return tally.failed > 0 ? 1 : 0;
}

runCli(() => main(process.argv.slice(2), process.env));
