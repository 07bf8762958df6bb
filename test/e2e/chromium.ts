import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type BrowserContext } from 'playwright-core';

/** Debian's Chromium, at CHROMIUM_PATH or /usr/bin/chromium: playwright-core never downloads one. */
const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
// No background traffic of the browser's own (updates, sync, QUIC probes) beside the page's.
const ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'];

export type Browser = { readonly context: BrowserContext; close(): Promise<void> };

/** A headless Chromium with a throw-away profile; `close` removes the profile too. */
export async function launchChromium(viewport = { width: 900, height: 900 }): Promise<Browser> {
  if (!existsSync(CHROMIUM)) throw new Error(`no Chromium at ${CHROMIUM}: apt-get install chromium`);
  const profile = await mkdtemp(join(tmpdir(), 'cs-chromium-'));
  const context = await chromium.launchPersistentContext(profile, { executablePath: CHROMIUM, headless: true, args: ARGS, viewport }).catch(async (error: unknown) => {
    await rm(profile, { recursive: true, force: true });
    throw error;
  });
  return {
    context,
    async close() {
      await context.close();
      await rm(profile, { recursive: true, force: true });
    },
  };
}
