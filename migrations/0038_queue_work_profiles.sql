-- How each counter chooses whom to call next (queue::WorkProfile): the shop's calling order, the
-- longest queue first, or a preferred service first. Kept on the counter until changed, as a desk
-- usually keeps its specialty whoever sits at it.
ALTER TABLE queue_counters ADD COLUMN work_profile TEXT NOT NULL DEFAULT 'calling_order';
ALTER TABLE queue_counters ADD COLUMN preferred_service_id BIGINT;

-- The tickets waiting now, every shop at once (the /metrics gauges and staff alerts): a partial
-- index stays as small as the queues, however long the history.
CREATE INDEX queue_tickets_open ON queue_tickets (ready_at, shop_id) WHERE status = 'waiting';
