import { spawn, execFile, type ChildProcess } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { freePort } from './processes.ts';

/** A throw-away redis-server of the test's own (to kill and restart without disturbing other tests). */
export interface OwnRedis {
  port: number;
  stop(): Promise<void>;
  restart(): Promise<void>;
}

export async function waitForRedis(port: number): Promise<void> {
  for (let i = 0; i < 100; i++) {
    const r = new Redis(port, '127.0.0.1', { lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null });
    try {
      await r.connect();
      await r.ping();
      return;
    } catch {
      await new Promise((res) => setTimeout(res, 100));
    } finally {
      r.disconnect();
    }
  }
  throw new Error(`redis on ${port} did not start`);
}

function spawnRedis(port: number, extra: string[] = [], cwd?: string): ChildProcess {
  return spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', ...extra], {
    stdio: 'ignore',
    cwd,
  });
}

const exited = (p: ChildProcess) => new Promise<void>((r) => (p.exitCode !== null ? r() : p.once('exit', () => r())));

export async function startOwnRedis(): Promise<OwnRedis> {
  const port = await freePort();
  let proc = spawnRedis(port);
  await waitForRedis(port);
  return {
    port,
    async stop() {
      proc.kill('SIGKILL');
      await exited(proc);
    },
    async restart() {
      proc = spawnRedis(port);
      await waitForRedis(port);
    },
  };
}

/** A three-master Redis Cluster on free ports, for the cluster code path. */
export async function startRedisCluster(): Promise<{ url: string; stop(): Promise<void> }> {
  const dir = mkdtempSync(join(tmpdir(), 'hub-cluster-'));
  const ports = [await freePort(), await freePort(), await freePort()];
  const procs = ports.map((p) =>
    spawnRedis(p, ['--cluster-enabled', 'yes', '--cluster-config-file', `nodes-${p}.conf`, '--cluster-node-timeout', '2000'], dir),
  );
  await Promise.all(ports.map(waitForRedis));
  await new Promise<void>((resolve, reject) =>
    execFile(
      'redis-cli',
      ['--cluster', 'create', ...ports.map((p) => `127.0.0.1:${p}`), '--cluster-replicas', '0', '--cluster-yes'],
      (err) => (err ? reject(err) : resolve()),
    ),
  );
  // Wait until every node agrees the cluster is up (nodes converge one by one).
  for (let i = 0; i < 100; i++) {
    const states = await Promise.all(
      ports.map(async (p) => {
        const r = new Redis(p, '127.0.0.1');
        try {
          return String(await r.cluster('INFO')).includes('cluster_state:ok');
        } finally {
          r.disconnect();
        }
      }),
    );
    if (states.every(Boolean)) break;
    await new Promise((res) => setTimeout(res, 100));
  }
  return {
    url: `redis+cluster://${ports.map((p) => `127.0.0.1:${p}`).join(',')}`,
    async stop() {
      procs.forEach((p) => p.kill('SIGKILL'));
      await Promise.all(procs.map(exited));
    },
  };
}
