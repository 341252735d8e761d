/**
 * What a client sees of an error, and what the log keeps (lib/errors.ts toClientError through
 * createFormatError): a subgraph's own error passes as it is, internals never do, and whatever is masked
 * is logged in full.
 */
import { GraphQLError, type GraphQLFormattedError } from 'graphql';
import { describe, expect, it } from 'vitest';
import { createFormatError } from '../../lib/apollo-plugins.ts';
import { UpstreamError } from '../../lib/errors.ts';
import { createLogger } from '../../lib/log.ts';

function formatter() {
  const lines: Record<string, unknown>[] = [];
  const format = createFormatError(createLogger('test', 'debug', { write: (line: string) => void lines.push(JSON.parse(line)) }));
  return { format, lines };
}

describe('error format', () => {
  it("keeps a subgraph's own error: message, code, extensions and serviceName; drops its stack", () => {
    const { format, lines } = formatter();
    const formatted: GraphQLFormattedError = {
      message: 'Order 17 is locked by user MRP_RUN',
      path: ['productionOrder', 'status'],
      extensions: { code: 'ORDER_LOCKED', lockedBy: 'MRP_RUN', serviceName: 'erp', stacktrace: ['at lock (/srv/erp/locks.ts:12)'] },
    };
    expect(format(formatted, new GraphQLError(formatted.message))).toEqual({
      message: 'Order 17 is locked by user MRP_RUN',
      path: ['productionOrder', 'status'],
      extensions: { code: 'ORDER_LOCKED', lockedBy: 'MRP_RUN', serviceName: 'erp' },
    });
    expect(lines).toEqual([]);
  });

  it("masks a subgraph's HTTP refusal (URL, status, body) and logs all of it", () => {
    const { format, lines } = formatter();
    const response = { url: 'http://10.0.0.7:4001/graphql', status: 401, statusText: 'Unauthorized', body: '{"secret":"upstream body"}' };
    const client = format(
      { message: '401: Unauthorized', path: ['productionOrder'], extensions: { code: 'UNAUTHENTICATED', serviceName: 'erp', response } },
      new GraphQLError('401: Unauthorized'),
    );
    expect(client).toEqual({ message: 'Internal server error', path: ['productionOrder'], extensions: { code: 'INTERNAL_SERVER_ERROR', serviceName: 'erp' } });
    expect(JSON.stringify(client)).not.toContain('10.0.0.7');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatchObject({ level: 'error', response, serviceName: 'erp', err: { message: '401: Unauthorized' } });
  });

  it('masks an uncoded failure of the hub itself and logs the original with its stack, never [object Object]', () => {
    const { format, lines } = formatter();
    const original = new TypeError("Cannot read properties of undefined (reading 'id')");
    const client = format({ message: original.message, path: ['x'], extensions: { code: 'INTERNAL_SERVER_ERROR' } }, new GraphQLError(original.message, { originalError: original }));
    expect(client).toEqual({ message: 'Internal server error', path: ['x'], extensions: { code: 'INTERNAL_SERVER_ERROR' } });
    expect(lines[0]).toMatchObject({ err: { name: 'TypeError', message: original.message, stack: expect.stringContaining('TypeError') } });
    const plain = formatter();
    plain.format({ message: 'boom', extensions: { code: 'SOMETHING' } }, { message: 'boom', detail: { table: 'T001' } });
    expect(JSON.stringify(plain.lines[0])).not.toContain('[object Object]');
    expect(plain.lines[0]).toMatchObject({ err: { value: { message: 'boom', detail: { table: 'T001' } } } });
  });

  it('turns an upstream failure into UPSTREAM_UNAVAILABLE naming the system', () => {
    const { format } = formatter();
    const err = new GraphQLError('x', { originalError: new UpstreamError('mes', 'timeout') });
    expect(format({ message: 'x', path: ['workOrder'] }, err)).toMatchObject({ extensions: { code: 'UPSTREAM_UNAVAILABLE', system: 'mes', reason: 'timeout' } });
  });
});
