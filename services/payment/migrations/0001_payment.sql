-- Orders, payments, provider notices and the ledger of the payment service.
-- Amounts are integers in minor units of `currency`.

-- One order per case that reached its payment stage. The fee lines and the
-- methods (with their surcharge terms) are the case's own catalog version's,
-- copied when the order opens: a later catalog never changes them.
CREATE TABLE orders (
    id               uuid PRIMARY KEY,
    agency           text NOT NULL,
    account_id       text NOT NULL,
    case_id          uuid NOT NULL UNIQUE,
    receipt_number   text NOT NULL,
    group_number     text NOT NULL DEFAULT '',
    application_type text NOT NULL,
    catalog_version  integer NOT NULL,
    language         integer NOT NULL DEFAULT 0,
    currency         text NOT NULL,
    lines            jsonb NOT NULL,
    -- NULL: the tariff is applied at the counter (not published).
    total            bigint CHECK (total IS NULL OR total >= 0),
    methods          jsonb NOT NULL,
    refundable       boolean NOT NULL DEFAULT false,
    state            text NOT NULL DEFAULT 'pending'
        CHECK (state IN ('pending', 'paid', 'expired', 'cancelled', 'refunded', 'partly_refunded')),
    payment_id       uuid,
    paid_amount      bigint NOT NULL DEFAULT 0,
    refunded_amount  bigint NOT NULL DEFAULT 0,
    counter_receipt  text NOT NULL DEFAULT '',
    created_at       timestamptz NOT NULL DEFAULT now(),
    expires_at       timestamptz,
    paid_at          timestamptz
);
CREATE INDEX orders_account ON orders (agency, account_id, created_at DESC);
CREATE INDEX orders_receipt ON orders (agency, receipt_number);
CREATE INDEX orders_group ON orders (agency, group_number);

-- One attempt to pay one or several orders with one method.
CREATE TABLE payments (
    id               uuid PRIMARY KEY,
    agency           text NOT NULL,
    account_id       text NOT NULL,
    method           text NOT NULL,
    connector        text NOT NULL,
    -- The provider that takes the money ('' for counter payments).
    provider         text NOT NULL DEFAULT '',
    provider_txn     text,
    state            text NOT NULL DEFAULT 'pending'
        CHECK (state IN ('pending', 'succeeded', 'failed', 'expired', 'flagged')),
    reason           text NOT NULL DEFAULT '',
    currency         text NOT NULL,
    lines            jsonb NOT NULL,
    surcharge        bigint NOT NULL DEFAULT 0,
    total            bigint NOT NULL CHECK (total >= 0),
    received         bigint NOT NULL DEFAULT 0,
    redirect_url     text NOT NULL DEFAULT '',
    virtual_account  text NOT NULL DEFAULT '',
    slip             jsonb,
    idempotency_key  text NOT NULL,
    request_hash     text NOT NULL,
    created_at       timestamptz NOT NULL DEFAULT now(),
    expires_at       timestamptz,
    paid_at          timestamptz,
    last_polled_at   timestamptz,
    UNIQUE (agency, account_id, idempotency_key)
);
CREATE UNIQUE INDEX payments_provider_txn ON payments (provider, provider_txn)
    WHERE provider_txn IS NOT NULL;
CREATE INDEX payments_pending ON payments (expires_at) WHERE state = 'pending';

CREATE TABLE payment_orders (
    payment_id uuid NOT NULL REFERENCES payments (id),
    order_id   uuid NOT NULL REFERENCES orders (id),
    PRIMARY KEY (payment_id, order_id)
);
CREATE INDEX payment_orders_order ON payment_orders (order_id);

-- Every provider notice once: the provider's transaction id and the event
-- are the idempotency key (a replay, a retry or a poll that saw the same
-- fact finds its row here and changes nothing).
CREATE TABLE provider_notices (
    provider       text NOT NULL,
    transaction_id text NOT NULL,
    event          text NOT NULL,
    received_at    timestamptz NOT NULL DEFAULT now(),
    outcome        text NOT NULL DEFAULT '',
    PRIMARY KEY (provider, transaction_id, event)
);

-- Append-only: every money movement. Refunds are negative.
CREATE TABLE ledger (
    id          bigserial PRIMARY KEY,
    agency      text NOT NULL,
    order_id    uuid,
    payment_id  uuid,
    kind        text NOT NULL CHECK (kind IN ('charge', 'surcharge', 'unmatched', 'refund')),
    amount      bigint NOT NULL,
    currency    text NOT NULL,
    provider    text NOT NULL DEFAULT '',
    provider_txn text NOT NULL DEFAULT '',
    -- The cashier's receipt number, a refund's reason…
    reference   text NOT NULL DEFAULT '',
    actor       text NOT NULL DEFAULT '',
    at          timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX ledger_provider_day ON ledger (provider, at);

CREATE FUNCTION ledger_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'the ledger is append-only';
END;
$$;
CREATE TRIGGER ledger_append_only BEFORE UPDATE OR DELETE ON ledger
    FOR EACH ROW EXECUTE FUNCTION ledger_append_only();

CREATE TABLE refunds (
    id              uuid PRIMARY KEY,
    order_id        uuid NOT NULL REFERENCES orders (id),
    amount          bigint NOT NULL CHECK (amount > 0),
    reason          text NOT NULL,
    idempotency_key text NOT NULL,
    provider_refund text NOT NULL DEFAULT '',
    actor           text NOT NULL,
    at              timestamptz NOT NULL DEFAULT now(),
    UNIQUE (order_id, idempotency_key)
);

-- Slip numbers: the collector's code and this sequence, 16 characters.
CREATE SEQUENCE slip_numbers;
