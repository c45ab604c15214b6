-- Re-rendering after a template change keeps the old version: the data a
-- document was laid out with is kept, and a later version supersedes it.
ALTER TABLE documents
    ADD COLUMN data jsonb,
    ADD COLUMN superseded_at timestamptz,
    ADD COLUMN rendered_by text NOT NULL DEFAULT '',
    ADD COLUMN reason text NOT NULL DEFAULT '';
