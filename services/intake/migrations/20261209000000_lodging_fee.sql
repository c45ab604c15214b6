-- A type whose workflow takes the fee when a case is lodged (payment before
-- review) holds the submitted case until it is paid: the priority lanes it
-- was submitted with wait here, and review hears of the case when it is
-- lodged.
ALTER TABLE case_lifecycle
    ADD COLUMN lodging_lanes text[],
    ADD COLUMN lodged_at     timestamptz;
