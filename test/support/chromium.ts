import { existsSync } from 'node:fs';
import type { Browser } from 'puppeteer-core';

/** Debian's chromium (.ci/run installs it); CHROMIUM_PATH names another. */
export const CHROMIUM = process.env.CHROMIUM_PATH || '/usr/bin/chromium';

/**
 * `describe` when Chromium is there; otherwise `describe.skip`, after saying which test is skipped
 * and how to get Chromium.
 */
export function describeInChromium(what: string): jest.Describe {
  if (existsSync(CHROMIUM)) return describe;
  console.warn(
    `${what} SKIPPED: no Chromium at ${CHROMIUM} ` +
      '(install it with `apt-get install -y chromium`, as .ci/run does, or set CHROMIUM_PATH)',
  );
  return describe.skip;
}

/** Headless Chromium driven by puppeteer-core. */
export async function launchChromium(): Promise<Browser> {
  const puppeteer = await import('puppeteer-core');
  return puppeteer.launch({
    executablePath: CHROMIUM,
    headless: true,
    // root in CI containers has no user namespaces for Chromium's sandbox
    args: ['--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage'],
  });
}
