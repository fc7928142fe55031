-- Issue 30 (decision 023): an updated attribution marks only the roll-ups its change moves. The order roll-up reads
-- its class, source, conversation (the variant), exclusion and match; the product and topic roll-ups read whether
-- it counts (led or assisted, not excluded) and, if so, its source and conversation. A led-window change turns
-- assisted orders into led ones with the same conversation: it moves the order roll-up alone, and a recompute no
-- longer rebuilds every day's products and topics. A change of steps or minutes alone moves none. Inserts and
-- deletes still mark all three (report_mark_order_children('13')).
CREATE FUNCTION report_mark_attribution_updates() RETURNS trigger LANGUAGE plpgsql SET enable_seqscan = off AS $$
BEGIN
  INSERT INTO "ReportDirtyMark" ("shopId", bucket, rollups)
  SELECT o."shopId", report_bucket(o."processedAt"), bit_or(c.rollups)::smallint
  FROM old_rows r FULL JOIN new_rows n ON n.id = r.id
  CROSS JOIN LATERAL (VALUES
    (coalesce(n."orderId", r."orderId"),
     CASE WHEN r."orderId" IS DISTINCT FROM n."orderId" THEN 13
          ELSE (CASE WHEN (r.classification, r.surface, r."conversationId", r."excludedReason", r."matchedBy")
                          IS DISTINCT FROM (n.classification, n.surface, n."conversationId", n."excludedReason", n."matchedBy")
                     THEN 1 ELSE 0 END)
             | (CASE WHEN (CASE WHEN r."excludedReason" IS NULL AND r.classification IN ('LED', 'ASSISTED')
                                THEN coalesce(r.surface::text, '') || ' ' || coalesce(r."conversationId"::text, '') END)
                          IS DISTINCT FROM
                          (CASE WHEN n."excludedReason" IS NULL AND n.classification IN ('LED', 'ASSISTED')
                                THEN coalesce(n.surface::text, '') || ' ' || coalesce(n."conversationId"::text, '') END)
                     THEN 12 ELSE 0 END) END),
    -- A row moved to another order (no path of the app does that): the first order's day too.
    (CASE WHEN r."orderId" IS DISTINCT FROM n."orderId" THEN r."orderId" END, 13)
  ) c("orderId", rollups)
  CROSS JOIN LATERAL (SELECT "shopId", "processedAt" FROM "Order" WHERE id = c."orderId" OFFSET 0) o
  WHERE c."orderId" IS NOT NULL AND c.rollups <> 0
  GROUP BY 1, 2;
  RETURN NULL;
END $$;

DROP TRIGGER report_mark_attribution_update ON "Attribution";
CREATE TRIGGER report_mark_attribution_update AFTER UPDATE ON "Attribution" REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION report_mark_attribution_updates();
