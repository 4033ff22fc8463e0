-- Per day: sessions that viewed a product, and how many of them ended in a confirmed
-- order (the checkout step `order_placed` names the order the session placed).
WITH viewing AS (
  SELECT DISTINCT dt, sessionId AS session_id
  FROM clickstream
  WHERE event.type = 'product_view'
),
placed AS (
  SELECT DISTINCT sessionId AS session_id, event.orderId AS order_id
  FROM clickstream
  WHERE event.type = 'checkout_step' AND event.step = 'order_placed'
),
confirmed AS (
  SELECT DISTINCT json_extract_scalar(detail, '$.data.orderId') AS order_id
  FROM domain_events
  WHERE source = 'order-platform.orders' AND type = 'OrderConfirmed'
)
SELECT
  v.dt AS day,
  count(DISTINCT v.session_id) AS viewing_sessions,
  count(DISTINCT c.order_id) AS orders,
  round(CAST(count(DISTINCT c.order_id) AS double) / count(DISTINCT v.session_id), 4) AS conversion
FROM viewing v
LEFT JOIN placed p ON p.session_id = v.session_id
LEFT JOIN confirmed c ON c.order_id = p.order_id
GROUP BY v.dt
ORDER BY day
