-- A refusal may forfeit a fee the agency's catalog would otherwise refund
-- when a case is not approved (mo-cts: duplicate, impersonated or
-- falsified applications); kept with the decision and with a decision
-- that awaits a senior's sign-off.
ALTER TABLE review_case
    ADD COLUMN decision_fee_forfeited boolean NOT NULL DEFAULT false,
    ADD COLUMN pending_fee_forfeited  boolean NOT NULL DEFAULT false;
