-- An order's deadline comes from its catalog version (`order_valid_days`);
-- what money arriving after it does (`late_payment`) is copied with it.
ALTER TABLE orders ADD COLUMN late_payment_accepted boolean NOT NULL DEFAULT true;
CREATE INDEX orders_due ON orders (expires_at) WHERE state = 'pending' AND expires_at IS NOT NULL;
