import { randomUUID } from 'node:crypto';
import { existsSync } from 'node:fs';
import { copyFile, mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApp, type RunningApp } from '../../src/app.js';
import { signToken } from '../../src/auth/index.js';
import { DEMO_CLAIMS, DEMO_DIST } from '../../src/demo.js';
import { launchChromium, type Browser } from './chromium.js';
import { developmentConfig } from './development-config.js';

/** The live usage card in Chromium, against the app on a free port. `npm run test:e2e` builds the demo first. */
const accountGlobalId = (accountId: string) => Buffer.from(`Account:${accountId}`).toString('base64');

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

    // A service debits the pool over HTTP: the card follows without a reload.
    const service = await signToken(config.auth, { sub: 'svc:e2e', role: 'service' }, '5m');
    const response = await fetch(running.graphqlUrl, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${service}` },
      body: JSON.stringify({
        query: 'mutation ($input: ConsumeCreditsInput!) { consumeCredits(input: $input) { __typename ... on Error { message } } }',
        variables: { input: { accountId: accountGlobalId('org:demo-org'), meter: 'AI_CREDITS', amount: 7, feature: 'script.generate', idempotencyKey: randomUUID() } },
      }),
    });
    expect(await response.json()).toEqual({ data: { consumeCredits: { __typename: 'ConsumeCreditsSuccess' } } });
    await expect.poll(() => text('available-AI_CREDITS'), { timeout: 5_000 }).toBe('43');
    await expect.poll(() => page.getByTestId('usage-feed').locator('li').first().textContent()).toContain('-7');

    // 8 × 4K images cost 32: the second batch no longer fits (43 → 11), and the pool refuses it.
    await page.locator('[data-action="exhaust"]').click();
    const result = page.getByTestId('generate-result');
    await expect.poll(() => result.textContent(), { timeout: 15_000 }).toMatch(/^Not enough AI credits: 32 needed, 11 available\./);
    expect(await result.textContent()).toContain('Or upgrade to Rheos Pro');
    expect(await page.getByTestId('upgrade-hint').textContent()).toMatch(/Rheos Pro/);
    await expect.poll(() => text('available-AI_CREDITS'), { timeout: 5_000 }).toBe('11');
    expect(await page.getByTestId('usage-feed').locator('li').count()).toBeGreaterThanOrEqual(3);

    await mkdir('test-artifacts', { recursive: true });
    await page.screenshot({ path: 'test-artifacts/live-card.png', fullPage: true });
    await copyFile('test-artifacts/live-card.png', 'docs/live-card.png');

    // Sidebar width: still one column, nothing cut off horizontally.
    await page.setViewportSize({ width: 320, height: 900 });
    const overflow = await page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
    expect(overflow).toBe(0);
    await page.screenshot({ path: 'test-artifacts/live-card-320.png', fullPage: true });
  });
});
