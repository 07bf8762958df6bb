import type { Page, Request } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApp, type RunningApp } from '../../src/app.js';
import { signToken } from '../../src/auth/index.js';
import { launchChromium, type Browser } from './chromium.js';
import { developmentConfig } from './development-config.js';

/** Whether a request stays on this machine: the server on loopback, or what the page made itself. */
function staysOnMachine(url: string): boolean {
  const { protocol, hostname } = new URL(url);
  if (protocol === 'data:' || protocol === 'blob:' || protocol === 'about:') return true;
  return hostname === '127.0.0.1';
}

describe('GraphiQL', () => {
  const config = developmentConfig();
  const app = createApp(config);
  let running: RunningApp;
  let browser: Browser;
  let page: Page;
  /** Every request that would have left the machine (aborted before it left). */
  const leaving: string[] = [];

  beforeAll(async () => {
    running = await app.start();
    browser = await launchChromium({ width: 1400, height: 900 });
    // As on a machine with no network beyond itself: every request is recorded, and nothing but
    // loopback is answered.
    browser.context.on('request', (request: Request) => {
      if (!staysOnMachine(request.url())) leaving.push(request.url());
    });
    await browser.context.route('**/*', (route) => (staysOnMachine(route.request().url()) ? route.continue() : route.abort('internetdisconnected')));
    page = await browser.context.newPage();
  });
  afterAll(async () => {
    await browser?.close();
    await app.stop();
  });

  it('renders from the server alone and runs a query with the token of its Headers pane', async () => {
    const token = await signToken(config.auth, { sub: 'u1', org: 'o1', role: 'admin' }, '10m');
    await page.goto(`${running.url}/graphql`);
    const queryEditor = page.getByRole('region', { name: 'Operation Editor' }).locator('.monaco-editor');
    await queryEditor.waitFor({ timeout: 30_000 }).catch((error: unknown) => {
      throw new Error(`GraphiQL did not render; requests that would have left the machine: ${leaving.join(', ') || 'none'}`, { cause: error });
    });

    await replaceEditorText(page, queryEditor, '{ viewer { subject role organization { externalId } } plans(first: 1) { edges { node { key } } } }');
    await page.locator('.graphiql-editor-tools').getByRole('button', { name: 'Headers', exact: true }).click();
    const headersEditor = page.locator('.graphiql-editor-tool .graphiql-editor:not(.hidden) .monaco-editor');
    await replaceEditorText(page, headersEditor, JSON.stringify({ Authorization: `Bearer ${token}` }));

    await page.getByRole('button', { name: /^Execute query/ }).click();
    const resultWindow = page.getByRole('region', { name: 'Result Window' });
    // Monaco renders spaces as no-break spaces; the pane then holds the response's JSON.
    const result = async () => JSON.parse(((await resultWindow.textContent()) ?? '').replace(/\u00a0/g, ' ') || 'null') as unknown;
    await expect.poll(result, { timeout: 15_000 }).toMatchObject({
      data: { viewer: { subject: 'u1', role: 'ADMIN', organization: { externalId: 'o1' } }, plans: { edges: [{ node: { key: expect.any(String) } }] } },
    });
    expect(await result()).not.toHaveProperty('errors');
    expect(leaving).toEqual([]);
  });
});

/** Selects everything in a Monaco editor and types `text` over it, as a person pasting would. */
async function replaceEditorText(page: Page, editor: ReturnType<Page['locator']>, text: string): Promise<void> {
  await editor.click();
  await page.keyboard.press('ControlOrMeta+A');
  await page.keyboard.press('Delete');
  await page.keyboard.insertText(text);
}
