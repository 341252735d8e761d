import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Duplex } from 'node:stream';
import { afterEach, describe, expect, it } from 'vitest';
import WebSocket, { WebSocketServer } from 'ws';
import { sender, WRITE_BEHIND_BYTES } from '../../gateway/subscriptions/ws.ts';

/** How the gateway hands graphql-ws's messages to a WebSocket, on a real connection over loopback. */
let close: (() => Promise<void>) | undefined;
afterEach(async () => {
  await close?.();
  close = undefined;
});

async function pair(): Promise<{ send: ReturnType<typeof sender>; raw: Duplex; received: string[]; arrived: (n: number) => Promise<void> }> {
  const server = http.createServer();
  const wss = new WebSocketServer({ noServer: true });
  const accepted = new Promise<{ ws: WebSocket; raw: Duplex }>((resolve) =>
    server.on('upgrade', (req, raw: Duplex, head) => wss.handleUpgrade(req, raw, head, (ws) => resolve({ ws, raw }))),
  );
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const client = new WebSocket(`ws://127.0.0.1:${(server.address() as AddressInfo).port}`);
  const received: string[] = [];
  const waiters: (() => void)[] = [];
  client.on('message', (m) => {
    received.push(String(m));
    waiters.splice(0).forEach((w) => w());
  });
  const { ws, raw } = await accepted;
  await new Promise((resolve) => (client.readyState === client.OPEN ? resolve(undefined) : client.once('open', resolve)));
  close = async () => {
    client.terminate();
    ws.terminate();
    await new Promise((resolve) => server.close(resolve));
  };
  const arrived = async (n: number) => {
    while (received.length < n) await new Promise<void>((resolve) => waiters.push(resolve));
  };
  return { send: sender(ws, raw), raw, received, arrived };
}

describe('the WebSocket sender', () => {
  it('hands messages over at once and writes those of one event loop turn together (the socket is corked until it ends)', async () => {
    const { send, raw, received, arrived } = await pair();
    const answers = Array.from({ length: 100 }, (_, i) => send(`m${i}`));
    expect(answers.every((a) => a === undefined)).toBe(true);
    expect(raw.writableCorked).toBe(1);
    await new Promise((resolve) => setImmediate(resolve));
    expect(raw.writableCorked).toBe(0);
    await arrived(100);
    expect(received).toEqual(Array.from({ length: 100 }, (_, i) => `m${i}`));
  });

  it('past WRITE_BEHIND_BYTES not yet written, makes the caller wait until its message is written, in order', async () => {
    const { send, received, arrived } = await pair();
    const big = 'x'.repeat(64 * 1024);
    const answers: (void | Promise<void>)[] = [];
    for (let i = 0; i * big.length <= WRITE_BEHIND_BYTES; i++) answers.push(send(`${i}:${big}`));
    const last = answers[answers.length - 1];
    expect(answers.slice(0, -1).every((a) => a === undefined)).toBe(true);
    expect(last).toBeInstanceOf(Promise);
    await last;
    await arrived(answers.length);
    expect(received.map((m) => Number(m.split(':')[0]))).toEqual(answers.map((_, i) => i));
  });
});
