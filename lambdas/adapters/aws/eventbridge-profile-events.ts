import { EventBridgeClient, PutEventsCommand } from '@aws-sdk/client-eventbridge';
import { MmdoError } from '../../domain/errors.js';
import { ProfileEventSchema } from '../../domain/webhooks/payload.js';
import { PROFILE_EVENT_DETAIL_TYPE, PROFILE_EVENT_SOURCE } from '../../application/webhooks/cloud-dispatch.js';
import type { ProfileEvent, ProfileEventSink } from '../../ports/profile-jobs.js';

export function createEventBridgeClient(options: { region?: string; endpoint?: string } = {}): EventBridgeClient {
  return new EventBridgeClient({ region: options.region ?? process.env.AWS_REGION ?? 'us-east-1', ...(options.endpoint ? { endpoint: options.endpoint } : {}) });
}

/**
 * Profile changes onto an EventBridge bus (the default one unless named): source `mmdo.profile`, detail type
 * `Profile Updated`, detail the ProfileEvent. The webhook dispatcher's rule takes them to its queue. An entry the
 * bus refuses is an error (the caller's request or job fails rather than losing the event silently).
 */
export class EventBridgeProfileEvents implements ProfileEventSink {
  constructor(private readonly client: EventBridgeClient, private readonly busName?: string) {}

  async publish(event: ProfileEvent): Promise<void> {
    const detail = ProfileEventSchema.parse(event);
    const out = await this.client.send(new PutEventsCommand({
      Entries: [{ Source: PROFILE_EVENT_SOURCE, DetailType: PROFILE_EVENT_DETAIL_TYPE, Detail: JSON.stringify(detail), ...(this.busName ? { EventBusName: this.busName } : {}) }],
    }));
    if ((out.FailedEntryCount ?? 0) > 0) {
      const entry = out.Entries?.[0];
      throw new MmdoError('event_not_published', `EventBridge refused the profile event: ${entry?.ErrorCode ?? 'unknown'} ${entry?.ErrorMessage ?? ''}`.trim(), 503);
    }
  }
}
