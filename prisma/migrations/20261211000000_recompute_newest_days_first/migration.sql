-- Issue 30, "reports stay fast while history is recomputed" (decision 022): a re-attribution walks the shop's orders
-- newest first, by ("processedAt", id), and rebuilds the roll-ups of each local day it finishes in the same
-- transaction. Days older than "recomputedFrom" still hold the figures from before the change, labelled as such.
ALTER TABLE "ReattributionJob"
  ADD COLUMN "cursorAt" TIMESTAMP(3),
  ADD COLUMN "recomputedFrom" TIMESTAMP(3),
  ADD COLUMN "timezone" TEXT;

-- An unfinished job's cursor was an order id in id order: it starts again from the newest order.
UPDATE "ReattributionJob" SET "cursorOrderId" = NULL, processed = 0 WHERE status IN ('PENDING', 'RUNNING');

-- Marks every day with data, keeping the roll-ups: under a recompute they are the figures from before the change.
CREATE FUNCTION report_mark_all_days(shop_id UUID) RETURNS void LANGUAGE sql AS $$
  INSERT INTO "ReportDirtyMark" ("shopId", bucket)
  SELECT shop_id, report_bucket("processedAt") FROM "Order" WHERE "shopId" = shop_id
  UNION
  SELECT shop_id, report_bucket("occurredAt") FROM "CartEvent" WHERE "shopId" = shop_id
$$;

CREATE OR REPLACE FUNCTION report_invalidate_rollups(shop_id UUID) RETURNS void LANGUAGE plpgsql AS $$
BEGIN
  PERFORM report_lock_rollups(shop_id);
  DELETE FROM "ReportOrderDay" WHERE "shopId" = shop_id;
  DELETE FROM "ReportCartDay" WHERE "shopId" = shop_id;
  DELETE FROM "ReportProductDay" WHERE "shopId" = shop_id;
  DELETE FROM "ReportTopicDay" WHERE "shopId" = shop_id;
  PERFORM report_mark_all_days(shop_id);
END $$;

-- A new zone moves every row to other days: the roll-ups go. A new requireAnswerFound changes which cart events
-- count: every day is marked (computed live, or by the recompute the setting queues) and the old rows stay.
CREATE OR REPLACE FUNCTION report_reset_shop_rollups() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF OLD.timezone IS DISTINCT FROM NEW.timezone THEN
    PERFORM report_invalidate_rollups(NEW.id);
  ELSE
    PERFORM report_lock_rollups(NEW.id);
    PERFORM report_mark_all_days(NEW.id);
  END IF;
  RETURN NULL;
END $$;
