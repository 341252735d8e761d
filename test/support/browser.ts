import { chromium, type Browser, type Page } from 'playwright-core';

/** Chromium from the system (`.ci/browser` installs it); playwright-core downloads no browser. */
export const CHROMIUM = {
  executablePath: '/usr/bin/chromium',
  args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'],
};

export const ARTIFACTS = new URL('../../test-artifacts/', import.meta.url);

export function launchBrowser(): Promise<Browser> {
  return chromium.launch(CHROMIUM);
}

/** Collects what a person would see as broken: console errors, page errors, failed requests. */
export function watchProblems(page: Page): string[] {
  const problems: string[] = [];
  page.on('console', (m) => (m.type() === 'error' ? problems.push(m.text()) : undefined));
  page.on('pageerror', (e) => problems.push(e.message));
  page.on('requestfailed', (r) => problems.push(`${r.url()} ${r.failure()?.errorText}`));
  return problems;
}
