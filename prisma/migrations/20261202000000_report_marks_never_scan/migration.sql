-- The report marks' probes of "Order" (and of cart events and attributions by conversation) are index probes
-- whatever the table's size when their plan is made. A LATERAL subquery keeps them probes, but each probe could
-- still be planned as a scan of the whole table: PL/pgSQL keeps a statement's plan for as long as its connection
-- lives, until the next analyze of a table it reads, and a plan made while "Order" was a page or two scanned it
-- for every line item and attribution written. On a database whose tables were analyzed nearly empty, a batch of
-- 64 order webhooks grew from 44 to 170 ms as "Order" grew to 7,000 rows (auto_explain with trigger times; the
-- collapse of order-webhook capacity that `npm run bench` measured now and then, whenever autovacuum had not
-- analyzed "Order" again since the run began).
ALTER FUNCTION report_mark_order_children() SET enable_seqscan = off;
ALTER FUNCTION report_mark_conversations(UUID[]) SET enable_seqscan = off;
