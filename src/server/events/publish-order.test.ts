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
    const p3 = third.wait().then(() => {
      published.push(3);
      third.leave();
    });
    const p2 = second.wait().then(() => {
      published.push(2);
      second.leave();
    });
    await tick();
    expect(published).toEqual([]);
    await first.wait();
    published.push(1);
    first.leave();
    await Promise.all([p2, p3]);
    expect(published).toEqual([1, 2, 3]);
    expect(order.size).toBe(0);
  });

  it('has the first place of a line go without waiting', () => {
    const order = new PublishOrder();
    const first = order.enter('default', 1);
    const second = order.enter('default', 2);
    expect(first.ready()).toBe(true);
    expect(second.ready()).toBe(false);
    first.leave();
    expect(second.ready()).toBe(true);
    second.leave();
    // Leaving twice changes nothing.
    second.leave();
    expect(order.size).toBe(0);
  });

  it('is ready once every earlier revision has left, also one that gave up early', () => {
    const order = new PublishOrder();
    const first = order.enter('default', 1);
    const second = order.enter('default', 2);
    const third = order.enter('default', 3);
    expect([first.ready(), second.ready(), third.ready()]).toEqual([true, false, false]);
    second.leave();
    expect(third.ready()).toBe(false);
    first.leave();
    expect(third.ready()).toBe(true);
    const late = order.enter('default', 2);
    expect(late.ready()).toBe(true);
    expect(third.ready()).toBe(false);
  });

  it('lets other queues go at their own pace', async () => {
    const order = new PublishOrder();
    order.enter('a', 1);
    const b = order.enter('b', 5);
    expect(b.ready()).toBe(true);
    await expect(Promise.race([b.wait().then(() => 'b'), tick().then(() => 'blocked')])).resolves.toBe('b');
  });

  it('does not wait for a later revision that entered first', async () => {
    const order = new PublishOrder();
    order.enter('default', 9);
    const early = order.enter('default', 8);
    await expect(Promise.race([early.wait().then(() => 'went'), tick().then(() => 'blocked')])).resolves.toBe('went');
  });
});

describe('PublishOrder, a place that leaves early', () => {
  it('still holds later revisions until the earlier ones it waited for have left', async () => {
    const order = new PublishOrder();
    const published: number[] = [];
    const first = order.enter('default', 1);
    const second = order.enter('default', 2);
    const third = order.enter('default', 3);
    // The second gives up before its turn (its resolution failed): the third must still wait for the first.
    second.leave();
    const p3 = third.wait().then(() => published.push(3));
    await tick();
    expect(published).toEqual([]);
    first.leave();
    await p3;
    expect(published).toEqual([3]);
    third.leave();
    expect(order.size).toBe(0);
  });

  it('orders a late lower revision among places that entered out of order', async () => {
    const order = new PublishOrder();
    const published: number[] = [];
    const nine = order.enter('default', 9);
    const eight = order.enter('default', 8);
    const ten = order.enter('default', 10);
    const p10 = ten.wait().then(() => published.push(10));
    await eight.wait();
    eight.leave();
    await tick();
    // 10 waits for 9 too, although 8 entered last before it.
    expect(published).toEqual([]);
    nine.leave();
    await p10;
    expect(published).toEqual([10]);
  });
});
