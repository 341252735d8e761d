import { mkdirSync } from 'node:fs';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ARTIFACTS, launchBrowser, watchProblems } from './support/browser.ts';
import { startHub, type Hub } from './support/hub.ts';

// The explorer's answer is arbitrary JSON, read field by field.
type Json = any;

describe('the explorer in a browser', () => {
  let hub: Hub;
  let browser: Browser;
  beforeAll(async () => {
    [hub, browser] = await Promise.all([startHub(), launchBrowser()]);
  });
  afterAll(async () => {
    await browser?.close();
    await hub?.close();
  });

  it('opens GraphiQL offline with the example tabs and runs the 50-order cross-system query', async () => {
    const page = await browser.newPage({ viewport: { width: 1400, height: 900 } });
    const problems = watchProblems(page);
    const external: string[] = [];
    page.on('request', (r) => (new URL(r.url()).origin !== new URL(hub.gateway).origin ? external.push(r.url()) : undefined));
    await page.goto(hub.gateway);
    await page.locator('.graphiql-container').waitFor({ timeout: 20_000 });
    const tabs = page.locator('.graphiql-tab');
    expect(await tabs.count()).toBeGreaterThanOrEqual(3);
    await tabs.nth(1).click();
    await page.locator('.graphiql-editor .CodeMirror').first().waitFor();
    expect(await page.locator('.graphiql-query-editor').innerText()).toContain('query CrossSystem');
    // GraphiQL picks up the tab's operation name after a debounce; a person clicks later than a robot.
    await page.waitForTimeout(500);
    await page.locator('.graphiql-execute-button').click();
    // The response pane renders only what is on screen; CodeMirror holds the whole text.
    const responseText = () =>
      page.evaluate(() => {
        const el = document.querySelector('.graphiql-response .CodeMirror') as (Element & { CodeMirror?: { getValue(): string } }) | null;
        return el?.CodeMirror?.getValue() ?? '';
      });
    await expect.poll(async () => (await responseText()).length > 1000, { timeout: 20_000 }).toBe(true);
    const body = JSON.parse(await responseText());
    expect(body.errors).toBeUndefined();
    const nodes: Json[] = body.data.productionOrders.edges.map((e: Json) => e.node);
    expect(nodes).toHaveLength(50);
    expect(nodes.every((n) => n.plant === '1000' && Array.isArray(n.material.stock) && Array.isArray(n.material.lots) && Array.isArray(n.workOrders))).toBe(true);
    mkdirSync(ARTIFACTS, { recursive: true });
    await page.screenshot({ path: new URL('explorer.png', ARTIFACTS).pathname });
    expect(external).toEqual([]);
    expect(problems).toEqual([]);
    await page.close();
  }, 60_000);
});
