import { describe, expect, it } from 'vitest';
import type { Email } from './messages';
import type { ClaimState } from './ports';
import { DeliveryInProgressError, LEASE_SECONDS, sendOnceWith, type SendOnceDeps } from './send-once';

/** An in-memory delivery table with the adapter's lease semantics. */
function fakes(now = { t: Date.parse('2026-11-20T10:00:00Z') }) {
  const rows = new Map<string, { status: 'IN_PROGRESS' | 'SENT'; leaseUntil: number }>();
  const sent: Email[] = [];
  let failSend = false;
  const deps: SendOnceDeps = {
    claim: async (key, at): Promise<ClaimState> => {
      const row = rows.get(key);
      const s = at.getTime() / 1000;
      if (!row || (row.status === 'IN_PROGRESS' && row.leaseUntil < s)) {
        rows.set(key, { status: 'IN_PROGRESS', leaseUntil: s + LEASE_SECONDS });
        return 'claimed';
      }
      return row.status === 'SENT' ? 'sent' : 'in-progress';
    },
    complete: async (key) => {
      rows.set(key, { status: 'SENT', leaseUntil: 0 });
    },
    release: async (key) => {
      if (rows.get(key)?.status === 'IN_PROGRESS') rows.delete(key);
    },
    send: async (email) => {
      if (failSend) throw new Error('SES throttled');
      sent.push(email);
      return `msg-${sent.length}`;
    },
    now: () => new Date(now.t),
  };
  return { deps, rows, sent, now, failNextSends: (v: boolean) => (failSend = v) };
}

const email: Email = { to: 'a@example.com', subject: 's', text: 't' };

describe('sendOnceWith (X1: one email per key)', () => {
  it('sends once; every later delivery of the same key is a duplicate', async () => {
    const f = fakes();
    const sendOnce = sendOnceWith(f.deps);
    expect(await sendOnce('k1', email)).toEqual({ outcome: 'sent', messageId: 'msg-1' });
    expect(await sendOnce('k1', email)).toEqual({ outcome: 'duplicate' });
    expect(await sendOnce('k2', email)).toMatchObject({ outcome: 'sent' });
    expect(f.sent).toHaveLength(2);
  });

  it('a failed send releases the claim, so the retry sends', async () => {
    const f = fakes();
    const sendOnce = sendOnceWith(f.deps);
    f.failNextSends(true);
    await expect(sendOnce('k', email)).rejects.toThrow('SES throttled');
    f.failNextSends(false);
    expect(await sendOnce('k', email)).toMatchObject({ outcome: 'sent' });
    expect(f.sent).toHaveLength(1);
  });

  it('a concurrent duplicate meets a live lease and is told to retry later (no second email)', async () => {
    const f = fakes();
    await f.deps.claim('k', f.deps.now()); // another attempt holds the key, still sending
    await expect(sendOnceWith(f.deps)('k', email)).rejects.toThrow(DeliveryInProgressError);
    expect(f.sent).toHaveLength(0);
  });

  it('an attempt that died holding the lease is taken over once the lease has expired', async () => {
    const f = fakes();
    await f.deps.claim('k', f.deps.now());
    f.now.t += (LEASE_SECONDS + 1) * 1000;
    expect(await sendOnceWith(f.deps)('k', email)).toMatchObject({ outcome: 'sent' });
  });
});
