-- The marks of a statement's line items and attributions, and of a conversation's cart events and credited orders,
-- read the rows they need by index, one probe per changed row, whatever the statistics say (a LATERAL subquery with
-- OFFSET 0 is never turned into a join). Written as joins, PL/pgSQL kept the plan it made while "Order" was nearly
-- empty — autovacuum analyzes a table about once a minute, a shop taking orders outgrows that — and every batch of
-- order webhooks scanned every order of the table, twice (6–8 ms per statement at 6,000 orders and growing with the
-- table; found with auto_explain under `npm run bench`).

CREATE OR REPLACE FUNCTION report_mark_conversations(conversation_ids UUID[]) RETURNS void LANGUAGE sql AS $$
  INSERT INTO "ReportDirtyMark" ("shopId", bucket)
  SELECT ce."shopId", report_bucket(ce."occurredAt")
  FROM unnest(conversation_ids) AS c(id),
       LATERAL (SELECT "shopId", "occurredAt" FROM "CartEvent" WHERE "conversationId" = c.id OFFSET 0) ce
  UNION
  SELECT o."shopId", report_bucket(o."processedAt")
  FROM unnest(conversation_ids) AS c(id),
       LATERAL (SELECT "orderId" FROM "Attribution" WHERE "conversationId" = c.id OFFSET 0) a,
       LATERAL (SELECT "shopId", "processedAt" FROM "Order" WHERE id = a."orderId" OFFSET 0) o
$$;

CREATE OR REPLACE FUNCTION report_mark_order_children() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP <> 'INSERT' THEN
    INSERT INTO "ReportDirtyMark" ("shopId", bucket)
    SELECT DISTINCT o."shopId", report_bucket(o."processedAt")
    FROM old_rows r, LATERAL (SELECT "shopId", "processedAt" FROM "Order" WHERE id = r."orderId" OFFSET 0) o;
  END IF;
  IF TG_OP <> 'DELETE' THEN
    INSERT INTO "ReportDirtyMark" ("shopId", bucket)
    SELECT DISTINCT o."shopId", report_bucket(o."processedAt")
    FROM new_rows r, LATERAL (SELECT "shopId", "processedAt" FROM "Order" WHERE id = r."orderId" OFFSET 0) o;
  END IF;
  RETURN NULL;
END $$;
