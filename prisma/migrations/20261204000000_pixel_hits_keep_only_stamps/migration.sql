-- A pixel hit keeps only what the app uses: the chat stamps it was linked by and its flags (ingest-pixel.server.ts).
-- Hits stored before kept the whole checkout body (line items, prices, every cart attribute); reduce them the same way.
UPDATE "PixelHit" h
SET payload = jsonb_build_object(
  'chatSessionId', (
    SELECT nullif(left(btrim(a->>'value'), 128), '')
    FROM jsonb_array_elements(h.payload->'checkout'->'attributes') a
    WHERE a->>'key' = '_chat_session_id'
    LIMIT 1
  ),
  'chatVisitorId', (
    SELECT nullif(left(left(btrim(a->>'value'), 128), 64), '')
    FROM jsonb_array_elements(h.payload->'checkout'->'attributes') a
    WHERE a->>'key' = '_chat_visitor_id'
    LIMIT 1
  ),
  'flagged', CASE WHEN jsonb_typeof(h.payload->'flagged') = 'array' THEN h.payload->'flagged' ELSE '[]'::jsonb END
)
WHERE jsonb_typeof(h.payload->'checkout'->'attributes') = 'array';

UPDATE "PixelHit" h
SET payload = jsonb_build_object('chatSessionId', NULL, 'chatVisitorId', NULL, 'flagged', '[]'::jsonb)
WHERE h.payload ? 'checkout';
