-- When the applicant was reminded that a slip or transfer account expires
-- within a day (once per payment).
ALTER TABLE payments ADD COLUMN reminded_at timestamptz;
