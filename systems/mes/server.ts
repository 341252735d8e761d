/** The demo MES (REST JSON, ISA-95 words) as a process of its own: `npm run start:mes-api`. */
import { loadConfig } from '../../lib/config.ts';
import { isMain, runSystem } from '../common/main.ts';
import { assertAdminProtected, listen, protectAdmin, type RunningSystem, type SystemNetOptions } from '../common/server.ts';
import { generatePlant } from '../plant.ts';
import { Rng } from '../plant/random.ts';
import { createMesApp } from './app.ts';
import { EventLog } from './events.ts';
import { publishToMqtt } from './mqtt.ts';
import { ShopFloor } from './shopfloor.ts';
import { Simulator } from './simulator.ts';
import { StreamRegistry } from './sse.ts';
import { MesStore } from './store.ts';

export interface MesSystemOptions extends SystemNetOptions {
  /** 0 picks a free port. */
  port: number;
  seed: number;
  scale: number;
  /** The shop-floor simulator; on unless false. */
  simulate?: boolean;
  /** Also publish every event to this MQTT broker topic (as a plant's MES would). */
  mqtt?: { url: string; topic: string } | undefined;
}

/** Generates the plant, keeps the MES's half and serves it; resolves once listening. */
export async function startMesSystem(opts: MesSystemOptions): Promise<RunningSystem> {
  assertAdminProtected(opts, 'demo MES');
  const plant = generatePlant({ seed: opts.seed, scale: opts.scale });
  const store = new MesStore(plant.mes);
  const events = new EventLog();
  const rng = new Rng(opts.seed).fork('shop-floor');
  const floor = new ShopFloor(store, events, rng.fork('terminal'));
  const streams = new StreamRegistry();
  const app = createMesApp({ store, events, floor, streams, seededFaults: plant.seededFaults });
  const simulator = opts.simulate === false ? undefined : new Simulator(store, floor, rng.fork('simulator'));
  const publisher = opts.mqtt ? publishToMqtt(events, opts.mqtt) : undefined;
  const running = await listen(
    protectAdmin(app.handler, opts.adminToken, 'rest'),
    opts.port,
    async () => {
      simulator?.stop();
      streams.endAll();
      await publisher?.close();
    },
    opts.host,
  );
  simulator?.start();
  return running;
}

if (isMain(import.meta.url)) {
  const { ports, demoSeed: seed, demoScale: scale, demoSimulate: simulate, events, host, adminToken, production } = loadConfig();
  const mqtt = events.demoMqtt;
  runSystem('demo MES', () => startMesSystem({ port: ports.mesApi, seed, scale, simulate, mqtt, host, adminToken, production }), {
    seed,
    scale,
    simulate,
    mqtt: mqtt?.topic,
  });
}
