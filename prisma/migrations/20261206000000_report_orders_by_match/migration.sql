-- Insights shows how many attributed orders each kind of evidence matched (issue 32.6): the order roll-up gets the
-- attribution's matchedBy as a dimension. Existing roll-ups lack it, so every shop's are rebuilt from the base tables
-- by the next refresh (until then the marked days are computed live).
ALTER TABLE "ReportOrderDay" ADD COLUMN "matchedBy" "MatchedBy";

SELECT report_invalidate_rollups(id) FROM "Shop";
