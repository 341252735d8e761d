import type { Connection } from '../../lib/connection.ts';
import type { ErpMaterial, ErpOrder } from './source.ts';

export type OrderPage = Connection<ErpOrder>;
export type MaterialPage = Connection<ErpMaterial>;
