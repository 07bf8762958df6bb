import { readFileSync } from 'node:fs';
import type { Page, Request } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApp, type RunningApp } from '../../src/app.js';
import { signToken } from '../../src/auth/index.js';
import { graphqlExamples } from '../readme/examples.js';
import { launchChromium, type Browser } from './chromium.js';
import { debitFromOutside } from './debit.js';
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

  const editor = (region: string) => page.getByRole('region', { name: region }).locator('.monaco-editor');
  // Its shortcut (the button's label says "Execute query (Ctrl-Enter)"): the editor's completions may cover the button.
  const execute = () => page.keyboard.press('Control+Enter');
  // Monaco renders spaces as no-break spaces; the pane then holds the latest response's JSON.
  const result = async () => JSON.parse(((await page.getByRole('region', { name: 'Result Window' }).textContent()) ?? '').replace(/\u00a0/g, ' ') || 'null') as unknown;

  it('renders from the server alone and runs a query with the token of its Headers pane', async () => {
    const token = await signToken(config.auth, { sub: 'u1', org: 'o1', role: 'admin' }, '10m');
    await page.goto(`${running.url}/graphql`);
    await editor('Operation Editor').waitFor({ timeout: 30_000 }).catch((error: unknown) => {
      throw new Error(`GraphiQL did not render; requests that would have left the machine: ${leaving.join(', ') || 'none'}`, { cause: error });
    });

    await replaceEditorText(page, editor('Operation Editor'), '{ viewer { subject role organization { externalId } } plans(first: 1) { edges { node { key } } } }');
    await page.locator('.graphiql-editor-tools').getByRole('button', { name: 'Headers', exact: true }).click();
    const headersEditor = page.locator('.graphiql-editor-tool .graphiql-editor:not(.hidden) .monaco-editor');
    await replaceEditorText(page, headersEditor, JSON.stringify({ Authorization: `Bearer ${token}` }));

    await execute();
    await expect.poll(result, { timeout: 15_000 }).toMatchObject({
      data: { viewer: { subject: 'u1', role: 'ADMIN', organization: { externalId: 'o1' } }, plans: { edges: [{ node: { key: expect.any(String) } }] } },
    });
    expect(await result()).not.toHaveProperty('errors');
    expect(leaving).toEqual([]);
  });

  it('runs the README’s creditUsage subscription live, over server-sent events, with the same header', async () => {
    const subscription = graphqlExamples(readFileSync(new URL('../../README.md', import.meta.url), 'utf8')).find((example) => example.language === 'graphql' && /^\s*subscription\b[\s\S]*creditUsage/.test(example.source));
    if (!subscription) throw new Error('the README shows no creditUsage subscription for GraphiQL');
    // On one line: typed into the editor, a line break would be auto-indented and closed.
    await replaceEditorText(page, editor('Operation Editor'), subscription.source.replace(/\s*\n\s*/g, ' '));
    await execute();
    // The pool's history first: a new pool opens with a RESET of each meter.
    await expect.poll(result, { timeout: 15_000 }).toMatchObject({ data: { creditUsage: { kind: 'RESET' } } });

    // A service debits the pool: the tick reaches the open subscription in the page.
    await debitFromOutside(config, running.graphqlUrl, 'org:o1', 7);
    await expect.poll(result, { timeout: 10_000 }).toMatchObject({ data: { creditUsage: { kind: 'DEBIT', meter: 'AI_CREDITS', delta: -7 } } });
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
