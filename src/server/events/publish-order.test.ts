import { describe, expect, it } from 'vitest';
import { PublishOrder } from './publish-order.js';

const tick = () => new Promise((r) => setTimeout(r, 5));

describe('PublishOrder', () => {
  it('holds a later revision until every earlier one of the same queue has left', async () => {
    const order = new PublishOrder();
    const published: number[] = [];
    const first = order.enter('default', 1);
    const second = order.enter('default', 2);
    const third = order.enter('default', 3);
    // The third and second are ready first; they must still go out after the first.
    const p3 = third.turn.then(() => {
      published.push(3);
      third.leave();
    });
    const p2 = second.turn.then(() => {
      published.push(2);
      second.leave();
    });
    await tick();
    expect(published).toEqual([]);
    await first.turn;
    published.push(1);
    first.leave();
    await Promise.all([p2, p3]);
    expect(published).toEqual([1, 2, 3]);
    expect(order.size).toBe(0);
  });

  it('lets other queues go at their own pace', async () => {
    const order = new PublishOrder();
    order.enter('a', 1);
    const b = order.enter('b', 5);
    await expect(Promise.race([b.turn.then(() => 'b'), tick().then(() => 'blocked')])).resolves.toBe('b');
  });

  it('does not wait for a later revision that entered first', async () => {
    const order = new PublishOrder();
    order.enter('default', 9);
    const early = order.enter('default', 8);
    await expect(Promise.race([early.turn.then(() => 'went'), tick().then(() => 'blocked')])).resolves.toBe('went');
  });
});
