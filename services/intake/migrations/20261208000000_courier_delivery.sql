-- Courier delivery, the hand-over stage of cases whose applicant chose to
-- have the document sent: the address it goes to (as answered), the
-- courier's tracking number, and when it was handed over and delivered.
ALTER TABLE case_lifecycle
    ADD COLUMN delivery_address text,
    ADD COLUMN tracking_number  text CHECK (char_length(tracking_number) BETWEEN 1 AND 40),
    ADD COLUMN dispatched_at    timestamptz,
    ADD COLUMN delivered_at     timestamptz;
