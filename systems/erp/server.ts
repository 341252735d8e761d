/** The demo ERP (OData v4 JSON) as a process of its own: `npm run start:erp-api`. */
import { loadConfig } from '../../lib/config.ts';
import { isMain, runSystem } from '../common/main.ts';
import { listen, type RunningSystem } from '../common/server.ts';
import { demoAnchor, generatePlant } from '../plant.ts';
import { createErpApp } from './app.ts';
import { ErpStore } from './store.ts';

export interface ErpSystemOptions {
  /** 0 picks a free port. */
  port: number;
  seed: number;
  scale: number;
  /** The instant the plant's timeline is placed around (epoch ms); default: the current hour. */
  anchor?: number;
}

/** Generates the plant, keeps the ERP's half and serves it; resolves once listening. */
export async function startErpSystem(opts: ErpSystemOptions): Promise<RunningSystem> {
  const plant = generatePlant({ seed: opts.seed, scale: opts.scale, anchor: opts.anchor ?? demoAnchor(undefined) });
  const app = createErpApp(new ErpStore(plant.erp), plant.seededFaults);
  return listen(app.handler, opts.port);
}

if (isMain(import.meta.url)) {
  const { ports, demoSeed: seed, demoScale: scale, demoEpoch } = loadConfig();
  const anchor = demoAnchor(demoEpoch);
  runSystem('demo ERP', () => startErpSystem({ port: ports.erpApi, seed, scale, anchor }), { seed, scale, anchor: new Date(anchor).toISOString() });
}
