import { randomUUID } from 'node:crypto';
import { mkdir } from 'node:fs/promises';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensureDashboardBuilt } from '../../src/dashboard/build-dashboard.ts';
import { contactHash } from '../../src/domain/keys/ledger-keys.ts';
import { fixedClock } from '../support/clock.ts';
import { confirmedOnWhatsApp } from '../support/confirmed-booking.ts';
import { ADMIN_TOKEN, DASHBOARD_TOKEN, FRONTDESK_TOKEN, startTestService, type TestService } from '../support/service.ts';
import { start360DialogStandin, STANDIN_360DIALOG_KEY, type Dialog360Standin } from '../support/standins/whatsapp-360dialog-standin.ts';
import { postWhatsAppMessage } from '../support/whatsapp-statuses.ts';
import { launchChromium } from './support/headless-chromium.ts';

// The Conversations page in real headless Chromium against the service on this machine's
// PostgreSQL, WhatsApp going to a 360dialog stand-in: a front desk sees a patient's message arrive,
// answers it (once, though the first answer is lost on the way back), and cannot answer once the
// window has closed; a dashboard reads the numbers masked and cannot answer at all.

const ARTIFACTS = 'test-artifacts';
const WEBHOOK_SECRET = 'dashboard-conversations-secret';
const HOUR = 3600_000;
// The service runs on a clock the test moves; the page counts the window down on the machine's.
const clock = fixedClock(new Date());
let service: TestService;
let whatsapp: Dialog360Standin;
let browser: Awaited<ReturnType<typeof launchChromium>>;
let page: Page;
const consoleLines: string[] = [];

const patient = { id: `pat-${randomUUID()}`, name: 'Kavya Iyer', phone: `+919${String(Math.floor(Math.random() * 1e9)).padStart(9, '0')}` };
let conversationId: string;
let messageSentAt: Date;

beforeAll(async () => {
  await ensureDashboardBuilt({ quiet: true });
  await mkdir(ARTIFACTS, { recursive: true });
  whatsapp = await start360DialogStandin();
  service = await startTestService({
    clock,
    templateSync: false,
    dispatcher: { pollIntervalMs: 20 },
    env: {
      CHANNELS_SANDBOX: 'email,sms,push',
      WHATSAPP_360DIALOG_API_KEY: STANDIN_360DIALOG_KEY,
      WHATSAPP_360DIALOG_BASE_URL: whatsapp.url,
      WHATSAPP_WEBHOOK_SECRET: WEBHOOK_SECRET,
    },
  });
  conversationId = contactHash(service.keys, 'phone', patient.phone);
  browser = await launchChromium();
  page = await browser.context.newPage();
  page.on('console', (message) => consoleLines.push(message.text()));
}, 90_000);

afterAll(async () => {
  await browser?.close();
  await service?.stop();
  await whatsapp?.close();
});

async function signIn(on: Page, token: string): Promise<void> {
  await on.goto(service.url.toString());
  await on.fill('#token', token);
  await on.click('button[type=submit]');
  await on.waitForSelector('.live-indicator[data-state=live]', { timeout: 15_000 });
}

/** The patient's booking is confirmed at centre-blr (the front desk's centre), on WhatsApp. */
const confirmBooking = () => confirmedOnWhatsApp(service, clock, patient);

const textsSentToPatient = () =>
  whatsapp.accepted.map((r) => JSON.parse(r.text) as { to: string; type: string; text?: { body: string } }).filter((b) => b.to === patient.phone.slice(1) && b.type === 'text');

const item = (on: Page) => on.locator(`.conversation-item[data-id="${conversationId}"]`);
const replyBox = (on: Page) => on.locator('[data-testid=reply-box]');

