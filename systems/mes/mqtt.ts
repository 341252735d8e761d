/** The demo MES as an MQTT publisher: every event of its log, in order, to one topic (QoS 1). */
import { randomBytes } from 'node:crypto';
import mqtt from 'mqtt';
import type { EventLog } from './events.ts';

export interface MqttPublisher {
  close(): Promise<void>;
}

/**
 * Publishes each event's wire JSON (the same text the SSE feed sends) as it is appended. mqtt.js keeps
 * QoS 1 messages while the broker is away and sends them, in order, when it is back.
 */
export function publishToMqtt(log: EventLog, opts: { url: string; topic: string }): MqttPublisher {
  const client = mqtt.connect(opts.url, { clientId: `demo-mes-${randomBytes(4).toString('hex')}`, reconnectPeriod: 1000 });
  // Connection trouble is the broker's, not the MES's: the MES keeps working and publishing resumes.
  client.on('error', () => undefined);
  const unsubscribe = log.subscribe((e) => {
    client.publish(opts.topic, e.json, { qos: 1 });
  });
  return {
    async close() {
      unsubscribe();
      // Forced and not awaited: a broker that is gone must not hold up the MES's shutdown.
      client.end(true);
    },
  };
}
