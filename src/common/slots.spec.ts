import { Slots } from './slots.js';

describe('Slots', () => {
  it('runs at most `size` at a time, in order of arrival, and frees the slot on failure', async () => {
    const slots = new Slots(2);
    let running = 0;
    let most = 0;
    const order: number[] = [];
    const work = (i: number, fail = false) =>
      slots.run(async () => {
        running += 1;
        most = Math.max(most, running);
        order.push(i);
        await new Promise((resolve) => setTimeout(resolve, 5));
        running -= 1;
        if (fail) throw new Error(`failed ${i}`);
        return i;
      });
    const results = await Promise.allSettled([work(0), work(1, true), work(2), work(3), work(4)]);
    expect(most).toBe(2);
    expect(order).toEqual([0, 1, 2, 3, 4]);
    expect(results.map((result) => result.status)).toEqual([
      'fulfilled',
      'rejected',
      'fulfilled',
      'fulfilled',
      'fulfilled',
    ]);
    expect(await slots.run(() => Promise.resolve('free again'))).toBe('free again');
  });
});
