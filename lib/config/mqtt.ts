import { hostname } from 'node:os';
import { ConfigError, oneOf, type Env } from './env.ts';

/** Where the MES subgraph's event bridge reads the MES's events. */
export interface MesFeedConfig {
  /** `sse`: the MES API's own event stream; `mqtt`: a broker topic the MES publishes to. */
  kind: 'sse' | 'mqtt';
  mqtt: {
    /** `mqtt://`, `mqtts://`, `ws://` or `wss://` broker URL (credentials in the URL's user part). */
    url: string;
    topic: string;
    /** The bridge's persistent session: the broker keeps its messages while the bridge is away. */
    clientId: string;
  };
}

/** MES_EVENT_FEED, MES_MQTT_URL, MES_MQTT_TOPIC, MES_MQTT_CLIENT_ID. */
export function loadMesFeedConfig(env: Env, prefix: string): MesFeedConfig {
  const kind = oneOf(env, 'MES_EVENT_FEED', ['sse', 'mqtt'] as const, 'sse');
  const url = env.MES_MQTT_URL || 'mqtt://127.0.0.1:1883';
  if (!/^(mqtts?|wss?):\/\/[^/]+/.test(url)) throw new ConfigError(`MES_MQTT_URL must be an mqtt://, mqtts://, ws:// or wss:// URL, got "${url}"`);
  const topic = env.MES_MQTT_TOPIC || 'mes/events';
  if (/[#+]/.test(topic) || topic.length > 200) throw new ConfigError(`MES_MQTT_TOPIC must be one topic without wildcards, got "${topic}"`);
  const clientId = env.MES_MQTT_CLIENT_ID || `${prefix}-mes-bridge-${hostname()}`;
  if (!/^[A-Za-z0-9_.:-]{1,128}$/.test(clientId)) throw new ConfigError(`MES_MQTT_CLIENT_ID must be 1..128 characters of [A-Za-z0-9_.:-], got "${clientId}"`);
  return { kind, mqtt: { url, topic, clientId } };
}

/** The demo MES publishes its events to the broker when MES_MQTT_URL is set (undefined: it does not). */
export function demoMesMqtt(env: Env): { url: string; topic: string } | undefined {
  return env.MES_MQTT_URL ? { url: env.MES_MQTT_URL, topic: env.MES_MQTT_TOPIC || 'mes/events' } : undefined;
}
