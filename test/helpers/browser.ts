/**
 * A headless Chromium for the dashboard tests: Debian's `chromium` package driven by playwright-core
 * (no browser download). Tests skip with a message naming the apt package when it is missing, and
 * fail instead when `CI` is set.
 */
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type BrowserContext, type Page } from 'playwright-core';
import { describe } from 'vitest';

/** The system browser: `CHROMIUM_PATH`, else Debian's. */
export const CHROMIUM: string = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

/** Whether the browser is installed. */
export const hasChromium: boolean = existsSync(CHROMIUM);

/** `describe` when Chromium is installed; otherwise a visible skip (or, under `CI`, a failure). */
export function describeWithBrowser(name: string, fn: () => void): void {
  if (hasChromium) {
    describe(name, fn);
    return;
  }
  if (process.env.CI) throw new Error(`Expected Chromium at ${CHROMIUM} (CI is set): install Debian's \`chromium\` package (apt-get install -y chromium)`);
  console.warn(`[skip] "${name}": no browser at ${CHROMIUM}; install Debian's \`chromium\` package (apt-get install -y chromium) or set CHROMIUM_PATH`);
  describe.runIf(false)(name, fn);
}

/** A launched browser with its own fresh profile; `close()` ends it and removes the profile. */
export interface TestBrowser {
  readonly context: BrowserContext;
  /** A new tab of `width` × `height` CSS pixels. */
  newPage(width: number, height: number): Promise<Page>;
  close(): Promise<void>;
}

/** Launches headless Chromium with a fresh profile, no network services, no GPU. */
export async function launchBrowser(): Promise<TestBrowser> {
  const profile = mkdtempSync(join(tmpdir(), 'cortado-chromium-'));
  // playwright passes the fresh profile as --user-data-dir.
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    headless: true,
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
    // Chromium's start-up alone took over 20 s on the 2-core machine at load 20.
    timeout: 90_000,
  }).catch((error: unknown) => {
    rmSync(profile, { recursive: true, force: true });
    throw error;
  });
  return {
    context,
    newPage: async (width, height) => {
      const page = await context.newPage();
      await page.setViewportSize({ width, height });
      return page;
    },
    close: async () => {
      await context.close().catch(() => undefined);
      rmSync(profile, { recursive: true, force: true });
    },
  };
}
