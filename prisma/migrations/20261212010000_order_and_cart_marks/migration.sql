-- Issue 30: an order moves the order, product and topic roll-ups of its day (1 + 4 + 8), a cart event the cart
-- roll-up of its own day (2); the orders a cart event's conversation is credited with are still marked for all four
-- (report_mark_conversations). A report then computes live only the roll-ups a day's marks name: at a million
-- orders, a day with one new order no longer recomputes that day's thousands of cart events.

CREATE OR REPLACE FUNCTION report_mark_orders() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP <> 'INSERT' THEN
    INSERT INTO "ReportDirtyMark" ("shopId", bucket, rollups)
    SELECT DISTINCT r."shopId", report_bucket(r."processedAt"), 13 FROM old_rows r WHERE EXISTS (SELECT 1 FROM "Shop" s WHERE s.id = r."shopId");
  END IF;
  IF TG_OP <> 'DELETE' THEN
    INSERT INTO "ReportDirtyMark" ("shopId", bucket, rollups)
    SELECT DISTINCT r."shopId", report_bucket(r."processedAt"), 13 FROM new_rows r WHERE EXISTS (SELECT 1 FROM "Shop" s WHERE s.id = r."shopId");
  END IF;
  RETURN NULL;
END $$;

CREATE OR REPLACE FUNCTION report_mark_cart_events() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP <> 'INSERT' THEN
    INSERT INTO "ReportDirtyMark" ("shopId", bucket, rollups)
    SELECT DISTINCT r."shopId", report_bucket(r."occurredAt"), 2 FROM old_rows r WHERE EXISTS (SELECT 1 FROM "Shop" s WHERE s.id = r."shopId");
    PERFORM report_mark_conversations(ARRAY(SELECT DISTINCT r."conversationId" FROM old_rows r WHERE r."conversationId" IS NOT NULL AND EXISTS (SELECT 1 FROM "Shop" s WHERE s.id = r."shopId")));
  END IF;
  IF TG_OP <> 'DELETE' THEN
    INSERT INTO "ReportDirtyMark" ("shopId", bucket, rollups)
    SELECT DISTINCT r."shopId", report_bucket(r."occurredAt"), 2 FROM new_rows r WHERE EXISTS (SELECT 1 FROM "Shop" s WHERE s.id = r."shopId");
    PERFORM report_mark_conversations(ARRAY(SELECT DISTINCT r."conversationId" FROM new_rows r WHERE r."conversationId" IS NOT NULL AND EXISTS (SELECT 1 FROM "Shop" s WHERE s.id = r."shopId")));
  END IF;
  RETURN NULL;
END $$;
