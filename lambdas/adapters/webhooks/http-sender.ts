import { signedHeaders } from '../../domain/webhooks/signature.js';
import type { AttemptOutcome, DeliveryRequest, WebhookSender } from '../../ports/webhook-sender.js';
import { checkTargetAddresses, WebhookTargetError, type Resolver, type TargetPolicy } from './target-guard.js';

export interface SenderOptions {
  readonly policy: TargetPolicy;
  /** A receiver should answer quickly and do its work later; slow answers count as failures. */
  readonly timeoutMs: number;
  readonly resolve?: Resolver;
  readonly nowSeconds?: () => number;
}

const USER_AGENT = 'mmdo-webhooks/1';

/** One signed POST with Node's fetch: fresh timestamp per attempt, no redirects followed, bounded time. */
export async function sendWebhook(request: DeliveryRequest, options: SenderOptions): Promise<AttemptOutcome> {
  const started = Date.now();
  const elapsed = () => Date.now() - started;
  try {
    const url = await checkTargetAddresses(request.url, options.policy, options.resolve);
    const timestamp = options.nowSeconds?.() ?? Math.floor(Date.now() / 1000);
    const response = await fetch(url, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        'user-agent': USER_AGENT,
        ...(await signedHeaders(request.secrets, request.messageId, timestamp, request.body)),
      },
      body: request.body,
      redirect: 'manual',
      signal: AbortSignal.timeout(options.timeoutMs),
    });
    // The answer's body is not used; release the connection.
    await response.body?.cancel().catch(() => undefined);
    return response.ok ? { status: response.status, durationMs: elapsed() } : { status: response.status, error: `HTTP ${response.status}`, durationMs: elapsed() };
  } catch (error) {
    if (error instanceof WebhookTargetError) return { error: error.message, refused: true, durationMs: elapsed() };
    const e = error as Error & { cause?: { code?: string; message?: string } };
    const reason = e.name === 'TimeoutError' ? `no answer within ${options.timeoutMs} ms` : (e.cause?.code ?? e.cause?.message ?? e.message);
    return { error: reason, durationMs: elapsed() };
  }
}

/** The WebhookSender port over HTTP with fixed options. */
export function createWebhookSender(options: SenderOptions): WebhookSender {
  return (request) => sendWebhook(request, options);
}
