-- What the issued permit grants besides its validity, fixed with its number
-- from the type's catalog rules: the entries ('single', 'double',
-- 'multiple') and the longest stay per entry in days.
ALTER TABLE case_lifecycle
    ADD COLUMN permit_entries   text CHECK (permit_entries IN ('single', 'double', 'multiple')),
    ADD COLUMN permit_stay_days integer CHECK (permit_stay_days > 0);
