-- The head of each agency's audit chain: the last sequence and hash. An
-- append locks and reads it in one statement and moves it in the statement
-- that inserts the entry, instead of taking an advisory lock and searching
-- the log for its last entry. Verification also checks the log ends where
-- the head says, so removing the newest entries is detected too.
CREATE TABLE audit_head (
    agency text PRIMARY KEY,
    sequence bigint NOT NULL,
    hash text NOT NULL
);

INSERT INTO audit_head (agency, sequence, hash)
SELECT DISTINCT ON (agency) agency, sequence, hash
FROM audit_log
ORDER BY agency, sequence DESC;
