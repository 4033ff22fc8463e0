import { describe, expect, it, vi } from 'vitest';
import { PermanentError } from '@order-platform/shared/errors';
import { createBatcher } from './batcher';

describe('createBatcher', () => {
  it('writes everything added in one turn of the event loop in one call', async () => {
    const write = vi.fn(async (items: number[]) => ({ n: items.length }));
    const b = createBatcher(write);
    const results = await Promise.all([1, 2, 3].map((i) => b.add(i)));
    expect(write).toHaveBeenCalledTimes(1);
    expect(write).toHaveBeenCalledWith([1, 2, 3]);
    expect(results).toEqual([{ n: 3 }, { n: 3 }, { n: 3 }]);
  });

  it('on a permanent (data) failure, retries one by one so only the bad item fails', async () => {
    const write = vi.fn(async (items: number[]) => {
      if (items.includes(2)) throw new PermanentError('bad item 2');
      return items;
    });
    const b = createBatcher(write);
    const settled = await Promise.allSettled([1, 2, 3].map((i) => b.add(i)));
    expect(settled.map((s) => s.status)).toEqual(['fulfilled', 'rejected', 'fulfilled']);
    expect(write).toHaveBeenCalledTimes(4);
  });

  it('on a temporary failure, fails every item (all are retried)', async () => {
    const write = vi.fn(async () => {
      throw Object.assign(new Error('connection refused'), { code: 'ECONNREFUSED' });
    });
    const b = createBatcher(write);
    const settled = await Promise.allSettled([1, 2].map((i) => b.add(i)));
    expect(settled.map((s) => s.status)).toEqual(['rejected', 'rejected']);
    expect(write).toHaveBeenCalledTimes(1);
  });

  it('starts a new batch after a flush', async () => {
    const write = vi.fn(async (items: number[]) => items);
    const b = createBatcher(write);
    await b.add(1);
    await b.add(2);
    expect(write.mock.calls).toEqual([[[1]], [[2]]]);
  });
});
