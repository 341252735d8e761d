import mqtt, { type IClientOptions, type IConnackPacket, type MqttClient } from 'mqtt';
import type { Logger } from '../../../lib/log.ts';
import { parseFeedEvent, type MesFeed, type MesFeedEvent } from './feed.ts';

/**
 * The MES event feed over an MQTT broker: the MES publishes each event (the same flat JSON with its
 * monotonic integer `id`) to one topic; the bridge subscribes with QoS 1 in a persistent session.
 *
 * How this keeps the bridge's exactly-once promise without a replay API:
 * - The session is persistent (MQTT 5, `clean: false`, a stable client id per instance, kept 7 days):
 *   while the bridge is away the broker queues the topic's messages for it, and hands them over when
 *   it is back.
 * - A message is acknowledged only after the bridge has handled it (published to the hub's stream, or
 *   found it there): mqtt.js passes PUBACK through `customHandleAcks`, and it reads the next packet
 *   only then, which is also the backpressure. A crash before the ack means the broker sends it again.
 * - Repeats (redelivery, a second bridge with its own session) are dropped by the bus's compare-and-
 *   append on the feed position, as with SSE: each bridge sees every event, in order.
 * What a broker cannot give: history from before the session existed (a first start begins with what
 * is published from then on), and the MES's newest id on request (`head` answers what it was given).
 */
export interface MqttFeedOptions {
  url: string;
  topic: string;
  clientId: string;
  log: Logger;
}

/** How long the broker keeps a bridge's session (and queues its messages) while the bridge is away. */
const SESSION_EXPIRY_SECONDS = 7 * 86_400;

interface Delivery {
  payload: Buffer;
  ack: () => void;
}

export function createMqttMesFeed(opts: MqttFeedOptions): MesFeed {
  return {
    // A broker keeps no numbered history to ask: no restart of the MES's ids can be seen from here.
    head: async (after) => after,
    stream: (after, signal, onOpen) => mqttStream(opts, after, signal, onOpen),
  };
}

async function* mqttStream(opts: MqttFeedOptions, after: number, signal: AbortSignal, onOpen?: () => void): AsyncGenerator<MesFeedEvent> {
  const queue: Delivery[] = [];
  let wake: (() => void) | undefined;
  let ended = false;
  const poke = () => {
    wake?.();
    wake = undefined;
  };
  const options: IClientOptions = {
    clientId: opts.clientId,
    // MQTT 5: mqtt.js hands PUBACK to customHandleAcks only on v5, and a v5 session outlives a
    // disconnect only for its expiry interval (default 0).
    protocolVersion: 5,
    clean: false,
    properties: { sessionExpiryInterval: SESSION_EXPIRY_SECONDS },
    // The bridge's own loop reconnects (from its position, with backoff); a second loop here would race it.
    reconnectPeriod: 0,
    connectTimeout: 10_000,
    customHandleAcks: (_topic, payload, _packet, done) => {
      queue.push({ payload, ack: () => done(0) });
      poke();
    },
  };
  const client: MqttClient = mqtt.connect(opts.url, options);
  const connack = await new Promise<IConnackPacket>((resolve, reject) => {
    client.once('connect', resolve);
    client.once('error', reject);
    client.once('close', () => reject(new Error('the MQTT broker closed the connection')));
  }).catch((e: unknown) => {
    client.end(true);
    throw e;
  });
  const end = () => {
    ended = true;
    poke();
  };
  client.on('close', end);
  client.on('error', (e) => opts.log.warn('MES MQTT feed error', { err: e.message }));
  signal.addEventListener('abort', end, { once: true });
  let last = after;
  try {
    // A resumed session holds the subscription, and the broker sends what it queued at once, ahead of
    // any SUBACK: awaiting one would wait behind messages that are not acknowledged yet.
    const subscribed = client.subscribeAsync(opts.topic, { qos: 1 });
    if (connack.sessionPresent) subscribed.catch((e: Error) => ended || opts.log.warn('MES MQTT feed: subscribe failed', { err: e.message }));
    else await subscribed;
    onOpen?.();
    while (!ended) {
      const d = queue.shift();
      if (!d) {
        await new Promise<void>((resolve) => (wake = resolve));
        continue;
      }
      const event = parseFeedEvent(d.payload.toString('utf8'));
      if (!event) {
        opts.log.warn('MES MQTT feed: a message that is no MES event was skipped', { topic: opts.topic });
      } else {
        if (last > 0 && event.id > last + 1) opts.log.warn('MES MQTT feed: events missing (the broker lost them)', { after: last, next: event.id });
        if (event.id > last) last = event.id;
        // The generator resumes only when the bridge asks for the next event: the ack follows the handling.
        yield event;
      }
      if (!ended) d.ack();
    }
  } finally {
    signal.removeEventListener('abort', end);
    // Not awaited: on a connection that is already gone mqtt.js may never call back.
    client.end(true);
  }
}
