import mqtt from 'mqtt';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLogger } from '../../lib/log.ts';
import type { MesFeed } from '../../subgraphs/mes/events/feed.ts';
import { createMqttMesFeed } from '../../subgraphs/mes/events/mqtt-feed.ts';
import { uniquePrefix } from '../support/hub.ts';

const BROKER = 'mqtt://127.0.0.1:1883';

/** Reads the feed until `take` events came, then stops (without asking for the next one). */
async function read(feed: MesFeed, take: number, onOpen?: () => Promise<unknown>): Promise<number[]> {
  const ac = new AbortController();
  const ids: number[] = [];
  for await (const e of feed.stream(0, ac.signal, () => void onOpen?.())) {
    ids.push(e.id);
    if (ids.length >= take) break;
  }
  return ids;
}

describe('MQTT event feed against the broker', () => {
  const topic = `${uniquePrefix('mqtt')}/events`;
  const clientId = `${uniquePrefix('mqtt')}-bridge`;
  const feed = createMqttMesFeed({ url: BROKER, topic, clientId, log: createLogger('test', 'silent') });
  let publisher: mqtt.MqttClient;
  const send = (id: number) => publisher.publishAsync(topic, JSON.stringify({ id, type: 'operation.progress', occurredAt: new Date().toISOString() }), { qos: 1 });
  beforeAll(async () => {
    publisher = await mqtt.connectAsync(BROKER);
  });
  afterAll(async () => {
    await publisher?.endAsync();
    // Ends the persistent session: a clean connection with the same id drops it at the broker.
    const cleanup = await mqtt.connectAsync(BROKER, { clientId, clean: true });
    await cleanup.endAsync();
  });

  it('keeps events for the session while the reader is away, and acknowledges only what was handled', async () => {
    expect(await read(feed, 1, () => send(1))).toEqual([1]);
    // The reader stopped after event 1 without asking for more: 1 is not acknowledged yet.
    await send(2);
    await send(3);
    // The next connection of the same session gets 1 again (then 2 and 3, queued while it was away).
    expect(await read(feed, 3)).toEqual([1, 2, 3]);
  });

  it('skips messages that are no MES event', async () => {
    // What the last reader left unacknowledged (3) comes first, then the junk, then 4.
    const ids = await read(feed, 2, async () => {
      await publisher.publishAsync(topic, 'not json', { qos: 1 });
      await send(4);
    });
    expect(ids).toEqual([3, 4]);
  });
});
