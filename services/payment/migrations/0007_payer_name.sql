-- The payer as documents print them (the applicant's masked name, e.g.
-- "鄭**"): a convenience-store slip names its payer.
ALTER TABLE orders ADD COLUMN payer_name text NOT NULL DEFAULT '';
