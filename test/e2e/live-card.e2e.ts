import { existsSync } from 'node:fs';
import { copyFile, mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApp, type RunningApp } from '../../src/app.js';
import { signToken } from '../../src/auth/index.js';
import { DEMO_CLAIMS, DEMO_DIST } from '../../src/demo.js';
import { launchChromium, type Browser } from './chromium.js';
import { debitFromOutside } from './debit.js';
import { developmentConfig } from './development-config.js';

/**
 * The live usage card in Chromium, against the app on a free port. `npm run test:e2e` builds the
 * demo first; with UPDATE_SCREENSHOTS=1 it also rewrites docs/live-card.png, the README's picture.
 */
describe('the live usage card', () => {
  const config = developmentConfig();
  const app = createApp(config);
  let running: RunningApp;
  let browser: Browser;
  let page: Page;

  beforeAll(async () => {
    if (!existsSync(join(DEMO_DIST, 'index.html'))) throw new Error('the demo is not built: run `npm run demo:build` (npm run test:e2e does)');
    running = await app.start();
    browser = await launchChromium();
    page = await browser.context.newPage();
  });
  afterAll(async () => {
    await browser?.close();
    await app.stop();
  });

  const text = (testId: string) => page.getByTestId(testId).textContent();
  const todaysBar = () => page.getByTestId('usage-chart-AI_CREDITS').locator('rect.day.today');
  const chartLabel = () => page.getByTestId('usage-chart-AI_CREDITS').locator('svg').getAttribute('aria-label');

  /** A service charges the demo organization's pool over HTTP, as a product's backend would. */
  const debitPool = (amount: number) => debitFromOutside(config, running.graphqlUrl, 'org:demo-org', amount);

  it('animates a debit made outside the page, then shows the typed insufficient-credits error with its upgrade hint', async () => {
    const token = await signToken(config.auth, DEMO_CLAIMS, '1h');
    await page.goto(`${running.url}/demo?token=${encodeURIComponent(token)}`);
    await page.locator('#conn[data-state="live"]').waitFor({ timeout: 15_000 });
    // A new organization on the default plan, Rheos Free: 50 AI credits a month, no video.
    await expect.poll(() => text('available-AI_CREDITS')).toBe('50');
    expect(await text('available-VIDEO_GENERATIONS')).toBe('0');
    expect(await page.locator('#plan').textContent()).toBe('Rheos Free');
    expect(await page.locator('#signin').isHidden()).toBe(true);
    expect(new URL(page.url()).search).toBe(''); // the token left the address bar

    // The chart of usage per day: a bar for every day of the month-long period, none used yet.
    const days = await page.getByTestId('usage-chart-AI_CREDITS').locator('rect.day').count();
    expect(days).toBeGreaterThanOrEqual(28);
    expect(days).toBeLessThanOrEqual(32);
    expect(await todaysBar().getAttribute('data-used')).toBe('0');
    expect(await chartLabel()).toMatch(/^AI credits used per day, .+ to .+: none yet\.$/);

    // A service debits the pool over HTTP: the card follows without a reload, today's bar too.
    await debitPool(7);
    await expect.poll(() => text('available-AI_CREDITS'), { timeout: 5_000 }).toBe('43');
    await expect.poll(() => page.getByTestId('usage-feed').locator('li').first().textContent()).toContain('-7');
    await expect.poll(() => todaysBar().getAttribute('data-used')).toBe('7');
    expect(await todaysBar().getAttribute('class')).toContain('grew');
    expect(await chartLabel()).toMatch(/: 7 in all; [^;:]+: 7; none on the other days\.$/);

    // 8 × 4K images cost 32: the second batch no longer fits (43 → 11), and the pool refuses it.
    await page.locator('[data-action="exhaust"]').click();
    const result = page.getByTestId('generate-result');
    await expect.poll(() => result.textContent(), { timeout: 15_000 }).toMatch(/^Not enough AI credits: 32 needed, 11 available\./);
    expect(await result.textContent()).toContain('Or upgrade to Rheos Pro');
    expect(await page.getByTestId('upgrade-hint').textContent()).toMatch(/Rheos Pro/);
    await expect.poll(() => text('available-AI_CREDITS'), { timeout: 5_000 }).toBe('11');
    expect(await page.getByTestId('usage-feed').locator('li').count()).toBeGreaterThanOrEqual(3);
    // 7 from outside and the 32 of the batch that fitted, all today.
    await expect.poll(() => todaysBar().getAttribute('data-used')).toBe('39');
    expect(await chartLabel()).toContain(': 39 in all;');
    expect(await page.getByTestId('usage-chart-AI_CREDITS').locator('rect.day:not(.today)[data-used="0"]').count()).toBe(days - 1);

    // The latest sessions with their cost: this visit's, which made the batch that fitted.
    const sessions = page.getByTestId('sessions').locator('li');
    await expect.poll(() => sessions.first().locator('.cost').textContent()).toBe('32 AI credits');
    expect(await sessions.first().getAttribute('data-session')).toMatch(/^card-/);
    expect(await sessions.count()).toBe(1); // the debit from outside had no session
    // The README's picture: the refusal with its upgrade hint, the chart and the session's cost.
    await mkdir('test-artifacts', { recursive: true });
    await page.screenshot({ path: 'test-artifacts/live-card.png', fullPage: true });
    if (process.env.UPDATE_SCREENSHOTS === '1') await copyFile('test-artifacts/live-card.png', 'docs/live-card.png');

    // A step regenerated unchanged is charged once: its session costs 1 for 2 generations.
    for (const expected of ['1 generation', '2 generations']) {
      await page.locator('[data-action="regen"]').click();
      await expect.poll(() => sessions.first().locator('.what').textContent(), { timeout: 10_000 }).toBe(`demo-session · ${expected}`);
    }
    expect(await result.textContent()).toBe('Generated (unchanged step, reused): charged 0 credits.');
    expect(await sessions.first().locator('.cost').textContent()).toBe('1 AI credit');
    expect(await sessions.count()).toBe(2);
    await expect.poll(() => todaysBar().getAttribute('data-used')).toBe('40');

    // What the ticks drew is what the summary says: a reload draws the same bar.
    await page.reload();
    await page.locator('#demo-token').click();
    await page.locator('#conn[data-state="live"]').waitFor({ timeout: 15_000 });
    expect(await todaysBar().getAttribute('data-used')).toBe('40');

    // Sidebar width: still one column, nothing cut off horizontally.
    await page.setViewportSize({ width: 320, height: 900 });
    const overflow = await page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
    expect(overflow).toBe(0);
    await page.screenshot({ path: 'test-artifacts/live-card-320.png', fullPage: true });
  });

  it('asks to sign in again when its token expires, with the actions off, then resumes where it stopped', async () => {
    // The demo user's token lives 3 seconds: the WebSocket closes with 4401 when it expires.
    await page.route('**/demo/token', (route) => route.continue({ url: `${running.url}/demo/token?ttl=3` }));
    await page.goto(`${running.url}/demo`);
    await page.locator('#demo-token').click();
    await page.locator('#conn[data-state="live"]').waitFor({ timeout: 15_000 });
    const before = Number(await text('available-AI_CREDITS'));
    const used = Number(await todaysBar().getAttribute('data-used'));

    const banner = page.locator('#session-ended');
    await banner.waitFor({ state: 'visible', timeout: 10_000 });
    expect(await banner.textContent()).toContain('Your session expired');
    expect(await page.locator('#conn').getAttribute('data-state')).toBe('offline');
    for (const button of await page.locator('[data-action]').all()) expect(await button.isDisabled()).toBe(true);

    // What happens meanwhile is on the card once it signs in again (with an hour-long token).
    await debitPool(2);
    await page.unroute('**/demo/token');
    await page.getByRole('button', { name: 'Sign in again' }).click();
    await page.locator('#conn[data-state="live"]').waitFor({ timeout: 15_000 });
    expect(await banner.isHidden()).toBe(true);
    for (const button of await page.locator('[data-action]').all()) expect(await button.isEnabled()).toBe(true);
    await expect.poll(() => text('available-AI_CREDITS')).toBe(String(before - 2));
    expect(await todaysBar().getAttribute('data-used')).toBe(String(used + 2));

    // Live again, from where it stopped: the next debit arrives once, as a tick.
    await debitPool(1);
    await expect.poll(() => text('available-AI_CREDITS'), { timeout: 5_000 }).toBe(String(before - 3));
    await expect.poll(() => todaysBar().getAttribute('data-used')).toBe(String(used + 3));
    const seqs = await page.getByTestId('usage-feed').locator('li').evaluateAll((items) => items.map((item) => (item as HTMLElement).dataset.seq));
    expect(new Set(seqs).size).toBe(seqs.length);
  });

  it('asks for a new token when a pasted one expires, and resumes with it', async () => {
    await page.goto(`${running.url}/demo?token=${encodeURIComponent(await signToken(config.auth, DEMO_CLAIMS, '3s'))}`);
    await page.locator('#conn[data-state="live"]').waitFor({ timeout: 15_000 });
    await page.locator('#session-ended').waitFor({ state: 'visible', timeout: 10_000 });
    await page.getByRole('button', { name: 'Sign in again' }).click();
    // No demo token for someone else's token: the sign-in form, saying why.
    await page.locator('#signin').waitFor({ state: 'visible' });
    expect(await page.locator('#signin-error').textContent()).toBe('The access token has expired. Paste a new token, or use the demo user.');
    await page.locator('#token-input').fill(await signToken(config.auth, DEMO_CLAIMS, '1h'));
    await page.getByRole('button', { name: 'Connect' }).click();
    await page.locator('#conn[data-state="live"]').waitFor({ timeout: 15_000 });
    expect(await page.locator('#session-ended').isHidden()).toBe(true);
    expect(await page.locator('[data-action="sd"]').isEnabled()).toBe(true);
  });

  it("shows a plain member of the pool its own usage per day, not the rest of the pool's", async () => {
    await page.goto(`${running.url}/demo?token=${encodeURIComponent(await signToken(config.auth, { sub: 'demo-member', org: 'demo-org', role: 'member' }, '1h'))}`);
    await page.locator('#conn[data-state="live"]').waitFor({ timeout: 15_000 });
    expect(await todaysBar().getAttribute('data-used')).toBe('0');
    // The pool is charged by someone else, then by this member: only the member's own counts.
    await debitPool(1);
    await page.locator('[data-action="sd"]').click();
    await expect.poll(() => page.getByTestId('generate-result').textContent(), { timeout: 15_000 }).toBe('Generated: charged 1 credit.');
    await expect.poll(() => todaysBar().getAttribute('data-used')).toBe('1');
    expect(await chartLabel()).toContain(': 1 in all;');
    await page.reload();
    await page.locator('#token-input').fill(await signToken(config.auth, { sub: 'demo-member', org: 'demo-org', role: 'member' }, '1h'));
    await page.getByRole('button', { name: 'Connect' }).click();
    await page.locator('#conn[data-state="live"]').waitFor({ timeout: 15_000 });
    expect(await todaysBar().getAttribute('data-used')).toBe('1');
  });
});
