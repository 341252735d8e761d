import { mkdirSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser } from 'playwright-core';
import { ARTIFACTS, launchBrowser, watchProblems } from '../support/browser.ts';
import { admin, gql, redisEnv, startHub, type Hub } from '../support/hub.ts';
import { reportableWorkOrders, subscriptionsActive, until } from '../support/live.ts';


describe('the live production board in a browser', () => {
  let hub: Hub;
  let browser: Browser;
  beforeAll(async () => {
    [hub, browser] = await Promise.all([startHub({ env: redisEnv('board') }), launchBrowser()]);
  });
  afterAll(async () => {
    await browser?.close();
    await hub?.close();
  });

  it('shows the running orders, moves the bar on a progress report, raises an equipment-down alert, logs no errors', async () => {
    const [wo] = await reportableWorkOrders(hub, '1000');
    const origin = new URL(hub.gateway).origin;
    const page = await browser.newPage({ viewport: { width: 1400, height: 900 } });
    const problems = watchProblems(page);
    await page.goto(`${origin}/board?plant=1000`);
    const card = page.locator(`[data-order="${wo!.productionOrderId}"]`);
    await card.waitFor({ timeout: 20_000 });
    await page.locator('#status.live').waitFor();
    await until(async () => (await subscriptionsActive(hub.gateway)) === 2);
    const widthOf = () => card.locator('.bar-produced').evaluate((e) => parseFloat((e as HTMLElement).style.width));
    const before = await widthOf();
    const text = await card.locator('.produced').textContent();

    await admin.progress(hub.mesApi, { workOrderId: wo!.workOrderId, goodQuantity: wo!.step, scrapQuantity: 1 });
    await until(async () => (await widthOf()) > before, 15_000, 'the bar to move');
    expect(await card.locator('.produced').textContent()).not.toBe(text);
    const order = (await gql(hub.gateway, 'query($id: ID!) { productionOrder(id: $id) { producedQuantity } }', { id: wo!.productionOrderId }))
      .body.data!.productionOrder;
    expect(await card.locator('.bar').getAttribute('aria-valuenow')).toBe(String(order.producedQuantity));

    const eq = (await gql(hub.gateway, '{ equipmentList(plant: "1000") { id state } }')).body.data!.equipmentList.find((e: { state: string }) => e.state !== 'DOWN');
    await admin.equipmentState(hub.mesApi, { equipmentId: eq.id, state: 'DOWN' });
    await page.locator(`.alert[data-equipment="${eq.id}"]`).waitFor({ timeout: 15_000 });

    mkdirSync(ARTIFACTS, { recursive: true });
    await page.screenshot({ path: new URL('board.png', ARTIFACTS).pathname, fullPage: false });
    expect(problems).toEqual([]);
    await page.close();
  }, 60_000);
});
