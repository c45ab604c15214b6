-- Money that came but could not pay its orders (a second payment of an
-- order, an amount that differs) is given back automatically: the payment
-- moves from 'flagged' to 'refunded' once its provider confirms.
ALTER TABLE payments DROP CONSTRAINT payments_state_check;
ALTER TABLE payments ADD CONSTRAINT payments_state_check
    CHECK (state IN ('pending', 'succeeded', 'failed', 'expired', 'flagged', 'refunded'));
ALTER TABLE payments ADD COLUMN provider_refund text NOT NULL DEFAULT '';
ALTER TABLE payments ADD COLUMN refund_attempts integer NOT NULL DEFAULT 0;
ALTER TABLE payments ADD COLUMN refunded_at timestamptz;
CREATE INDEX payments_flagged ON payments (created_at) WHERE state = 'flagged';
