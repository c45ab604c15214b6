-- Published catalog versions: immutable rows, one per publish.
CREATE TABLE catalog_versions (
    agency       TEXT        NOT NULL,
    version      INTEGER     NOT NULL CHECK (version > 0),
    catalog      JSONB       NOT NULL,
    sha256       TEXT        NOT NULL,
    published_by TEXT        NOT NULL,
    published_at TIMESTAMPTZ NOT NULL DEFAULT now(),
    PRIMARY KEY (agency, version)
);

-- A published version never changes: cases keep the version they were submitted under.
CREATE FUNCTION catalog_versions_are_immutable() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION 'catalog versions are immutable (agency %, version %)', OLD.agency, OLD.version;
END
$$ LANGUAGE plpgsql;

CREATE TRIGGER catalog_versions_immutable
    BEFORE UPDATE ON catalog_versions
    FOR EACH ROW EXECUTE FUNCTION catalog_versions_are_immutable();

-- Announcements managed by agency administrators between publishes.
CREATE TABLE catalog_announcements (
    id           UUID        PRIMARY KEY,
    agency       TEXT        NOT NULL,
    code         TEXT        NOT NULL,
    title        JSONB       NOT NULL,
    body         JSONB       NOT NULL,
    unit         JSONB,
    important    BOOLEAN     NOT NULL DEFAULT false,
    published_on DATE        NOT NULL,
    created_at   TIMESTAMPTZ NOT NULL DEFAULT now(),
    updated_at   TIMESTAMPTZ NOT NULL DEFAULT now(),
    UNIQUE (agency, code)
);

CREATE INDEX catalog_announcements_by_agency ON catalog_announcements (agency, published_on DESC);
