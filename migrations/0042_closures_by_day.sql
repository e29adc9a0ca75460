-- The shops page reads the closures of today only (in every zone, so UTC's yesterday to tomorrow):
-- with thousands of shops, each with years of holidays, that read goes by day.
CREATE INDEX shop_closures_by_day ON shop_closures (day);
