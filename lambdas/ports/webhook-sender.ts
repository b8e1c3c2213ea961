/** One signed webhook delivery attempt to a subscriber (adapters/webhooks/http-sender.ts sends it over HTTP). */
export interface DeliveryRequest {
  readonly url: string;
  /** The subscriber's signing secrets (one; two while a secret is being rotated). */
  readonly secrets: readonly string[];
  /** `webhook-id`: the same on every attempt of this event to this subscriber. */
  readonly messageId: string;
  /** The JSON payload, sent and signed byte for byte as given. */
  readonly body: string;
}

export interface AttemptOutcome {
  /** The receiver's HTTP status, or undefined when none came (refused target, network error, timeout). */
  readonly status?: number;
  /** Why the attempt failed, for the delivery log (never the secret). */
  readonly error?: string;
  /** The target is not allowed at all (SSRF guard): retrying cannot help. */
  readonly refused?: boolean;
  readonly durationMs: number;
}

/** Makes one attempt; never throws for a failed delivery (the outcome says why). */
export type WebhookSender = (request: DeliveryRequest) => Promise<AttemptOutcome>;
