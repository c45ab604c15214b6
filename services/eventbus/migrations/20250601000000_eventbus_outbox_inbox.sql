-- Event backbone tables, run by every service in its own database
-- (laissez_eventbus::MIGRATOR, tracked in _laissez_eventbus_migrations).

-- Last sequence number handed out per aggregate. Kept apart from the outbox
-- so pruning published rows never restarts a sequence, and its row lock
-- serialises concurrent enqueues for one aggregate.
CREATE TABLE outbox_aggregate_sequence (
    aggregate_type text NOT NULL,
    aggregate_id text NOT NULL,
    last_sequence bigint NOT NULL,
    PRIMARY KEY (aggregate_type, aggregate_id)
);

CREATE TABLE outbox (
    -- UUIDv7, the event id carried in the envelope and the AMQP message id.
    id uuid PRIMARY KEY,
    -- Publication order. Assigned after the aggregate's sequence row is
    -- locked, so it grows with aggregate_sequence within one aggregate
    -- (UUIDv7 from several hosts would not, clocks differ).
    position bigint GENERATED ALWAYS AS IDENTITY,
    aggregate_type text NOT NULL,
    aggregate_id text NOT NULL,
    aggregate_sequence bigint NOT NULL,
    event_type text NOT NULL,
    agency text NOT NULL,
    -- The encoded laissez.events.v1.Envelope, published as is.
    payload bytea NOT NULL,
    traceparent text NOT NULL DEFAULT '',
    tracestate text NOT NULL DEFAULT '',
    created_at timestamptz NOT NULL DEFAULT now(),
    -- No unique index on (aggregate, sequence): outbox_aggregate_sequence
    -- already hands out each number once, and every index here is written
    -- again when the relay marks a row published.
    published_at timestamptz
);

CREATE INDEX outbox_unpublished ON outbox (position) WHERE published_at IS NULL;
CREATE INDEX outbox_published ON outbox (published_at) WHERE published_at IS NOT NULL;

-- Events a consumer has applied; the row is written in the same transaction
-- as the consumer's effect, so a redelivery finds it and is dropped.
CREATE TABLE inbox (
    consumer text NOT NULL,
    event_id uuid NOT NULL,
    event_type text NOT NULL,
    received_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (consumer, event_id)
);

CREATE INDEX inbox_received_at ON inbox (received_at);
