-- Up Migration
-- The payments ledger, its transactional outbox and the shipment log, in the webhook
-- service's own schema (node-pg-migrate runs this file with schema "payments").

CREATE TABLE payments.ledger_entries (
  -- The natural key: provider event id (evt_...) or refund-request:<idempotencyKey>.
  -- The unique constraint is the idempotency guard: a duplicate delivery inserts nothing.
  entry_id        text        PRIMARY KEY,
  kind            text        NOT NULL CHECK (kind IN ('payment.succeeded', 'payment.failed', 'refund.succeeded', 'refund.requested')),
  payment_id      text        NOT NULL,
  order_id        text        NOT NULL,
  amount          bigint      NOT NULL CHECK (amount > 0),
  currency        char(3)     NOT NULL,
  reason          text,
  occurred_at     timestamptz NOT NULL,
  correlation_id  text        NOT NULL,
  recorded_at     timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX ledger_entries_order_idx ON payments.ledger_entries (order_id);
CREATE INDEX ledger_entries_payment_idx ON payments.ledger_entries (payment_id);

-- Written in the same transaction as the ledger row; published after commit and marked.
CREATE TABLE payments.outbox (
  id               bigserial   PRIMARY KEY,
  idempotency_key  text        NOT NULL UNIQUE,
  event_type       text        NOT NULL,
  envelope         jsonb       NOT NULL,
  created_at       timestamptz NOT NULL DEFAULT now(),
  published_at     timestamptz,
  publish_attempts integer     NOT NULL DEFAULT 0
);
-- The relay only ever looks for what is still pending.
CREATE INDEX outbox_pending_idx ON payments.outbox (id) WHERE published_at IS NULL;

CREATE TABLE payments.shipment_updates (
  event_id         text        PRIMARY KEY,
  order_id         text        NOT NULL,
  carrier          text        NOT NULL,
  tracking_number  text        NOT NULL,
  status           text        NOT NULL,
  occurred_at      timestamptz NOT NULL,
  correlation_id   text        NOT NULL,
  recorded_at      timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX shipment_updates_order_idx ON payments.shipment_updates (order_id, occurred_at);

-- Down Migration
DROP TABLE payments.shipment_updates;
DROP TABLE payments.outbox;
DROP TABLE payments.ledger_entries;
