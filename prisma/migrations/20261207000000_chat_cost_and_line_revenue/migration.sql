-- Issue 27, "ROI": what the chat costs (Settings), and the revenue of the lines the chat itself recommended or added.
-- The product roll-up gets whether the credited conversation influenced the line and the line's share of its order's
-- net revenue. Existing roll-ups lack both, so every shop's are rebuilt from the base tables by the next refresh
-- (until then the marked days are computed live).
ALTER TABLE "Shop" ADD COLUMN "chatMonthlyCost" DECIMAL(19,4),
  ADD COLUMN "chatCostPerConversation" DECIMAL(19,4),
  ADD COLUMN "grossMarginPercent" DECIMAL(5,2);

ALTER TABLE "ReportProductDay" ADD COLUMN "chatInfluenced" BOOLEAN NOT NULL DEFAULT false,
  ADD COLUMN "netRevenue" DECIMAL(24,4) NOT NULL DEFAULT 0;

SELECT report_invalidate_rollups(id) FROM "Shop";

-- A cart event of a conversation can now change the product roll-up of the orders credited to that conversation (a
-- line the chat added), so a change to one marks them too, as a touch already does.
CREATE OR REPLACE FUNCTION report_mark_cart_events() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP <> 'INSERT' THEN
    INSERT INTO "ReportDirtyMark" ("shopId", bucket)
    SELECT DISTINCT r."shopId", report_bucket(r."occurredAt") FROM old_rows r WHERE EXISTS (SELECT 1 FROM "Shop" s WHERE s.id = r."shopId");
    PERFORM report_mark_conversations(ARRAY(SELECT DISTINCT r."conversationId" FROM old_rows r WHERE r."conversationId" IS NOT NULL AND EXISTS (SELECT 1 FROM "Shop" s WHERE s.id = r."shopId")));
  END IF;
  IF TG_OP <> 'DELETE' THEN
    INSERT INTO "ReportDirtyMark" ("shopId", bucket)
    SELECT DISTINCT r."shopId", report_bucket(r."occurredAt") FROM new_rows r WHERE EXISTS (SELECT 1 FROM "Shop" s WHERE s.id = r."shopId");
    PERFORM report_mark_conversations(ARRAY(SELECT DISTINCT r."conversationId" FROM new_rows r WHERE r."conversationId" IS NOT NULL AND EXISTS (SELECT 1 FROM "Shop" s WHERE s.id = r."shopId")));
  END IF;
  RETURN NULL;
END $$;
