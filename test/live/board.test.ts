import { mkdirSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import { ARTIFACTS, launchBrowser, watchProblems } from '../support/browser.ts';
import { admin, gql, redisEnv, startHub, type Hub } from '../support/hub.ts';
import { subscriptionsActive, until, type Json } from '../support/live.ts';

const WALL = { width: 1920, height: 1080 };

/** The board's grouping rule, from the graph: what the attention group must count. */
async function attentionCount(hub: Hub, plant: string, workCenter?: string): Promise<number> {
  const res = await gql(hub.gateway, `query($plant: ID) {
    productionOrders(plant: $plant, status: [RELEASED, PARTIALLY_CONFIRMED], first: 500) { edges { node {
      dueStatus plannedQuantity scrapQuantity excludedWorkOrders { reason } workOrders { currentOperation { equipment { workCenter } } } } } }
    equipmentList(plant: $plant) { state workCenter } }`, { plant });
  const orders: Json[] = res.body.data!.productionOrders.edges.map((e: Json) => e.node);
  const here = (wc: string | undefined) => !workCenter || wc === workCenter;
  const machines = res.body.data!.equipmentList.filter((e: Json) => ['DOWN', 'MAINTENANCE'].includes(e.state) && here(e.workCenter)).length;
  const concerned = orders.filter((o) =>
    (!workCenter || o.workOrders.some((w: Json) => w.currentOperation?.equipment?.workCenter === workCenter)) &&
    (o.dueStatus === 'LATE' || o.scrapQuantity / o.plannedQuantity >= 0.1 || o.excludedWorkOrders.length > 0)).length;
  return machines + concerned;
}

async function screenshot(page: Page, name: string): Promise<void> {
  mkdirSync(ARTIFACTS, { recursive: true });
  await page.screenshot({ path: new URL(name, ARTIFACTS).pathname, fullPage: false });
}

describe('the production board on a 1920x1080 wall screen', () => {
  let hub: Hub;
  let browser: Browser;
  beforeAll(async () => {
    [hub, browser] = await Promise.all([startHub({ env: redisEnv('board') }), launchBrowser()]);
  });
  afterAll(async () => {
    await browser?.close();
    await hub?.close();
  });

  it('opens on the attention group, fits the screen, and shows a change made on the shop floor within seconds', async () => {
    const origin = new URL(hub.gateway).origin;
    const page = await browser.newPage({ viewport: WALL });
    const problems = watchProblems(page);
    await page.goto(`${origin}/board?plant=1000&rotate=600`);
    const title = page.locator('.group-title[data-group="attention"]');
    await title.waitFor({ timeout: 20_000 });
    await page.locator('#status.live').waitFor();
    await until(async () => (await subscriptionsActive(hub.gateway)) === 2);

    const expected = await attentionCount(hub, '1000');
    expect(expected).toBeGreaterThan(3);
    expect(await title.textContent()).toMatch(new RegExp(`^Needs attention · ${expected}\\b`));
    expect(await page.locator('.tab').allTextContents()).toEqual([
      `Needs attention ${expected}`, expect.stringMatching(/^Running \d+$/), expect.stringMatching(/^Released, not started \d+$/),
    ]);
    // One screen: nothing scrolls, every card is inside the viewport, and the page is full before it pages.
    expect(await page.evaluate(() => document.documentElement.scrollHeight <= window.innerHeight)).toBe(true);
    const boxes = await page.locator('.card').evaluateAll((cards) => cards.map((c) => c.getBoundingClientRect().bottom));
    expect(boxes.length).toBeGreaterThanOrEqual(Math.min(expected, 15));
    for (const bottom of boxes) expect(bottom).toBeLessThanOrEqual(WALL.height);
    // Planned end and lateness on every order card.
    for (const due of await page.locator('.card.order .due').allTextContents()) expect(due).toMatch(/^due .+ · (late by|expected|on time)/);
    expect(await page.locator('.card.order .due.LATE').count()).toBeGreaterThan(0);

    // A machine goes down on the shop floor: it shows at the top of the attention group, highlighted.
    const eq = (await gql(hub.gateway, '{ equipmentList(plant: "1000") { id state } }')).body.data!.equipmentList.find((e: Json) => e.state === 'RUNNING');
    const t0 = Date.now();
    await admin.equipmentState(hub.mesApi, { equipmentId: eq.id, state: 'DOWN' });
    const machine = page.locator(`.card.machine[data-equipment="${eq.id}"]`);
    await machine.waitFor({ timeout: 15_000 });
    const shownAfterMs = Date.now() - t0;
    expect(await machine.getAttribute('class')).toContain('changed');
    expect(await machine.locator('.since').textContent()).toMatch(/^down for (under a minute|\d+ min)$/);
    expect(await title.textContent()).toMatch(new RegExp(`^Needs attention · ${expected + 1}\\b`));

    // Progress on an order on the screen: its card is redrawn from the event and highlighted.
    const visible = await page.locator('.card.order').evaluateAll((cards) => cards.map((c) => (c as HTMLElement).dataset.order));
    const work = (await gql(hub.gateway, 'query($first: Int) { workOrders(plant: "1000", status: [RUNNING], first: $first) { edges { node { id productionOrder { id } } } } }', { first: 500 }))
      .body.data!.workOrders.edges.map((e: Json) => e.node).find((w: Json) => visible.includes(w.productionOrder.id));
    expect(work).toBeTruthy();
    const card = page.locator(`.card.order[data-order="${work.productionOrder.id}"]`);
    await until(async () => !(await card.getAttribute('class'))?.includes('changed'), 10_000, 'the first highlight to fade');
    const t1 = Date.now();
    await admin.progress(hub.mesApi, { workOrderId: work.id, goodQuantity: 1, scrapQuantity: 0 });
    await until(async () => !!(await card.getAttribute('class'))?.includes('changed'), 15_000, 'the card to light up');
    const progressShownAfterMs = Date.now() - t1;
    process.stdout.write(`board: machine down shown after ${shownAfterMs} ms, progress after ${progressShownAfterMs} ms\n`);

    await screenshot(page, 'board-1920x1080.png');
    expect(problems).toEqual([]);
    await page.close();
  }, 90_000);

  it('kiosk mode: no controls, one work center, and pages rotate by themselves', async () => {
    const origin = new URL(hub.gateway).origin;
    const page = await browser.newPage({ viewport: WALL });
    const problems = watchProblems(page);
    await page.goto(`${origin}/board?plant=1000&workCenter=MIX1000&kiosk=1&rotate=1`);
    await page.locator('.group-title').first().waitFor({ timeout: 20_000 });
    expect(await page.locator('.controls').isVisible()).toBe(false);
    const expected = await attentionCount(hub, '1000', 'MIX1000');
    expect(await page.locator('.tab[data-group="attention"]').textContent()).toBe(`Needs attention ${expected}`);
    for (const text of await page.locator('.card.machine .material').allTextContents()) expect(text).toContain('MIX1000');
    const seen = new Set<string>();
    await until(async () => {
      seen.add((await page.locator('#summary').textContent()) ?? '');
      return seen.size >= 3;
    }, 20_000, 'the pages to rotate');
    await screenshot(page, 'board-kiosk-1920x1080.png');
    expect(problems).toEqual([]);
    await page.close();
  }, 60_000);
});
