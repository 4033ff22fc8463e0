-- Up Migration
-- The read model (node-pg-migrate runs this file with schema "reporting").
--
-- The baseline: the schema the service's earlier home-made runner created as its
-- migration 001_reporting_schema, statement for statement. That runner applied it in one
-- transaction, so a database it migrated has all of it or none of it; hence IF NOT EXISTS
-- here: on such a database this file changes nothing and is recorded as run in
-- reporting.pgmigrations. The old runner's own table (reporting.schema_migrations) is
-- left alone: nothing reads it any more. Later migrations are plain (no IF NOT EXISTS).

CREATE TABLE IF NOT EXISTS reporting.orders (
  order_id    text PRIMARY KEY,
  customer_id text NOT NULL,
  status      text NOT NULL,
  currency    text NOT NULL,
  total       bigint NOT NULL,              -- minor units
  units       integer NOT NULL,
  order_date  date NOT NULL,                -- UTC day of createdAt: the day a sale counts for
  created_at  timestamptz NOT NULL,
  updated_at  timestamptz NOT NULL,
  version     integer NOT NULL,             -- the producer's write counter: the guard
  deleted     boolean NOT NULL DEFAULT false
);
CREATE INDEX IF NOT EXISTS orders_by_day ON reporting.orders (order_date);
CREATE INDEX IF NOT EXISTS orders_by_customer ON reporting.orders (customer_id);

CREATE TABLE IF NOT EXISTS reporting.order_lines (
  order_id   text NOT NULL REFERENCES reporting.orders (order_id) ON DELETE CASCADE,
  sku        text NOT NULL,
  quantity   integer NOT NULL,
  unit_price bigint NOT NULL,
  PRIMARY KEY (order_id, sku)
);
CREATE INDEX IF NOT EXISTS order_lines_by_sku ON reporting.order_lines (sku);

-- Aggregates: always recomputed from reporting.orders, never incremented.
CREATE TABLE IF NOT EXISTS reporting.daily_sales (
  day               date NOT NULL,
  currency          text NOT NULL,
  orders            integer NOT NULL,
  units             integer NOT NULL,
  revenue           bigint NOT NULL,
  last_order_update timestamptz NOT NULL,
  PRIMARY KEY (day, currency)
);

CREATE TABLE IF NOT EXISTS reporting.customer_summaries (
  customer_id       text NOT NULL,
  currency          text NOT NULL,
  orders            integer NOT NULL,
  confirmed         integer NOT NULL,
  cancelled         integer NOT NULL,
  failed            integer NOT NULL,
  spent             bigint NOT NULL,        -- confirmed orders only
  first_order_at    timestamptz NOT NULL,
  last_order_at     timestamptz NOT NULL,
  last_order_update timestamptz NOT NULL,
  PRIMARY KEY (customer_id, currency)
);

-- Down Migration
DROP TABLE reporting.customer_summaries;
DROP TABLE reporting.daily_sales;
DROP TABLE reporting.order_lines;
DROP TABLE reporting.orders;
