-- The counter finds an applicant's cases by the identity document they
-- show: numbers compared without case, spaces or hyphens.
CREATE INDEX cases_document_number ON cases
    (agency, upper(regexp_replace(applicant->>'document_number', '[[:space:]-]', '', 'g')));
