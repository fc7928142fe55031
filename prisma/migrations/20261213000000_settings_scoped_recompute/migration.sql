-- Issue 30 (decision 023): a re-attribution after a settings change recomputes only the orders the change can move;
-- an order whose stored result names no conversation is unattributed under any window. "Recompute history" and the
-- CLI still recompute every order.
CREATE TYPE "ReattributionScope" AS ENUM ('SETTINGS', 'ALL');

ALTER TABLE "ReattributionJob"
  ADD COLUMN "scope" "ReattributionScope" NOT NULL DEFAULT 'ALL',
  ADD COLUMN "recomputed" INTEGER NOT NULL DEFAULT 0;
