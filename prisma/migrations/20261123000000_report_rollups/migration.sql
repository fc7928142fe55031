-- CreateTable
CREATE TABLE "ReportDirtyMark" (
    "id" BIGSERIAL NOT NULL,
    "shopId" UUID NOT NULL,
    "bucket" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "ReportDirtyMark_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "ReportOrderDay" (
    "id" BIGSERIAL NOT NULL,
    "shopId" UUID NOT NULL,
    "day" DATE NOT NULL,
    "classification" "Classification" NOT NULL,
    "surface" "Surface",
    "excludedReason" "ExclusionReason",
    "orders" INTEGER NOT NULL,
    "gross" DECIMAL(24,4) NOT NULL,
    "net" DECIMAL(24,4) NOT NULL,

    CONSTRAINT "ReportOrderDay_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "ReportCartDay" (
    "id" BIGSERIAL NOT NULL,
    "shopId" UUID NOT NULL,
    "day" DATE NOT NULL,
    "surface" "Surface" NOT NULL,
    "currency" VARCHAR(3) NOT NULL,
    "amount" DECIMAL(24,4) NOT NULL,
    "products" INTEGER NOT NULL,
    "events" INTEGER NOT NULL,

    CONSTRAINT "ReportCartDay_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "ReportProductDay" (
    "id" BIGSERIAL NOT NULL,
    "shopId" UUID NOT NULL,
    "day" DATE NOT NULL,
    "surface" "Surface",
    "productId" VARCHAR(32),
    "title" VARCHAR(255) NOT NULL,
    "quantity" INTEGER NOT NULL,
    "revenue" DECIMAL(24,4) NOT NULL,
    "orders" INTEGER NOT NULL,

    CONSTRAINT "ReportProductDay_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "ReportTopicDay" (
    "id" BIGSERIAL NOT NULL,
    "shopId" UUID NOT NULL,
    "day" DATE NOT NULL,
    "surface" "Surface",
    "topic" VARCHAR(200) NOT NULL,
    "orders" INTEGER NOT NULL,

    CONSTRAINT "ReportTopicDay_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE INDEX "ReportDirtyMark_shopId_bucket_idx" ON "ReportDirtyMark"("shopId", "bucket");

-- CreateIndex
CREATE INDEX "ReportOrderDay_shopId_day_idx" ON "ReportOrderDay"("shopId", "day");

-- CreateIndex
CREATE INDEX "ReportCartDay_shopId_day_idx" ON "ReportCartDay"("shopId", "day");

-- CreateIndex
CREATE INDEX "ReportProductDay_shopId_day_idx" ON "ReportProductDay"("shopId", "day");

-- CreateIndex
CREATE INDEX "ReportTopicDay_shopId_day_idx" ON "ReportTopicDay"("shopId", "day");

-- AddForeignKey
ALTER TABLE "ReportOrderDay" ADD CONSTRAINT "ReportOrderDay_shopId_fkey" FOREIGN KEY ("shopId") REFERENCES "Shop"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "ReportCartDay" ADD CONSTRAINT "ReportCartDay_shopId_fkey" FOREIGN KEY ("shopId") REFERENCES "Shop"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "ReportProductDay" ADD CONSTRAINT "ReportProductDay_shopId_fkey" FOREIGN KEY ("shopId") REFERENCES "Shop"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "ReportTopicDay" ADD CONSTRAINT "ReportTopicDay_shopId_fkey" FOREIGN KEY ("shopId") REFERENCES "Shop"("id") ON DELETE CASCADE ON UPDATE CASCADE;


-- Qualification probes (is there an answer in this conversation?) for a day's cart events read only this index:
-- at a million orders the probes into the 5 M-row touch table were half the cost of a live day. Partial indexes
-- are not expressible in schema.prisma 6.19, hence here only.
CREATE INDEX "Touchpoint_qualifying_idx" ON "Touchpoint" ("conversationId", "answerFound") WHERE kind = 'ASSISTANT_ANSWER';

-- Dirty marks (see ReportDirtyMark in schema.prisma). Statement-level triggers with transition tables: one INSERT
-- per statement whatever its row count, so createMany and the bench generator stay set-based.

-- Every zone offset in use is a multiple of 15 minutes, so a 15-minute UTC bucket never straddles a local midnight.
CREATE FUNCTION report_bucket(instant TIMESTAMP) RETURNS TIMESTAMP LANGUAGE sql IMMUTABLE PARALLEL SAFE
  AS $$ SELECT date_bin('15 minutes', instant, TIMESTAMP '2000-01-01') $$;

-- Cart events and credited orders of conversations whose touches or surface changed: a new qualifying answer makes
-- earlier cart events chat GMV, a late touch with a topic adds to the topics of orders it preceded.
CREATE FUNCTION report_mark_conversations(conversation_ids UUID[]) RETURNS void LANGUAGE sql AS $$
  INSERT INTO "ReportDirtyMark" ("shopId", bucket)
  SELECT ce."shopId", report_bucket(ce."occurredAt") FROM "CartEvent" ce WHERE ce."conversationId" = ANY (conversation_ids)
  UNION
  SELECT o."shopId", report_bucket(o."processedAt") FROM "Attribution" a JOIN "Order" o ON o.id = a."orderId"
  WHERE a."conversationId" = ANY (conversation_ids)
$$;

-- A shop's own cascade delete must not leave marks behind: rows whose shop is gone are skipped.
CREATE FUNCTION report_mark_orders() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP <> 'INSERT' THEN
    INSERT INTO "ReportDirtyMark" ("shopId", bucket)
    SELECT DISTINCT r."shopId", report_bucket(r."processedAt") FROM old_rows r WHERE EXISTS (SELECT 1 FROM "Shop" s WHERE s.id = r."shopId");
  END IF;
  IF TG_OP <> 'DELETE' THEN
    INSERT INTO "ReportDirtyMark" ("shopId", bucket)
    SELECT DISTINCT r."shopId", report_bucket(r."processedAt") FROM new_rows r WHERE EXISTS (SELECT 1 FROM "Shop" s WHERE s.id = r."shopId");
  END IF;
  RETURN NULL;
END $$;

-- Attributions and line items take their order's day; when the order itself is gone, its own trigger marked it.
CREATE FUNCTION report_mark_order_children() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP <> 'INSERT' THEN
    INSERT INTO "ReportDirtyMark" ("shopId", bucket)
    SELECT DISTINCT o."shopId", report_bucket(o."processedAt") FROM old_rows r JOIN "Order" o ON o.id = r."orderId";
  END IF;
  IF TG_OP <> 'DELETE' THEN
    INSERT INTO "ReportDirtyMark" ("shopId", bucket)
    SELECT DISTINCT o."shopId", report_bucket(o."processedAt") FROM new_rows r JOIN "Order" o ON o.id = r."orderId";
  END IF;
  RETURN NULL;
END $$;

CREATE FUNCTION report_mark_cart_events() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP <> 'INSERT' THEN
    INSERT INTO "ReportDirtyMark" ("shopId", bucket)
    SELECT DISTINCT r."shopId", report_bucket(r."occurredAt") FROM old_rows r WHERE EXISTS (SELECT 1 FROM "Shop" s WHERE s.id = r."shopId");
  END IF;
  IF TG_OP <> 'DELETE' THEN
    INSERT INTO "ReportDirtyMark" ("shopId", bucket)
    SELECT DISTINCT r."shopId", report_bucket(r."occurredAt") FROM new_rows r WHERE EXISTS (SELECT 1 FROM "Shop" s WHERE s.id = r."shopId");
  END IF;
  RETURN NULL;
END $$;

-- Only answers (qualification) and touches with a topic (top topics) feed a report.
CREATE FUNCTION report_mark_touchpoints() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP <> 'INSERT' THEN
    PERFORM report_mark_conversations(ARRAY(SELECT DISTINCT r."conversationId" FROM old_rows r WHERE r.kind = 'ASSISTANT_ANSWER' OR r.topic IS NOT NULL));
  END IF;
  IF TG_OP <> 'DELETE' THEN
    PERFORM report_mark_conversations(ARRAY(SELECT DISTINCT r."conversationId" FROM new_rows r WHERE r.kind = 'ASSISTANT_ANSWER' OR r.topic IS NOT NULL));
  END IF;
  RETURN NULL;
END $$;

CREATE FUNCTION report_mark_conversation_surfaces() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  PERFORM report_mark_conversations(ARRAY(SELECT n.id FROM new_rows n JOIN old_rows r ON r.id = n.id WHERE n.surface IS DISTINCT FROM r.surface));
  RETURN NULL;
END $$;

-- Roll-ups are per local day in the shop's zone and count cart GMV under its requireAnswerFound: a change to either
-- invalidates all of them. The refresh job holds the same lock, so it cannot write days of the old zone afterwards.
CREATE FUNCTION report_reset_shop_rollups() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  PERFORM pg_advisory_xact_lock(hashtextextended('report-rollups:' || NEW.id::text, 0));
  DELETE FROM "ReportOrderDay" WHERE "shopId" = NEW.id;
  DELETE FROM "ReportCartDay" WHERE "shopId" = NEW.id;
  DELETE FROM "ReportProductDay" WHERE "shopId" = NEW.id;
  DELETE FROM "ReportTopicDay" WHERE "shopId" = NEW.id;
  INSERT INTO "ReportDirtyMark" ("shopId", bucket)
  SELECT NEW.id, report_bucket("processedAt") FROM "Order" WHERE "shopId" = NEW.id
  UNION
  SELECT NEW.id, report_bucket("occurredAt") FROM "CartEvent" WHERE "shopId" = NEW.id;
  RETURN NULL;
END $$;

CREATE TRIGGER report_mark_order_insert AFTER INSERT ON "Order" REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION report_mark_orders();
CREATE TRIGGER report_mark_order_update AFTER UPDATE ON "Order" REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION report_mark_orders();
CREATE TRIGGER report_mark_order_delete AFTER DELETE ON "Order" REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION report_mark_orders();

CREATE TRIGGER report_mark_attribution_insert AFTER INSERT ON "Attribution" REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION report_mark_order_children();
CREATE TRIGGER report_mark_attribution_update AFTER UPDATE ON "Attribution" REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION report_mark_order_children();
CREATE TRIGGER report_mark_attribution_delete AFTER DELETE ON "Attribution" REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION report_mark_order_children();

CREATE TRIGGER report_mark_line_item_insert AFTER INSERT ON "OrderLineItem" REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION report_mark_order_children();
CREATE TRIGGER report_mark_line_item_update AFTER UPDATE ON "OrderLineItem" REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION report_mark_order_children();
CREATE TRIGGER report_mark_line_item_delete AFTER DELETE ON "OrderLineItem" REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION report_mark_order_children();

CREATE TRIGGER report_mark_cart_event_insert AFTER INSERT ON "CartEvent" REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION report_mark_cart_events();
CREATE TRIGGER report_mark_cart_event_update AFTER UPDATE ON "CartEvent" REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION report_mark_cart_events();
CREATE TRIGGER report_mark_cart_event_delete AFTER DELETE ON "CartEvent" REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION report_mark_cart_events();

CREATE TRIGGER report_mark_touchpoint_insert AFTER INSERT ON "Touchpoint" REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION report_mark_touchpoints();
CREATE TRIGGER report_mark_touchpoint_update AFTER UPDATE ON "Touchpoint" REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION report_mark_touchpoints();
CREATE TRIGGER report_mark_touchpoint_delete AFTER DELETE ON "Touchpoint" REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION report_mark_touchpoints();

CREATE TRIGGER report_mark_conversation_update AFTER UPDATE ON "Conversation" REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION report_mark_conversation_surfaces();

CREATE TRIGGER report_reset_shop_rollups AFTER UPDATE OF timezone, "requireAnswerFound" ON "Shop" FOR EACH ROW
  WHEN (OLD.timezone IS DISTINCT FROM NEW.timezone OR OLD."requireAnswerFound" IS DISTINCT FROM NEW."requireAnswerFound")
  EXECUTE FUNCTION report_reset_shop_rollups();

-- Data written before this migration has no roll-ups yet: mark all of it.
INSERT INTO "ReportDirtyMark" ("shopId", bucket)
SELECT "shopId", report_bucket("processedAt") FROM "Order"
UNION
SELECT "shopId", report_bucket("occurredAt") FROM "CartEvent";
