-- Outgoing email and SMS, one row per (event, recipient, channel): the unique
-- key is what makes a redelivered event a no-op. The dispatcher sends the
-- pending rows and records the outcome here.
CREATE TABLE delivery (
    id              uuid PRIMARY KEY,
    event_id        uuid NOT NULL,
    event_type      text NOT NULL,
    agency          text NOT NULL,
    account_id      text NOT NULL DEFAULT '',
    channel         text NOT NULL CHECK (channel IN ('email', 'sms')),
    recipient       text NOT NULL,
    language        text NOT NULL,
    sender_name     text NOT NULL DEFAULT '',
    sender_address  text NOT NULL DEFAULT '',
    subject         text NOT NULL DEFAULT '',
    body_text       text NOT NULL,
    body_html       text,
    status          text NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'sent', 'failed')),
    attempts        integer NOT NULL DEFAULT 0,
    next_attempt_at timestamptz NOT NULL DEFAULT now(),
    last_error      text NOT NULL DEFAULT '',
    occurred_at     timestamptz NOT NULL,
    created_at      timestamptz NOT NULL DEFAULT now(),
    updated_at      timestamptz NOT NULL DEFAULT now(),
    sent_at         timestamptz,
    UNIQUE (event_id, recipient, channel)
);
CREATE INDEX delivery_due ON delivery (next_attempt_at) WHERE status = 'pending';
CREATE INDEX delivery_by_agency ON delivery (agency, id DESC);

-- The in-app message centre (消息中心 / 站內信), one row per event and account.
CREATE TABLE in_app_message (
    id          uuid PRIMARY KEY,
    event_id    uuid NOT NULL,
    event_type  text NOT NULL,
    agency      text NOT NULL,
    account_id  text NOT NULL,
    case_id     text NOT NULL DEFAULT '',
    subject     text NOT NULL,
    body        text NOT NULL,
    read_at     timestamptz,
    created_at  timestamptz NOT NULL DEFAULT now(),
    UNIQUE (event_id, account_id)
);
CREATE INDEX in_app_message_by_account ON in_app_message (agency, account_id, id DESC);
CREATE INDEX in_app_message_unread ON in_app_message (agency, account_id) WHERE read_at IS NULL;

-- Notify's own copy of how to reach an account, kept from identity events
-- (events such as account.activated carry no address).
CREATE TABLE account_contact (
    agency       text NOT NULL,
    account_id   text NOT NULL,
    display_name text NOT NULL DEFAULT '',
    email        text NOT NULL DEFAULT '',
    mobile       text NOT NULL DEFAULT '',
    language     text NOT NULL DEFAULT '',
    portal       text NOT NULL DEFAULT '',
    updated_at   timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (agency, account_id)
);

-- The applicant's masked name and receipt number per case, from
-- intake.case.submitted (later events do not all carry them).
CREATE TABLE case_party (
    agency         text NOT NULL,
    case_id        text NOT NULL,
    applicant_name text NOT NULL DEFAULT '',
    receipt_number text NOT NULL DEFAULT '',
    updated_at     timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (agency, case_id)
);
