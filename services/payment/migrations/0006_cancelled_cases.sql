-- Cases intake cancelled: their open order is released, and an order
-- requested after the cancellation (events reordered) is never opened.
CREATE TABLE cancelled_cases (
    case_id      uuid        PRIMARY KEY,
    agency       text        NOT NULL,
    cancelled_at timestamptz NOT NULL DEFAULT now()
);
