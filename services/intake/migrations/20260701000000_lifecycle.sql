-- A case's life after approval: production and its due date, the permit's
-- number and validity, and who collected it. One row per case, written by
-- the transition that enters each stage.
CREATE TABLE case_lifecycle (
    case_id            uuid        PRIMARY KEY REFERENCES cases (id),
    agency             text        NOT NULL,
    production_due_on  date,
    produced_at        timestamptz,
    permit_number      text,
    permit_valid_until date,
    ready_at           timestamptz,
    collect_by         date,
    collected_at       timestamptz,
    collector          jsonb
);
CREATE UNIQUE INDEX case_lifecycle_permits ON case_lifecycle (agency, permit_number)
    WHERE permit_number IS NOT NULL;
-- The uncollected-documents sweep reads the oldest deadlines first.
CREATE INDEX case_lifecycle_uncollected ON case_lifecycle (collect_by)
    WHERE collect_by IS NOT NULL AND collected_at IS NULL;
