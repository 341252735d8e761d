/** The demo ERP (OData v4 JSON) as a process of its own: `npm run start:erp-api`. */
import { loadConfig } from '../../lib/config.ts';
import { isMain, runSystem } from '../common/main.ts';
import { assertAdminProtected, listen, protectAdmin, type RunningSystem, type SystemNetOptions } from '../common/server.ts';
import { generatePlant } from '../plant.ts';
import { createErpApp } from './app.ts';
import { ErpStore } from './store.ts';

export interface ErpSystemOptions extends SystemNetOptions {
  /** 0 picks a free port. */
  port: number;
  seed: number;
  scale: number;
}

/** Generates the plant, keeps the ERP's half and serves it; resolves once listening. */
export async function startErpSystem(opts: ErpSystemOptions): Promise<RunningSystem> {
  assertAdminProtected(opts, 'demo ERP');
  const plant = generatePlant({ seed: opts.seed, scale: opts.scale });
  const app = createErpApp(new ErpStore(plant.erp), plant.seededFaults);
  return listen(protectAdmin(app.handler, opts.adminToken, 'odata'), opts.port, undefined, opts.host);
}

if (isMain(import.meta.url)) {
  const { ports, demoSeed: seed, demoScale: scale, host, adminToken, production } = loadConfig();
  runSystem('demo ERP', () => startErpSystem({ port: ports.erpApi, seed, scale, host, adminToken, production }), { seed, scale });
}
