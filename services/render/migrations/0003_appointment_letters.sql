-- The newest appointment fact seen per case (the event's aggregate
-- sequence): a booking or cancellation older than it renders and revokes
-- nothing, so letters follow the case's own order whatever order the
-- broker delivers in.
CREATE TABLE appointment_facts (
    case_id uuid PRIMARY KEY,
    sequence bigint NOT NULL,
    seen_at timestamptz NOT NULL DEFAULT now()
);
