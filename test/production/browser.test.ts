/**
 * The browser pages in production mode (separate processes, NODE_ENV=production, RS256 tokens): the
 * board, on a gateway with introspection and the explorer off (the production default), with its token
 * given once in the URL fragment; and GraphiQL, on a second gateway with ALLOW_INTROSPECTION=true, with
 * a token typed into its Headers tab. Chromium from the system, nothing from a CDN.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import { launchBrowser, watchProblems } from '../support/browser.ts';
import { admin, gql } from '../support/hub.ts';
import { subscriptionsActive, until } from '../support/live.ts';
import { startProductionPlant, type ProductionPlant } from '../support/production.ts';

/** Sets the text of one of GraphiQL's CodeMirror editors, as typing would. */
async function setEditor(page: Page, selector: string, text: string): Promise<void> {
  await page.locator(selector).first().waitFor();
  await page.evaluate(
    ([sel, value]) => (document.querySelector(sel!) as unknown as { CodeMirror: { setValue(v: string): void } }).CodeMirror.setValue(value!),
    [selector, text],
  );
}

describe('browser pages in production mode', () => {
  let plant: ProductionPlant;
  let browser: Browser;
  let origin: string;
  let explorerGateway: string;
  beforeAll(async () => {
    [plant, browser] = await Promise.all([startProductionPlant(), launchBrowser()]);
    origin = new URL(plant.gateway).origin;
    explorerGateway = await plant.anotherGateway({ ALLOW_INTROSPECTION: 'true' });
  }, 180_000);
  afterAll(async () => {
    await browser?.close();
    await plant?.close();
  }, 30_000);

  it('the board takes its token once from #token=, keeps it across reloads, and runs live', async () => {
    const token = await plant.token({ sub: 'board-hall-1', roles: ['supervisor'], expiresIn: '1h' });
    const auth = { authorization: `Bearer ${token}` };
    const page = await browser.newPage({ viewport: { width: 1400, height: 900 } });
    const problems = watchProblems(page);
    const external: string[] = [];
    page.on('request', (r) => (new URL(r.url()).origin !== origin ? external.push(r.url()) : undefined));
    const before = await subscriptionsActive(plant.gateway);
    await page.goto(`${origin}/board?plant=1000#token=${token}`);
    await page.locator('#status.live').waitFor({ timeout: 30_000 });
    await page.locator('.card.order[data-order]').first().waitFor({ timeout: 30_000 });
    // The token left the address bar and stays in this browser only.
    expect(await page.evaluate(() => location.hash)).toBe('');
    expect(await page.evaluate(() => localStorage.getItem('hub.token'))).toBe(token);
    await until(async () => (await subscriptionsActive(plant.gateway)) >= before + 2, 15_000, 'the board subscriptions');

    await page.reload();
    await page.locator('#status.live').waitFor({ timeout: 30_000 });
    const list = (await gql(plant.gateway, '{ equipmentList(plant: "1000") { id state } }', {}, auth)).body.data!.equipmentList;
    const eq = list.find((e: { state: string }) => e.state !== 'DOWN');
    await until(async () => (await subscriptionsActive(plant.gateway)) >= before + 2, 15_000, 'the board subscriptions after reload');
    await admin.equipmentState(plant.mesApi, { equipmentId: eq.id, state: 'DOWN' });
    const machine = page.locator(`.card.machine[data-equipment="${eq.id}"]`);
    await machine.waitFor({ timeout: 20_000 });
    // The live event reached the page: the machine shows as down.
    await until(async () => /^down for/.test((await machine.locator('.since').textContent()) ?? ''), 20_000, 'the machine shown as down');
    expect(problems).toEqual([]);
    expect(external).toEqual([]);
    await page.close();
  }, 90_000);

  it('the board without a token says so instead of failing silently', async () => {
    const page = await browser.newPage();
    await page.goto(`${origin}/board?plant=1000`);
    await until(async () => /token|UNAUTHENTICATED|Unauthorized|401/i.test((await page.locator('body').innerText()) ?? ''), 20_000, 'the message');
    await page.close();
  }, 40_000);

  it('GraphiQL (ALLOW_INTROSPECTION=true) works with a token from its Headers tab', async () => {
    const token = await plant.token({ sub: 'dev-ann', roles: ['planner'] });
    const page = await browser.newPage({ viewport: { width: 1400, height: 900 } });
    // The production default serves no explorer, not even its scripts.
    expect((await fetch(new URL('/explorer/graphiql.js', plant.gateway))).status).toBe(404);
    await page.goto(explorerGateway);
    await page.locator('.graphiql-container').waitFor({ timeout: 30_000 });
    await page.locator('button[data-name="headers"]').click();
    // The tool pane holds the variables editor, then the headers editor: wait until the headers one shows,
    // or the token lands in the variables (a race seen under load).
    await page.waitForFunction(() => {
      const editors = document.querySelectorAll('section.graphiql-editor-tool .graphiql-editor');
      return editors.length === 2 && editors[0]!.classList.contains('hidden') && !editors[1]!.classList.contains('hidden');
    });
    await setEditor(page, 'section.graphiql-editor-tool .graphiql-editor:not(.hidden) .CodeMirror', JSON.stringify({ authorization: `Bearer ${token}` }));
    // GraphiQL introspects again with the Headers tab's token, and gets the schema.
    await page.waitForTimeout(300); // GraphiQL takes the headers' text into its tab state after a debounce
    // (The page's first introspection, without a token, may still be answering: wait for the one with it.)
    const introspection = page.waitForResponse(
      (r) => r.request().method() === 'POST' && (r.request().postData() ?? '').includes('__schema') && !!r.request().headers()['authorization'],
    );
    await page.locator('[aria-label="Re-fetch GraphQL schema"]').click();
    const schemaAnswer = await introspection;
    expect(schemaAnswer.status()).toBe(200);
    expect(((await schemaAnswer.json()) as { data: { __schema: { queryType: { name: string } } } }).data.__schema.queryType.name).toBe('Query');
    await setEditor(page, '.graphiql-query-editor .CodeMirror', 'query Plants { plants { id name } }');
    await page.waitForTimeout(500); // GraphiQL reads the operation name after a debounce
    await page.locator('.graphiql-execute-button').click();
    const readResponse = () =>
      page.evaluate(() => (document.querySelector('.graphiql-response .CodeMirror') as unknown as { CodeMirror: { getValue(): string } } | null)?.CodeMirror.getValue() ?? '');
    await until(async () => (await readResponse()).includes('"plants"'), 20_000, 'the answer in GraphiQL');
    const shown = JSON.parse(await readResponse());
    const expected = await gql(explorerGateway, 'query Plants { plants { id name } }', {}, { authorization: `Bearer ${token}` });
    expect(shown).toEqual(expected.body);
    // A subscription from the same tab opens its WebSocket with the token from the Headers tab.
    const active = await subscriptionsActive(explorerGateway);
    await setEditor(page, '.graphiql-query-editor .CodeMirror', 'subscription Machines { equipmentStateChanged(plant: "1000") { eventId state equipment { id } } }');
    await page.waitForTimeout(500);
    await page.locator('.graphiql-execute-button').click();
    await until(async () => (await subscriptionsActive(explorerGateway)) > active, 15_000, 'the GraphiQL subscription');
    const eq = (await gql(explorerGateway, '{ equipmentList(plant: "1000") { id state } }', {}, { authorization: `Bearer ${token}` })).body.data!.equipmentList[0];
    await admin.equipmentState(plant.mesApi, { equipmentId: eq.id, state: eq.state === 'DOWN' ? 'IDLE' : 'DOWN' });
    await until(async () => (await readResponse()).includes('"equipmentStateChanged"'), 20_000, 'the event in GraphiQL');
    expect(JSON.parse(await readResponse()).data.equipmentStateChanged.equipment.id).toBe(eq.id);
    await page.close();
  }, 60_000);
});
