-- Issue 30: a mark names the roll-ups its change can move (a bit each: 1 orders, 2 cart events, 4 products,
-- 8 topics), so a rebuild recomputes only those. An attribution moves no cart event: a led-window recompute rewrote
-- every day's cart roll-up for nothing (a third of its roll-up time at 100 K orders). Every other mark names all four.
ALTER TABLE "ReportDirtyMark" ADD COLUMN "rollups" SMALLINT NOT NULL DEFAULT 15;

-- The trigger's argument is the roll-ups the table feeds (all four without one). Its probes stay index probes
-- (20261202000000_report_marks_never_scan); a replaced function keeps only the settings it is given.
CREATE OR REPLACE FUNCTION report_mark_order_children() RETURNS trigger LANGUAGE plpgsql SET enable_seqscan = off AS $$
DECLARE
  kinds SMALLINT := coalesce(TG_ARGV[0]::smallint, 15);
BEGIN
  IF TG_OP <> 'INSERT' THEN
    INSERT INTO "ReportDirtyMark" ("shopId", bucket, rollups)
    SELECT DISTINCT o."shopId", report_bucket(o."processedAt"), kinds
    FROM old_rows r, LATERAL (SELECT "shopId", "processedAt" FROM "Order" WHERE id = r."orderId" OFFSET 0) o;
  END IF;
  IF TG_OP <> 'DELETE' THEN
    INSERT INTO "ReportDirtyMark" ("shopId", bucket, rollups)
    SELECT DISTINCT o."shopId", report_bucket(o."processedAt"), kinds
    FROM new_rows r, LATERAL (SELECT "shopId", "processedAt" FROM "Order" WHERE id = r."orderId" OFFSET 0) o;
  END IF;
  RETURN NULL;
END $$;

-- Attributions feed the order, product and topic roll-ups (1 + 4 + 8); line items only the product roll-up.
DROP TRIGGER report_mark_attribution_insert ON "Attribution";
DROP TRIGGER report_mark_attribution_update ON "Attribution";
DROP TRIGGER report_mark_attribution_delete ON "Attribution";
CREATE TRIGGER report_mark_attribution_insert AFTER INSERT ON "Attribution" REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION report_mark_order_children('13');
CREATE TRIGGER report_mark_attribution_update AFTER UPDATE ON "Attribution" REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION report_mark_order_children('13');
CREATE TRIGGER report_mark_attribution_delete AFTER DELETE ON "Attribution" REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION report_mark_order_children('13');

DROP TRIGGER report_mark_line_item_insert ON "OrderLineItem";
DROP TRIGGER report_mark_line_item_update ON "OrderLineItem";
DROP TRIGGER report_mark_line_item_delete ON "OrderLineItem";
CREATE TRIGGER report_mark_line_item_insert AFTER INSERT ON "OrderLineItem" REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION report_mark_order_children('4');
CREATE TRIGGER report_mark_line_item_update AFTER UPDATE ON "OrderLineItem" REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION report_mark_order_children('4');
CREATE TRIGGER report_mark_line_item_delete AFTER DELETE ON "OrderLineItem" REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION report_mark_order_children('4');
