-- An applicant account's address book (地址管理): where courier deliveries go.
CREATE TABLE addresses (
    id uuid PRIMARY KEY,
    account_id uuid NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    agency text NOT NULL,
    recipient text NOT NULL,
    phone text NOT NULL,
    address text NOT NULL,
    is_default boolean NOT NULL DEFAULT false,
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now()
);

CREATE INDEX addresses_account ON addresses (account_id, created_at);
-- At most one default per account.
CREATE UNIQUE INDEX addresses_one_default ON addresses (account_id) WHERE is_default;
