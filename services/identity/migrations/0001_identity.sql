-- Accounts of every agency's portals: applicants and staff alike.
CREATE TABLE accounts (
    id uuid PRIMARY KEY,
    agency text NOT NULL,
    portal text NOT NULL,
    -- Normalised (trimmed, lower-case) login name; unique per portal.
    login_name text NOT NULL,
    password_hash text NOT NULL,
    status text NOT NULL CHECK (status IN ('pending', 'active', 'disabled')),
    kind text NOT NULL CHECK (kind IN ('applicant', 'staff')),
    roles text[] NOT NULL DEFAULT '{}',
    email text NOT NULL DEFAULT '',
    mobile text NOT NULL DEFAULT '',
    display_name text NOT NULL DEFAULT '',
    -- Registration fields other than login name and password, by field code.
    fields jsonb NOT NULL DEFAULT '{}',
    language integer NOT NULL DEFAULT 0,
    -- Staff second factor: raw TOTP secret, confirmed once a code was shown.
    totp_secret bytea,
    totp_confirmed boolean NOT NULL DEFAULT false,
    totp_last_step bigint NOT NULL DEFAULT 0,
    password_changed_at timestamptz NOT NULL DEFAULT now(),
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now(),
    UNIQUE (agency, portal, login_name)
);
CREATE INDEX accounts_agency ON accounts (agency, kind);

-- Single-use, expiring links (activation, password reset, staff invitation):
-- only the SHA-256 of the token is kept.
CREATE TABLE one_time_tokens (
    token_hash bytea PRIMARY KEY,
    account_id uuid NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    purpose text NOT NULL CHECK (purpose IN ('activation', 'password_reset')),
    expires_at timestamptz NOT NULL,
    used_at timestamptz,
    created_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX one_time_tokens_account ON one_time_tokens (account_id, purpose);

-- The agency's own records registrations are matched against (seed 002:
-- "no such student"), keyed by the normalised identity-document number.
CREATE TABLE person_records (
    agency text NOT NULL,
    portal text NOT NULL,
    match_key text NOT NULL,
    fields jsonb NOT NULL,
    imported_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (agency, portal, match_key)
);

-- The people an account applies for (辦理人管理).
CREATE TABLE applicants (
    id uuid PRIMARY KEY,
    account_id uuid NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    agency text NOT NULL,
    relationship text NOT NULL,
    guardian boolean NOT NULL DEFAULT false,
    document_type text NOT NULL,
    document_number text NOT NULL,
    valid_long_term boolean NOT NULL DEFAULT false,
    valid_from date,
    valid_until date,
    surname text NOT NULL,
    given_name text NOT NULL,
    household_place text NOT NULL DEFAULT '',
    email text NOT NULL DEFAULT '',
    date_of_birth date,
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now(),
    UNIQUE (account_id, document_type, document_number)
);

-- Who changed what, when: field names only, never values of secrets.
CREATE TABLE audit (
    id bigserial PRIMARY KEY,
    agency text NOT NULL,
    actor_account_id text NOT NULL,
    subject_account_id text NOT NULL,
    action text NOT NULL,
    fields text[] NOT NULL DEFAULT '{}',
    detail jsonb NOT NULL DEFAULT '{}',
    occurred_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX audit_subject ON audit (subject_account_id, occurred_at);

-- Ed25519 keys that sign internal tokens; the newest is current, older ones
-- are published until the tokens they signed have expired.
CREATE TABLE signing_keys (
    key_id text PRIMARY KEY,
    secret_key bytea NOT NULL,
    public_key bytea NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now()
);
