import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Webhook } from 'standardwebhooks';

export interface Received {
  readonly headers: IncomingHttpHeaders;
  readonly body: string;
  readonly at: number;
  readonly verified: boolean;
}

/**
 * A real webhook receiver on 127.0.0.1, as a subscriber would write one: it verifies every request with the
 * reference Standard Webhooks library (401 when that fails), then answers with the next scripted status (200
 * when the script is empty).
 */
export class Receiver {
  secret: string | undefined;
  readonly script: number[] = [];
  readonly received: Received[] = [];
  private constructor(
    private readonly server: Server,
    readonly url: string,
  ) {}

  static async start(path = '/hooks/mmdo'): Promise<Receiver> {
    let receiver: Receiver | undefined;
    const server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        const body = Buffer.concat(chunks).toString('utf8');
        let verified = false;
        try {
          if (receiver!.secret) {
            new Webhook(receiver!.secret).verify(body, req.headers as Record<string, string>);
            verified = true;
          }
        } catch {
          verified = false;
        }
        receiver!.received.push({ headers: req.headers, body, at: Date.now(), verified });
        res.statusCode = verified ? (receiver!.script.shift() ?? 200) : 401;
        res.end();
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as AddressInfo;
    receiver = new Receiver(server, `http://127.0.0.1:${port}${path}`);
    return receiver;
  }

  /** Sends a captured request again, with the body replaced: what an attacker who altered it would send. */
  async replay(received: Received, body: string): Promise<number> {
    const headers: Record<string, string> = {};
    for (const name of ['webhook-id', 'webhook-timestamp', 'webhook-signature', 'content-type']) headers[name] = String(received.headers[name]);
    return (await fetch(this.url, { method: 'POST', headers, body })).status;
  }

  close(): Promise<void> {
    return new Promise((resolve) => {
      this.server.closeAllConnections();
      this.server.close(() => resolve());
    });
  }
}

export async function waitUntil(probe: () => boolean, timeoutMs = 10_000, what = 'condition'): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!probe()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}
