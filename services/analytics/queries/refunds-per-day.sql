-- Refunds the provider confirmed, per day and currency (minor units), each counted once.
WITH refunds AS (
  SELECT DISTINCT
    dt,
    json_extract_scalar(detail, '$.metadata.idempotencyKey') AS refund_key,
    json_extract_scalar(detail, '$.data.currency') AS currency,
    CAST(json_extract_scalar(detail, '$.data.amount') AS bigint) AS amount
  FROM domain_events
  WHERE source = 'order-platform.payments' AND type = 'RefundIssued'
)
SELECT dt AS day, currency, count(*) AS refunds, sum(amount) AS refunded
FROM refunds
GROUP BY dt, currency
ORDER BY day, currency
