import { mkdir } from 'node:fs/promises';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensureDashboardBuilt } from '../../src/dashboard/build-dashboard.ts';
import { PATIENT_CHANNELS } from '../../src/domain/event-catalogue.ts';
import { realClock } from '../support/clock.ts';
import { type RawEnvelope, type UpstreamEventType, envelopesOn } from '../support/envelopes.ts';
import { DASHBOARD_TOKEN, INGEST_TOKEN, startTestService, type TestService } from '../support/service.ts';
import { until } from '../support/until.ts';
import { GatedTransport } from './support/gated-transport.ts';
import { launchChromium } from './support/headless-chromium.ts';

// This file's service runs on the machine's clock: its events' slots lie ahead of that clock's now.
const { validEnvelope } = envelopesOn(realClock);

// The dashboard in real headless Chromium against the service on this machine's PostgreSQL:
// sign in, watch a notification arrive and change status live, open its ledger timeline.

const ARTIFACTS = 'test-artifacts';
let service: TestService;
let whatsapp: GatedTransport;
let browser: Awaited<ReturnType<typeof launchChromium>>;
let page: Page;
let confirmed: RawEnvelope;

async function publish(envelope: RawEnvelope): Promise<void> {
  const response = await fetch(new URL('/events', service.url), {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${INGEST_TOKEN}` },
    body: JSON.stringify({ ...envelope, occurredAt: new Date().toISOString() }),
  });
  expect(response.status).toBe(202);
}

/** The newest notifications as the API lists them, newest first. */
async function newestNotifications(first: number): Promise<{ id: string; eventId: string }[]> {
  const response = await fetch(new URL('/graphql', service.url), {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${DASHBOARD_TOKEN}` },
    body: JSON.stringify({ query: `query { notifications(first: ${first}) { edges { node { id eventId } } } }` }),
  });
  const body = (await response.json()) as { data: { notifications: { edges: { node: { id: string; eventId: string } }[] } } };
  return body.data.notifications.edges.map((e) => e.node);
}

async function signIn(on: Page): Promise<void> {
  await on.fill('#token', DASHBOARD_TOKEN);
  await on.click('button[type=submit]');
  await on.waitForSelector('.live-indicator[data-state=live]', { timeout: 15_000 });
}

const whatsappRow = () => page.locator('tbody tr', { hasText: 'Appointment confirmed' }).filter({ hasText: 'WhatsApp' });

beforeAll(async () => {
  await ensureDashboardBuilt({ quiet: true });
  await mkdir(ARTIFACTS, { recursive: true });
  whatsapp = new GatedTransport('whatsapp');
  service = await startTestService({ transports: { whatsapp } });
  browser = await launchChromium();
  page = await browser.context.newPage();
}, 90_000);

afterAll(async () => {
  whatsapp?.open();
  await browser?.close();
  await service?.stop();
}, 60_000);

