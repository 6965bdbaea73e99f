import { createServer } from 'node:http';
import { Server } from 'socket.io';
import { Adapter, type BroadcastOptions } from 'socket.io-adapter';
import { describe, expect, it } from 'vitest';
import type { RecallParametersUpdatedEvent } from '../../shared/recall.js';
import { SocketRecallPublisher, type RecallSocketServer } from './socket.js';

const event: RecallParametersUpdatedEvent = {
  timestamp: 1,
  queue_id: 'default',
  user_id: 'system',
  revision: 1,
  recall_id: 'r',
  parameters: { seed: 1 },
  warnings: [],
};

/** Stands in for an adapter that spans processes (as the Redis one does): it sees every broadcast. */
class SpanningAdapter extends Adapter {
  static rooms: string[][] = [];
  override broadcast(packet: unknown, opts: BroadcastOptions): void {
    SpanningAdapter.rooms.push([...opts.rooms]);
    super.broadcast(packet as never, opts);
  }
}

describe('SocketRecallPublisher', () => {
  it('hands every event to an adapter that spans processes, even with no local listener', async () => {
    const io = new Server(createServer(), { adapter: SpanningAdapter as never }) as RecallSocketServer;
    try {
      expect(await new SocketRecallPublisher(io).publish(event)).toBe('delivered');
      expect(SpanningAdapter.rooms).toEqual([['queue:default']]);
    } finally {
      await io.close();
    }
  });

  it('reports an event for an empty room of the in-process adapter as delivered', async () => {
    const io = new Server(createServer()) as RecallSocketServer;
    try {
      expect(await new SocketRecallPublisher(io).publish(event)).toBe('delivered');
    } finally {
      await io.close();
    }
  });
});
