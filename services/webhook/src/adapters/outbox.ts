/**
 * The transactional outbox's publishing side. Rows are claimed with
 * `FOR UPDATE SKIP LOCKED` so two publishers (a writer and the relay) never take the
 * same row at the same time; a row is marked published only after its destination
 * accepted it (EventBridge for payments events, the billing topic for billing records:
 * domain/publishing.ts), in the same transaction that holds the claim.
 *
 * Honest guarantee: at-least-once publication with a stable key. A crash after
 * the publish but before the mark commits leaves the row pending; the relay publishes it
 * again with the same eventId/idempotencyKey, and consumers deduplicate on that key
 * (X1). Without a crash, each event goes out once.
 */
import { inTransaction } from '@order-platform/shared/db/postgres';
import type { PoolClient } from 'pg';
import type { Envelope } from '@order-platform/shared/events/envelope';
import type { PublishEnvelopes, PublishOutbox, PublishResult, RelayOutbox } from '../domain/ports';
import type { PoolProvider } from './ledger-store';

interface Row {
  id: string;
  envelope: Envelope<unknown>;
}

async function publishClaimed(
  client: PoolClient,
  rows: Row[],
  publish: PublishEnvelopes,
): Promise<PublishResult> {
  if (rows.length === 0) return { published: 0, failed: 0 };
  const accepted = await publish(rows.map((r) => r.envelope));
  const ok = rows.filter((_, i) => accepted[i]).map((r) => r.id);
  const notOk = rows.filter((_, i) => !accepted[i]).map((r) => r.id);
  if (ok.length) {
    await client.query(
      'UPDATE payments.outbox SET published_at = now(), publish_attempts = publish_attempts + 1 WHERE id = ANY($1::bigint[])',
      [ok],
    );
  }
  if (notOk.length) {
    await client.query(
      'UPDATE payments.outbox SET publish_attempts = publish_attempts + 1 WHERE id = ANY($1::bigint[])',
      [notOk],
    );
  }
  return { published: ok.length, failed: notOk.length };
}

export function buildPublishOutbox(pool: PoolProvider, publish: PublishEnvelopes): PublishOutbox {
  return async (ids) => {
    if (ids.length === 0) return { published: 0, failed: 0 };
    return inTransaction(await pool(), async (client) => {
      const claimed = await client.query<Row>(
        `SELECT id, envelope FROM payments.outbox
         WHERE id = ANY($1::bigint[]) AND published_at IS NULL
         ORDER BY id FOR UPDATE SKIP LOCKED`,
        [ids],
      );
      return publishClaimed(client, claimed.rows, publish);
    });
  };
}

export function buildRelayOutbox(pool: PoolProvider, publish: PublishEnvelopes): RelayOutbox {
  return async ({ olderThanSeconds, limit }) =>
    inTransaction(await pool(), async (client) => {
      const claimed = await client.query<Row>(
        `SELECT id, envelope FROM payments.outbox
         WHERE published_at IS NULL AND created_at <= now() - make_interval(secs => $1)
         ORDER BY id LIMIT $2 FOR UPDATE SKIP LOCKED`,
        [olderThanSeconds, limit],
      );
      return publishClaimed(client, claimed.rows, publish);
    });
}
