-- Issue 27, "revenue by chat variant": the variant (prompt, model, flow) a chat backend reports on
-- conversation_started, so revenue can be compared by variant with or without an experiment.
ALTER TABLE "Conversation" ADD COLUMN "variant" VARCHAR(64);
