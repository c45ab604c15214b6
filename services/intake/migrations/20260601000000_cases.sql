-- Applications (cases) from draft to decision, their documents, returns,
-- snapshots, state history, per-agency number counters and the agency's
-- permit records used to prefill forms.

CREATE TABLE permit_records (
    agency                 text        NOT NULL,
    permit_number          text        NOT NULL,
    holder_document_number text        NOT NULL DEFAULT '',
    fields                 jsonb       NOT NULL,
    imported_at            timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (agency, permit_number)
);

CREATE TABLE cases (
    id                 uuid        PRIMARY KEY,
    agency             text        NOT NULL,
    account_id         text        NOT NULL,
    application_type   text        NOT NULL,
    state              text        NOT NULL,
    applicant          jsonb       NOT NULL,
    answers            jsonb       NOT NULL DEFAULT '{}',
    read_only_fields   text[]      NOT NULL DEFAULT '{}',
    record             jsonb,
    express            boolean     NOT NULL DEFAULT false,
    catalog_version    integer     NOT NULL,
    notice_version     text        NOT NULL,
    notice_accepted_at timestamptz NOT NULL,
    receipt_number     text,
    group_number       text,
    created_at         timestamptz NOT NULL DEFAULT now(),
    updated_at         timestamptz NOT NULL DEFAULT now(),
    submitted_at       timestamptz,
    decided_at         timestamptz,
    UNIQUE (agency, receipt_number)
);
CREATE INDEX cases_by_account ON cases (agency, account_id, created_at DESC);
CREATE INDEX cases_by_group ON cases (agency, group_number);

-- Every state change, written in the transaction that makes it.
CREATE TABLE case_transitions (
    id         bigserial   PRIMARY KEY,
    case_id    uuid        NOT NULL REFERENCES cases (id),
    agency     text        NOT NULL,
    from_state text        NOT NULL,
    to_state   text        NOT NULL,
    actor      text        NOT NULL,
    reason     text        NOT NULL DEFAULT '',
    at         timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX case_transitions_by_case ON case_transitions (case_id, id);

-- Uploaded documents; `deleted_at` keeps those an earlier snapshot names.
CREATE TABLE case_documents (
    id          uuid        PRIMARY KEY,
    case_id     uuid        NOT NULL REFERENCES cases (id),
    agency      text        NOT NULL,
    requirement text        NOT NULL,
    file_name   text        NOT NULL,
    media_type  text        NOT NULL,
    size_bytes  bigint      NOT NULL,
    sha256      text        NOT NULL,
    blob_key    text        NOT NULL,
    uploaded_at timestamptz NOT NULL DEFAULT now(),
    deleted_at  timestamptz
);
CREATE INDEX case_documents_by_case ON case_documents (case_id) WHERE deleted_at IS NULL;

-- What was submitted, per round (0 = first submission); never updated.
CREATE TABLE case_snapshots (
    case_id         uuid        NOT NULL REFERENCES cases (id),
    round           integer     NOT NULL,
    answers         jsonb       NOT NULL,
    documents       jsonb       NOT NULL,
    catalog_version integer     NOT NULL,
    notice_version  text        NOT NULL,
    taken_at        timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (case_id, round)
);

CREATE FUNCTION case_snapshots_immutable() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION 'case snapshots are immutable';
END;
$$ LANGUAGE plpgsql;
CREATE TRIGGER case_snapshots_no_update BEFORE UPDATE OR DELETE ON case_snapshots
    FOR EACH ROW EXECUTE FUNCTION case_snapshots_immutable();

-- Returns for correction or supplement, one row per round.
CREATE TABLE case_returns (
    case_id          uuid        NOT NULL REFERENCES cases (id),
    round            integer     NOT NULL,
    kind             text        NOT NULL CHECK (kind IN ('correction', 'supplement')),
    reviewer_comment text        NOT NULL,
    applicant_reply  text        NOT NULL DEFAULT '',
    returned_at      timestamptz NOT NULL,
    resubmitted_at   timestamptz,
    PRIMARY KEY (case_id, round)
);

-- Receipt and group sequences; the row lock serialises concurrent submits.
CREATE TABLE agency_counters (
    agency     text   NOT NULL,
    counter    text   NOT NULL,
    last_value bigint NOT NULL,
    PRIMARY KEY (agency, counter)
);
