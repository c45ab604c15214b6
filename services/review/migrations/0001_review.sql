-- The review queue: one row per case intake submitted to the agency.
CREATE TABLE review_case (
    case_id uuid PRIMARY KEY,
    agency text NOT NULL,
    receipt_number text NOT NULL,
    group_number text NOT NULL DEFAULT '',
    application_type text NOT NULL,
    catalog_version integer NOT NULL DEFAULT 0,
    express boolean NOT NULL DEFAULT false,
    submitted_at timestamptz NOT NULL,
    -- queued | leased | returned | pending_sign_off | decided | withdrawn
    state text NOT NULL,
    -- normal | priority
    lane text NOT NULL DEFAULT 'normal',
    priority_reasons text[] NOT NULL DEFAULT '{}',
    -- none | requested | accepted | refused
    priority_request text NOT NULL DEFAULT 'none',
    priority_request_reason text NOT NULL DEFAULT '',
    priority_evidence text[] NOT NULL DEFAULT '{}',
    -- The effective ordering key: submission time minus the lane's head start.
    queue_key timestamptz NOT NULL,
    lease_owner text,
    lease_expires_at timestamptz,
    round integer NOT NULL DEFAULT 0,
    -- Aggregate sequence of the newest intake event applied (out-of-order guard).
    last_event_sequence bigint NOT NULL DEFAULT 0,
    party jsonb NOT NULL DEFAULT '{}',
    snapshot jsonb NOT NULL DEFAULT '{}',
    due_on date,
    paused_on date,
    sla_warned boolean NOT NULL DEFAULT false,
    sla_breached boolean NOT NULL DEFAULT false,
    decision text,
    decision_comment text,
    decided_by text,
    decided_at timestamptz,
    pending_decision text,
    pending_comment text,
    pending_by text,
    updated_at timestamptz NOT NULL DEFAULT now()
);

-- ClaimNext walks these from the head: O(log n) whatever the depth.
CREATE INDEX review_case_queue ON review_case (agency, queue_key, case_id)
    WHERE state = 'queued';
CREATE INDEX review_case_queue_by_type ON review_case (agency, application_type, queue_key, case_id)
    WHERE state = 'queued';
CREATE INDEX review_case_leases ON review_case (agency, lease_expires_at)
    WHERE state = 'leased';
CREATE INDEX review_case_group ON review_case (agency, group_number)
    WHERE group_number <> '';

-- A withdrawal that arrived before the submission it withdraws.
CREATE TABLE review_tombstone (
    case_id uuid PRIMARY KEY,
    agency text NOT NULL,
    event_sequence bigint NOT NULL,
    withdrawn_at timestamptz NOT NULL
);

-- The audit trail: a hash chain per agency.
CREATE TABLE audit_log (
    agency text NOT NULL,
    sequence bigint NOT NULL,
    actor text NOT NULL,
    action text NOT NULL,
    case_id uuid,
    detail_json text NOT NULL,
    reason text NOT NULL,
    at timestamptz NOT NULL,
    previous_hash text NOT NULL,
    hash text NOT NULL,
    PRIMARY KEY (agency, sequence)
);
CREATE INDEX audit_log_case ON audit_log (case_id, sequence);
