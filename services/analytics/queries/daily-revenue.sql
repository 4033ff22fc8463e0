-- Revenue of confirmed orders per day and currency (minor units). An event delivered twice
-- counts once: one row per order.
WITH confirmed AS (
  SELECT DISTINCT
    dt,
    json_extract_scalar(detail, '$.data.orderId') AS order_id,
    json_extract_scalar(detail, '$.data.currency') AS currency,
    CAST(json_extract_scalar(detail, '$.data.total') AS bigint) AS total
  FROM domain_events
  WHERE source = 'order-platform.orders' AND type = 'OrderConfirmed'
)
SELECT dt AS day, currency, count(*) AS orders, sum(total) AS revenue
FROM confirmed
GROUP BY dt, currency
ORDER BY day, currency
