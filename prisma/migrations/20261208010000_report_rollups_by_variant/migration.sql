-- Issue 27, "filter Insights by variant like by surface": every roll-up also keys its rows by the credited
-- conversation's variant. Existing roll-ups lack it, so every shop's are rebuilt from the base tables by the next
-- refresh (until then the marked days are computed live).
ALTER TABLE "ReportOrderDay" ADD COLUMN "variant" VARCHAR(64);
ALTER TABLE "ReportCartDay" ADD COLUMN "variant" VARCHAR(64);
ALTER TABLE "ReportProductDay" ADD COLUMN "variant" VARCHAR(64);
ALTER TABLE "ReportTopicDay" ADD COLUMN "variant" VARCHAR(64);

SELECT report_invalidate_rollups(id) FROM "Shop";

-- A conversation whose variant is learned (or changes) moves its orders and cart events to another row, as a change of
-- surface does.
CREATE OR REPLACE FUNCTION report_mark_conversation_surfaces() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  PERFORM report_mark_conversations(ARRAY(
    SELECT n.id FROM new_rows n JOIN old_rows r ON r.id = n.id
    WHERE n.surface IS DISTINCT FROM r.surface OR n.variant IS DISTINCT FROM r.variant));
  RETURN NULL;
END $$;
