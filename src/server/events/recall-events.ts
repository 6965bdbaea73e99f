import type { RecallParametersUpdatedEvent } from '../../shared/recall.js';

/**
 * Where the recall service hands its events. The service does not know about Socket.IO; the socket
 * plugin implements this and forwards each event to its queue's room.
 */
export interface RecallEventPublisher {
  /** Resolves to false when the event could not be handed on (e.g. the cross-process bus is down). */
  publish(event: RecallParametersUpdatedEvent): Promise<boolean>;
}

/** A publisher that collects events, for apps built without sockets (CLI tools, unit tests). */
export class CollectingPublisher implements RecallEventPublisher {
  readonly events: RecallParametersUpdatedEvent[] = [];
  async publish(event: RecallParametersUpdatedEvent): Promise<boolean> {
    this.events.push(event);
    return true;
  }
}