describe('the live dashboard', () => {
  it('asks for a token, refuses a wrong one and signs in with a dashboard token', async () => {
    await page.goto(service.url.toString());
    await page.fill('#token', 'not-a-real-token-at-all');
    await page.click('button[type=submit]');
    await expect.poll(() => page.textContent('.sign-in-error')).toContain('not accepted');
    await page.screenshot({ path: `${ARTIFACTS}/dashboard-sign-in.png` });
    await signIn(page);
  }, 60_000);

  it('shows a published notification as it is sent, and its status changing live', async () => {
    // Email and the staff events go through the sandbox at once; WhatsApp is held at the gate.
    for (const type of ['clinical.report_ready', 'walkin.token_called', 'billing.bill_generated'] as UpstreamEventType[]) {
      await publish(validEnvelope(type));
    }
    confirmed = validEnvelope('appointment.confirmed');
    await publish(confirmed);

    await whatsappRow().locator('[data-testid=status]', { hasText: 'sending' }).waitFor({ timeout: 15_000 });
    const id = await whatsappRow().getAttribute('data-id');
    expect(await whatsappRow().locator('.recipient').textContent()).toContain('+91******3210');

    whatsapp.open();
    const row = page.locator(`tbody tr[data-id="${id}"]`);
    await row.locator('[data-testid=status]', { hasText: 'sent' }).waitFor({ timeout: 15_000 });
    expect(await row.locator('.trail').textContent()).toMatch(/sending→sent$/);
    // The counts follow the live changes: the "sent" card catches up with the rows shown as sent.
    const sentRows = () => page.locator('tbody [data-testid=status]', { hasText: 'sent' }).count();
    await expect.poll(async () => Number(await page.textContent('[data-status=sent] .stat-value')) - (await sentRows()), { timeout: 10_000 }).toBe(0);
    expect(await sentRows()).toBeGreaterThanOrEqual(5);
    await page.screenshot({ path: `${ARTIFACTS}/dashboard-live.png`, fullPage: true });
  }, 60_000);

  it('filters the list by channel and by event type, and clears the filters', async () => {
    await page.selectOption('#filter-channel', 'email');
    await expect.poll(async () => [...new Set(await page.locator('tbody tr .channel').allTextContents())]).toEqual(['Email']);
    await page.selectOption('#filter-eventType', 'walkin.token_called');
    await expect.poll(() => page.locator('tbody tr').count()).toBe(0);
    await page.selectOption('#filter-channel', '');
    await expect.poll(async () => [...new Set(await page.locator('tbody tr .event').allTextContents())]).toEqual(['Walk-in token called']);
    await page.getByRole('button', { name: 'Clear filters' }).click();
    await expect.poll(() => page.locator('tbody tr').count()).toBeGreaterThanOrEqual(5);
  }, 60_000);

  it('opens a notification to its ledger timeline and the inbound event behind it', async () => {
    await whatsappRow().click();
    const timeline = page.locator('[data-testid=timeline]');
    await timeline.locator('li', { hasText: 'NotificationSent' }).waitFor({ timeout: 10_000 });
    const entries = await timeline.locator('.timeline-head strong').allTextContents();
    expect(entries.slice(0, 3)).toEqual(['NotificationPlanned', 'AttemptStarted', 'NotificationSent']);
    const inbound = page.locator('[data-testid=inbound]');
    await inbound.getByText(confirmed.eventId).waitFor({ timeout: 10_000 });
    expect(await inbound.textContent()).toContain('appointment.confirmed');
    await page.screenshot({ path: `${ARTIFACTS}/dashboard-timeline.png`, fullPage: false });
  }, 60_000);

  it('keeps the open notification in the address, so a reload in the same tab opens it again', async () => {
    const id = await whatsappRow().getAttribute('data-id');
    expect(new URL(page.url()).hash).toBe(`#notification=${id}`);
    await page.reload();
    await page.locator('[data-testid=timeline] li', { hasText: 'NotificationSent' }).waitFor({ timeout: 15_000 });
    await page.keyboard.press('Escape');
    await expect.poll(() => new URL(page.url()).hash).toBe('');
  }, 60_000);

  it('draws the first page as rows it keeps, counts them, puts live arrivals on top and holds the list to its bound', async () => {
    // Given more notifications than a list bounded to four rows may show
    const bound = 4;
    const before = await newestNotifications(200);
    expect(before.length).toBeGreaterThan(bound);
    const bounded = await browser.context.newPage();
    const rowIds = () => bounded.locator('tbody tr').evaluateAll((rows) => rows.map((r) => (r as HTMLElement).dataset.id ?? ''));
    const rowCount = () => bounded.evaluate(() => document.querySelector('.table-foot .muted')?.textContent ?? '(no count)');

    // When a reader signs in on it
    await bounded.goto(new URL(`/?rows=${bound}`, service.url).href);
    await signIn(bounded);

    // Then it shows the newest four, says four of how many, and no empty-list text
    await expect.poll(rowCount, { timeout: 10_000 }).toBe(`${bound} most recent of ${before.length}`);
    // (as a set: rows created in the same millisecond may tie differently on the page than in the API)
    expect((await rowIds()).sort()).toEqual(before.slice(0, bound).map((n) => n.id).sort());
    expect(await bounded.getByText('No notifications yet.').isVisible()).toBe(false);

    // When a new event's notifications arrive live
    const report = validEnvelope('clinical.report_ready');
    await publish(report);
    const arrived = await until(async () => {
      const ids = (await newestNotifications(200)).filter((n) => n.eventId === report.eventId).map((n) => n.id);
      // Every channel of the event (WhatsApp and email), not the first to be planned.
      return ids.length === PATIENT_CHANNELS['clinical.report_ready'].length ? ids : null;
    }, { timeoutMs: 15_000, what: 'the report notifications to be listed' });

    // Then they land on top, the oldest rows make way, and the count follows
    const top = async () => (await rowIds()).slice(0, arrived.length).sort();
    await expect.poll(top, { timeout: 10_000 }).toEqual([...arrived].sort());
    expect(await rowIds()).toHaveLength(bound);
    await expect.poll(rowCount, { timeout: 10_000 }).toBe(`${bound} most recent of ${before.length + arrived.length}`);
    await bounded.screenshot({ path: `${ARTIFACTS}/dashboard-bounded.png`, fullPage: true });
    await bounded.close();
  }, 60_000);

  it('lists the templates with their approval state, and opens one to its preview and history', async () => {
    await page.getByRole('button', { name: 'Templates' }).click();
    const rows = page.locator('[data-testid=templates-page] tbody tr');
    await rows.first().waitFor({ timeout: 10_000 });
    await page.selectOption('#template-filter-eventType', 'appointment.confirmed');
    await expect.poll(async () => [...new Set(await rows.locator('.event').evaluateAll((cells) => cells.map((c) => c.firstChild?.textContent)))]).toEqual(['Appointment confirmed']);
    const whatsapp = rows.filter({ hasText: 'appointment.confirmed:whatsapp:en' });
    expect(await whatsapp.count()).toBe(1);
    expect(await whatsapp.locator('[data-approval]').getAttribute('data-approval')).toBe('unknown');
    await whatsapp.click();
    await page.locator('[data-testid=template-preview] .message-preview').waitFor({ timeout: 10_000 });
    expect(await page.locator('[data-testid=template-history] li').count()).toBeGreaterThanOrEqual(1);
    expect(new URL(page.url()).hash).toBe('#templates');
    await page.screenshot({ path: `${ARTIFACTS}/dashboard-templates.png` });
  }, 60_000);
});

