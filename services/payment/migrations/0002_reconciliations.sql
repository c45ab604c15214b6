-- One reconciliation per agency, provider and settlement day: the
-- provider's settlement file against the ledger. Running a day again
-- replaces its result (a corrected file, a late notice applied since).
CREATE TABLE reconciliations (
    id             uuid PRIMARY KEY,
    agency         text NOT NULL,
    provider       text NOT NULL,
    day            date NOT NULL,
    settled_rows   integer NOT NULL,
    recorded_rows  integer NOT NULL,
    matched        integer NOT NULL,
    missing        integer NOT NULL,
    extra          integer NOT NULL,
    mismatched     integer NOT NULL,
    -- [{kind, transaction_id, reference, settled, recorded, currency}]
    differences    jsonb NOT NULL,
    actor          text NOT NULL,
    run_at         timestamptz NOT NULL DEFAULT now(),
    UNIQUE (agency, provider, day)
);
CREATE INDEX reconciliations_recent ON reconciliations (agency, day DESC);
