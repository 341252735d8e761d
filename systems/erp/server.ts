/** The demo ERP (OData v4 JSON) as a process of its own: `npm run start:erp-api`. */
import { loadConfig } from '../../lib/config.ts';
import { isMain, runSystem } from '../common/main.ts';
import { assertAdminProtected, listen, protectAdmin, type RunningSystem, type SystemNetOptions } from '../common/server.ts';
import { demoAnchor, generatePlant } from '../plant.ts';
import { createErpApp } from './app.ts';
import { ErpStore } from './store.ts';

export interface ErpSystemOptions extends SystemNetOptions {
  /** 0 picks a free port. */
  port: number;
  seed: number;
  scale: number;
  /** The instant the plant's timeline is placed around (epoch ms); default: the current hour. */
  anchor?: number;
}

/** Generates the plant, keeps the ERP's half and serves it; resolves once listening. */
export async function startErpSystem(opts: ErpSystemOptions): Promise<RunningSystem> {
  assertAdminProtected(opts, 'demo ERP');
  const plant = generatePlant({ seed: opts.seed, scale: opts.scale, anchor: opts.anchor ?? demoAnchor(undefined) });
  const app = createErpApp(new ErpStore(plant.erp), plant.seededFaults);
  return listen(protectAdmin(app.handler, opts.adminToken, 'odata'), opts.port, undefined, opts.host);
}

if (isMain(import.meta.url)) {
  const { ports, demoSeed: seed, demoScale: scale, demoEpoch, host, adminToken, production } = loadConfig();
  const anchor = demoAnchor(demoEpoch);
  runSystem('demo ERP', () => startErpSystem({ port: ports.erpApi, seed, scale, anchor, host, adminToken, production }), { seed, scale, anchor: new Date(anchor).toISOString() });
}
