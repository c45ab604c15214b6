-- Rendered documents: one row per (kind, source fact, version), the PDF in
-- the blob store under blob_key, its SHA-256 here. A re-render after a
-- template change adds a version; old versions stay.
CREATE TABLE documents (
    id uuid PRIMARY KEY,
    agency text NOT NULL,
    account_id text NOT NULL,
    case_id uuid NOT NULL,
    kind text NOT NULL,
    -- The fact it was rendered from: "case:<id>" or "order:<id>".
    source text NOT NULL,
    version integer NOT NULL DEFAULT 1,
    number text NOT NULL,
    receipt_number text NOT NULL DEFAULT '',
    group_number text NOT NULL DEFAULT '',
    application_type text NOT NULL DEFAULT '',
    catalog_version integer NOT NULL,
    language text NOT NULL,
    -- The catalog's localized name of the document (file names).
    name jsonb NOT NULL,
    sha256 text NOT NULL,
    size_bytes bigint NOT NULL,
    blob_key text NOT NULL,
    -- The signed seal's text ('' when the document has none) and what it signs.
    seal text NOT NULL DEFAULT '',
    sealed jsonb,
    paid_at timestamptz,
    rendered_at timestamptz NOT NULL DEFAULT now(),
    revoked_at timestamptz,
    revoked_reason text NOT NULL DEFAULT '',
    UNIQUE (kind, source, version)
);
CREATE INDEX documents_owner ON documents (agency, account_id, rendered_at DESC);
CREATE INDEX documents_sha256 ON documents (sha256);
CREATE INDEX documents_case ON documents (case_id);
