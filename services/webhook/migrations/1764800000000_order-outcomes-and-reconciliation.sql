-- Up Migration
-- The reconciler's inputs and memory (P29). Order outcomes come from the orders
-- service's events (OrderConfirmed / OrderFailed / OrderCancelled), so this service
-- compares its ledger with the orders without reading another service's data.

CREATE TABLE payments.order_outcomes (
  order_id     text        PRIMARY KEY,
  customer_id  text        NOT NULL,
  status       text        NOT NULL CHECK (status IN ('CONFIRMED', 'FAILED', 'CANCELLED')),
  total        bigint,
  currency     char(3),
  payment_id   text,
  reason       text,
  occurred_at  timestamptz NOT NULL,
  recorded_at  timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX order_outcomes_occurred_idx ON payments.order_outcomes (occurred_at);

-- Each discrepancy once (its id is stable), and what was done about it.
CREATE TABLE payments.reconciliation_findings (
  finding_id   text        PRIMARY KEY,
  kind         text        NOT NULL,
  order_id     text        NOT NULL,
  payment_id   text,
  action       text        NOT NULL CHECK (action IN ('refund', 'report')),
  amount       bigint,
  currency     char(3),
  refund_key   text,
  status       text        NOT NULL DEFAULT 'open' CHECK (status IN ('open', 'refund-requested', 'resolved')),
  refund_id    text,
  detail       text        NOT NULL,
  found_at     timestamptz NOT NULL DEFAULT now(),
  updated_at   timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX reconciliation_findings_open_idx ON payments.reconciliation_findings (status) WHERE status <> 'resolved';
CREATE INDEX ledger_entries_recorded_idx ON payments.ledger_entries (recorded_at);

-- Down Migration
DROP INDEX payments.ledger_entries_recorded_idx;
DROP TABLE payments.reconciliation_findings;
DROP TABLE payments.order_outcomes;
