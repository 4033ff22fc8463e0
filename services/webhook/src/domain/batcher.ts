/**
 * Turns per-record calls into one write per batch (the "batched inserts" mode of the
 * writer). Powertools calls the record handler of every record of the batch at once
 * (processInParallel); each handler `add`s its entry and awaits its own promise. The
 * first `add` schedules one flush after the current turn of the event loop, by which
 * time every record of the batch has added its entry; the flush writes them all in one
 * transaction and settles each promise.
 *
 * If that transaction fails because of one entry's data (a permanent or poison failure), the
 * flush falls back to one transaction per entry, so the bad entry fails alone and the
 * others are written. A temporary failure (database down) fails every entry: they are
 * all retried.
 */
import { classifyFailure } from '@order-platform/shared/consumers/failures';

interface Pending<T, R> {
  item: T;
  resolve: (r: R) => void;
  reject: (e: unknown) => void;
}

export function createBatcher<T, R>(writeMany: (items: T[]) => Promise<R>) {
  let pending: Pending<T, R>[] = [];
  let scheduled = false;

  const flush = async () => {
    const batch = pending;
    pending = [];
    scheduled = false;
    try {
      const result = await writeMany(batch.map((p) => p.item));
      for (const p of batch) p.resolve(result);
    } catch (error) {
      if (batch.length > 1 && classifyFailure(error) !== 'retry') {
        for (const p of batch) await writeMany([p.item]).then(p.resolve, p.reject);
      } else {
        for (const p of batch) p.reject(error);
      }
    }
  };

  return {
    add(item: T): Promise<R> {
      return new Promise<R>((resolve, reject) => {
        pending.push({ item, resolve, reject });
        if (!scheduled) {
          scheduled = true;
          setImmediate(() => void flush());
        }
      });
    },
  };
}
