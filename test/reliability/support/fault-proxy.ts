/**
 * A loopback HTTP proxy that injects faults in front of a real service (the model container, s3rver, dynalite):
 * each request is answered by the target or by a fault the plan picks (an error status with the service's own error
 * body, a delay and then a gateway timeout, a reset connection). The Host header is passed through unchanged, so
 * SigV4 signatures made for the proxy still verify at the target.
 */
import { createServer, request as httpRequest, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

export type Fault =
  | { readonly kind: 'pass' }
  | { readonly kind: 'status'; readonly status: number; readonly headers?: Record<string, string>; readonly body?: string; readonly label: string }
  | { readonly kind: 'timeout'; readonly ms: number; readonly label: string }
  | { readonly kind: 'reset'; readonly label: string };

export interface ProxiedRequest {
  readonly method: string;
  readonly path: string;
  readonly headers: IncomingHttpHeaders;
  readonly body: Buffer;
}

export interface FaultProxy {
  readonly url: string;
  /** Requests seen, and faults injected by label. */
  readonly stats: { requests: number; faults: Record<string, number> };
  plan: (request: ProxiedRequest, index: number) => Fault;
  close(): Promise<void>;
}

export const PASS: Fault = { kind: 'pass' };

/** The error bodies each service sends, so the SDKs parse them as they would the real thing. */
export const FAULTS = {
  sagemakerThrottled: { kind: 'status', status: 429, label: 'endpoint 429 throttled', headers: { 'x-amzn-errortype': 'ThrottlingException', 'content-type': 'application/json' }, body: '{"message":"Rate exceeded"}' },
  sagemakerUnavailable: { kind: 'status', status: 503, label: 'endpoint 503', headers: { 'x-amzn-errortype': 'ServiceUnavailable', 'content-type': 'application/json' }, body: '{"message":"Service unavailable"}' },
  sagemakerInternal: { kind: 'status', status: 500, label: 'endpoint 500', headers: { 'x-amzn-errortype': 'InternalFailure', 'content-type': 'application/json' }, body: '{"message":"Internal failure"}' },
  gatewayTimeout: { kind: 'timeout', ms: 1500, label: 'timeout (1.5 s, then 504)' },
  s3SlowDown: {
    kind: 'status', status: 503, label: 'S3 503 SlowDown', headers: { 'content-type': 'application/xml' },
    body: '<?xml version="1.0" encoding="UTF-8"?><Error><Code>SlowDown</Code><Message>Please reduce your request rate.</Message><RequestId>fault</RequestId></Error>',
  },
  dynamoThrottled: {
    kind: 'status', status: 400, label: 'DynamoDB throughput exceeded', headers: { 'content-type': 'application/x-amz-json-1.0' },
    body: '{"__type":"com.amazonaws.dynamodb.v20120810#ProvisionedThroughputExceededException","message":"The level of configured provisioned throughput for the table was exceeded."}',
  },
} as const satisfies Record<string, Fault>;

export async function startFaultProxy(target: string, plan: FaultProxy['plan'] = () => PASS): Promise<FaultProxy> {
  const to = new URL(target);
  const stats = { requests: 0, faults: {} as Record<string, number> };
  const proxy = { plan } as { plan: FaultProxy['plan'] };
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const incoming: ProxiedRequest = { method: req.method ?? 'GET', path: req.url ?? '/', headers: req.headers, body: Buffer.concat(chunks) };
      const fault = proxy.plan(incoming, stats.requests++);
      if (fault.kind !== 'pass') stats.faults[fault.label] = (stats.faults[fault.label] ?? 0) + 1;
      if (fault.kind === 'status') {
        res.writeHead(fault.status, { ...(fault.headers ?? {}), 'x-amzn-requestid': 'fault-injected', 'content-length': Buffer.byteLength(fault.body ?? '') });
        res.end(fault.body ?? '');
        return;
      }
      if (fault.kind === 'reset') {
        req.socket.destroy();
        return;
      }
      if (fault.kind === 'timeout') {
        const timer = setTimeout(() => {
          res.writeHead(504, { 'content-type': 'application/json', 'x-amzn-errortype': 'ServiceUnavailable' });
          res.end('{"message":"gateway timeout"}');
        }, fault.ms);
        res.on('close', () => clearTimeout(timer));
        return;
      }
      const upstream = httpRequest(
        { host: to.hostname, port: to.port, method: incoming.method, path: incoming.path, headers: incoming.headers },
        (answer) => {
          res.writeHead(answer.statusCode ?? 502, answer.headers);
          answer.pipe(res);
        },
      );
      upstream.on('error', () => res.destroy());
      upstream.end(incoming.body);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    stats,
    get plan() {
      return proxy.plan;
    },
    set plan(p) {
      proxy.plan = p;
    },
    async close() {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    },
  };
}

/** A plan that cycles through `pattern` per request (deterministic: the same run every time). */
export function cycle(pattern: readonly Fault[]): FaultProxy['plan'] {
  return (_request, index) => pattern[index % pattern.length]!;
}
