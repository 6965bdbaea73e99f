import type { RecallBroadcast, RecallParametersUpdatedEvent } from '../../shared/recall.js';

/**
 * Where the recall service hands its events. The service does not know about Socket.IO; the socket
 * plugin implements this and forwards each event to its queue's room.
 */
export interface RecallEventPublisher {
  /**
   * Where the event went (see zRecallBroadcast), at once or as a promise (a publisher that waits
   * for a bus). `true` and `false` are read as `delivered` and `failed`, for publishers that only
   * know whether they handed it on.
   */
  publish(event: RecallParametersUpdatedEvent): RecallBroadcast | boolean | Promise<RecallBroadcast | boolean>;
}

/** A publisher that collects events, for apps built without sockets (CLI tools, unit tests). */
export class CollectingPublisher implements RecallEventPublisher {
  readonly events: RecallParametersUpdatedEvent[] = [];
  async publish(event: RecallParametersUpdatedEvent): Promise<RecallBroadcast> {
    this.events.push(event);
    return 'delivered';
  }
}