describe('the Conversations page', () => {
  it('signs a front desk in to its conversations alone, and shows a patient writing in live', async () => {
    // Given a front desk signed in, and a patient of its centre with a confirmed booking
    await signIn(page, FRONTDESK_TOKEN);
    await confirmBooking();
    expect(await page.locator('nav.tabs button').allTextContents()).toEqual(['Conversations']);
    expect(await page.locator('[data-testid=conversations-page]').isVisible()).toBe(true);

    // When the patient writes on WhatsApp, a little after the confirmation went out
    clock.advance(2000);
    messageSentAt = clock.now();
    await postWhatsAppMessage(service, WEBHOOK_SECRET, { from: patient.phone, id: `wamid.IN.${randomUUID()}`, sentAt: messageSentAt, content: { type: 'text', text: { body: 'Can I come at 11 instead?' } } });

    // Then the conversation arrives in the list: who, the whole number, the centre, the window open, unanswered
    await item(page).waitFor({ timeout: 15_000 });
    expect(await item(page).locator('.conversation-who').textContent()).toBe('Kavya Iyer');
    expect(await item(page).locator('[data-testid=contact]').textContent()).toBe(patient.phone);
    expect(await item(page).textContent()).toContain('centre-blr');
    expect(await item(page).locator('[data-testid=window]').textContent()).toMatch(/^Window open · 2[34] h \d+ min left$/);
    expect(await item(page).locator('[data-testid=unanswered]').isVisible()).toBe(true);

    // When it is opened, the thread shows the clinic's confirmation (sent) and the patient's message
    await item(page).click();
    const thread = page.locator('[data-testid=thread]');
    await thread.locator('.bubble.in', { hasText: 'Can I come at 11 instead?' }).waitFor({ timeout: 10_000 });
    const confirmation = thread.locator('.bubble.out[data-type=template]');
    expect(await confirmation.locator('[data-testid=message-type]').textContent()).toBe('Template');
    expect(await confirmation.locator('[data-testid=message-status]').textContent()).toBe('sent');
    expect(await item(page).getAttribute('aria-current')).toBe('true');
    expect(new URL(page.url()).hash).toBe(`#conversation=${conversationId}`);
    expect(await replyBox(page).getAttribute('data-state')).toBe('ready');
  }, 60_000);

  it('sends a reply once with its key though the first answer is lost, and shows who sent it and its status', async () => {
    // Given the first answer to the reply is lost on its way back to the page (the service did record it)
    let lost = false;
    await page.route('**/graphql', async (route) => {
      if (!lost && route.request().postData()?.includes('replyToPatient')) {
        lost = true;
        await route.fetch();
        return route.abort('failed');
      }
      return route.fallback();
    });
    await page.fill('#reply-text', 'Yes, 11:00 works. See you then!');
    await page.getByRole('button', { name: 'Send', exact: true }).click();
    await expect.poll(() => page.textContent('[data-testid=reply-status]')).toContain('No answer from the service');
    expect(await replyBox(page).getAttribute('data-state')).toBe('uncertain');
    await page.unroute('**/graphql');

    // When the front desk sends it again
    await page.getByRole('button', { name: 'Send again' }).click();

    // Then the service answers with the reply it already had: the patient gets it once
    await expect.poll(() => page.textContent('[data-testid=reply-status]')).toBe('Sent already: nothing more was sent.');
    expect(await page.inputValue('#reply-text')).toBe('');
    const reply = page.locator('[data-testid=thread] .bubble.out', { hasText: 'Yes, 11:00 works. See you then!' });
    expect(await reply.locator('[data-testid=sent-by]').textContent()).toBe(' · by desk-blr');
    await reply.locator('[data-testid=message-status]', { hasText: /^(sent|delivered|read)$/ }).waitFor({ timeout: 15_000 });
    expect(textsSentToPatient()).toEqual([expect.objectContaining({ text: expect.objectContaining({ body: 'Yes, 11:00 works. See you then!' }) })]);
    // The patient no longer has the last word
    await expect.poll(() => item(page).getAttribute('data-unanswered')).toBe('false');
    await page.screenshot({ path: `${ARTIFACTS}/dashboard-conversation-reply.png` });
  }, 60_000);

  it('shows a dashboard token the conversation with the number masked, and no way to reply', async () => {
    const wall = await browser.context.newPage();
    wall.on('console', (message) => consoleLines.push(message.text()));
    await signIn(wall, DASHBOARD_TOKEN);
    expect(await wall.locator('nav.tabs button').allTextContents()).toEqual(['Live deliveries', 'Templates', 'Conversations']);
    await wall.getByRole('button', { name: 'Conversations' }).click();
    await item(wall).waitFor({ timeout: 10_000 });
    const contact = await item(wall).locator('[data-testid=contact]').textContent();
    expect(contact).toMatch(/^\+91\*+\d{4}$/);
    expect(contact).toBe(`+91******${patient.phone.slice(-4)}`);

    await item(wall).click();
    await wall.locator('[data-testid=thread] .bubble.in').first().waitFor({ timeout: 10_000 });
    expect(await wall.textContent('[data-testid=thread-contact]')).not.toContain(patient.phone.slice(3, 9));
    expect(await replyBox(wall).getAttribute('data-state')).toBe('blocked');
    expect(await wall.isDisabled('#reply-text')).toBe(true);
    expect(await wall.isDisabled('[data-testid=reply-box] button[type=submit]')).toBe(true);
    expect(await wall.textContent('[data-testid=reply-reason]')).toContain('may not reply');
    await wall.screenshot({ path: `${ARTIFACTS}/dashboard-conversation-masked.png` });
    await wall.close();
  }, 60_000);

  it('closes the reply box once the window has closed, saying when and why', async () => {
    // Given the service's clock a second past the window's close (24 hours after the message)
    const closesAt = Math.floor(messageSentAt.getTime() / 1000) * 1000 + 24 * HOUR;
    clock.set(new Date(closesAt + 1000));
    try {
      // When the front desk comes back to the conversation (a reload reopens it from the address)
      await page.reload();
      await page.locator('[data-testid=thread] .bubble.in').first().waitFor({ timeout: 15_000 });

      // Then the window reads closed and the reply box is disabled, with the reason
      await expect.poll(() => replyBox(page).getAttribute('data-state')).toBe('blocked');
      expect(await page.isDisabled('#reply-text')).toBe(true);
      const reason = await page.textContent('[data-testid=reply-reason]');
      expect(reason).toMatch(/^Window closed at .+: WhatsApp allows only templates now\.$/);
      expect(await page.textContent('[data-testid=thread-window]')).toBe('Window closed');
      expect(await item(page).locator('[data-testid=window]').textContent()).toBe('Window closed');
      await page.screenshot({ path: `${ARTIFACTS}/dashboard-conversation-closed.png` });
    } finally {
      clock.set(messageSentAt);
    }
  }, 60_000);

  it('writes nothing personal or secret to the browser console', () => {
    const printed = consoleLines.join('\n');
    for (const secret of [patient.phone, patient.phone.slice(1), patient.name, FRONTDESK_TOKEN, DASHBOARD_TOKEN, ADMIN_TOKEN]) expect(printed).not.toContain(secret);
  });
});
