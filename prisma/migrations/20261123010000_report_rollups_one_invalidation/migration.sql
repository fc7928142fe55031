-- One definition of the roll-up lock and of "drop the roll-ups, mark every day with data", shared by the shop's
-- zone/qualification trigger and the application (app/domain/reports/report-rollups.server.ts), which had each
-- spelled them out.

-- Held by the refresh and by every invalidation of one shop's roll-ups, for the rest of the transaction.
CREATE FUNCTION report_lock_rollups(shop_id UUID) RETURNS void LANGUAGE sql AS $$
  SELECT pg_advisory_xact_lock(hashtextextended('report-rollups:' || shop_id::text, 0))
$$;

CREATE FUNCTION report_invalidate_rollups(shop_id UUID) RETURNS void LANGUAGE plpgsql AS $$
BEGIN
  PERFORM report_lock_rollups(shop_id);
  DELETE FROM "ReportOrderDay" WHERE "shopId" = shop_id;
  DELETE FROM "ReportCartDay" WHERE "shopId" = shop_id;
  DELETE FROM "ReportProductDay" WHERE "shopId" = shop_id;
  DELETE FROM "ReportTopicDay" WHERE "shopId" = shop_id;
  INSERT INTO "ReportDirtyMark" ("shopId", bucket)
  SELECT shop_id, report_bucket("processedAt") FROM "Order" WHERE "shopId" = shop_id
  UNION
  SELECT shop_id, report_bucket("occurredAt") FROM "CartEvent" WHERE "shopId" = shop_id;
END $$;

-- Roll-ups are per local day in the shop's zone and count cart GMV under its requireAnswerFound: a change to either
-- invalidates all of them.
CREATE OR REPLACE FUNCTION report_reset_shop_rollups() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  PERFORM report_invalidate_rollups(NEW.id);
  RETURN NULL;
END $$;
