import { describe, expect, it } from 'vitest';
import { createLogger } from '../../lib/log.ts';

/** The hub's logger: JSON lines, levels, child fields, and secrets never written. */
function capture(level: Parameters<typeof createLogger>[1]) {
  const lines: Record<string, unknown>[] = [];
  const log = createLogger('unit', level, { write: (s: string) => void lines.push(JSON.parse(s) as Record<string, unknown>) });
  return { log, lines };
}

describe('createLogger', () => {
  it('writes one JSON object per line with an ISO time, the level name, the logger name, msg and the fields', () => {
    const { log, lines } = capture('info');
    log.info('listening', { url: 'http://127.0.0.1:4000', port: 4000 });
    expect(lines).toEqual([{ level: 'info', time: expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/), name: 'unit', url: 'http://127.0.0.1:4000', port: 4000, msg: 'listening' }]);
  });

  it('drops levels below the configured one, and everything when silent', () => {
    const info = capture('info');
    info.log.debug('hidden');
    info.log.warn('shown');
    expect(info.lines.map((l) => l.msg)).toEqual(['shown']);
    const silent = capture('silent');
    silent.log.error('never');
    expect(silent.lines).toEqual([]);
  });

  it('child loggers add their fields to every line and keep the level', () => {
    const { log, lines } = capture('warn');
    const child = log.child({ requestId: 'r-1' });
    child.info('hidden');
    child.error('failed', { err: 'boom' });
    expect(lines).toEqual([expect.objectContaining({ level: 'error', requestId: 'r-1', err: 'boom', msg: 'failed' })]);
  });

  it('never writes the values of secret-looking keys, in fields or child fields', () => {
    const { log, lines } = capture('info');
    log.child({ authorization: 'Bearer abc.def.ghi' }).info('call', { accessToken: 'tok', jwtSecret: 's3cret', apiKey: 'k', password: 'p', cookie: 'c', user: 'ann' });
    const text = JSON.stringify(lines);
    for (const secret of ['abc.def.ghi', 'tok', 's3cret', '"k"', '"p"', '"c"']) expect(text).not.toContain(secret);
    expect(lines[0]).toMatchObject({ authorization: '[redacted]', accessToken: '[redacted]', user: 'ann' });
  });
});
