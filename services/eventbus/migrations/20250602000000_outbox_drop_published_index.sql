-- Marking a batch published inserted every row into this index, for a
-- prune that runs once a minute and stops after 10,000 rows; published
-- rows sit at the start of the heap, so the prune's scan finds them early.
DROP INDEX IF EXISTS outbox_published;
