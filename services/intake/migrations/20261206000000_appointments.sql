-- Appointments: one row per centre and slot with its capacity and the
-- places taken (the database refuses more than the capacity), the holds
-- and bookings that take them, closures declared at run time, and the
-- audit of every change.

CREATE TABLE appointment_slots (
    agency    text        NOT NULL,
    centre    text        NOT NULL,
    starts_at timestamptz NOT NULL,
    ends_at   timestamptz NOT NULL,
    -- The slot's date in the agency's time zone.
    day       date        NOT NULL,
    capacity  integer     NOT NULL CHECK (capacity >= 0),
    taken     integer     NOT NULL DEFAULT 0 CHECK (taken >= 0),
    -- The run-time closure that closed it, if any.
    closed_by uuid,
    PRIMARY KEY (agency, centre, starts_at),
    CONSTRAINT appointment_slot_capacity CHECK (taken <= capacity)
);
CREATE INDEX appointment_slots_by_day ON appointment_slots (agency, centre, day);

-- How far each centre's slots have been opened.
CREATE TABLE appointment_horizons (
    agency  text NOT NULL,
    centre  text NOT NULL,
    through date NOT NULL,
    PRIMARY KEY (agency, centre)
);

CREATE TABLE appointment_bookings (
    id              uuid        PRIMARY KEY,
    agency          text        NOT NULL,
    case_id         uuid        NOT NULL REFERENCES cases (id),
    account_id      text        NOT NULL,
    centre          text        NOT NULL,
    starts_at       timestamptz NOT NULL,
    state           text        NOT NULL CHECK (state IN
        ('held', 'booked', 'cancelled', 'expired', 'moved', 'attended', 'no_show')),
    hold_expires_at timestamptz,
    created_at      timestamptz NOT NULL DEFAULT now(),
    booked_at       timestamptz,
    ended_at        timestamptz,
    reminded_at     timestamptz,
    -- The booking that took this one's place (rescheduled or moved).
    replaced_by     uuid,
    FOREIGN KEY (agency, centre, starts_at) REFERENCES appointment_slots
);
-- One hold or booking per case at a time.
CREATE UNIQUE INDEX appointment_bookings_active ON appointment_bookings (case_id)
    WHERE state IN ('held', 'booked');
CREATE INDEX appointment_bookings_by_slot ON appointment_bookings (agency, centre, starts_at)
    WHERE state IN ('held', 'booked');
CREATE INDEX appointment_bookings_expiring ON appointment_bookings (hold_expires_at)
    WHERE state = 'held';
CREATE INDEX appointment_bookings_by_account ON appointment_bookings (account_id, created_at);

CREATE TABLE appointment_closures (
    id          uuid        PRIMARY KEY,
    agency      text        NOT NULL,
    -- NULL: every centre of the agency.
    centre      text,
    starts_on   date        NOT NULL,
    ends_on     date        NOT NULL CHECK (ends_on >= starts_on),
    reason      text        NOT NULL,
    declared_by text        NOT NULL,
    declared_at timestamptz NOT NULL DEFAULT now(),
    moved       integer     NOT NULL DEFAULT 0,
    cancelled   integer     NOT NULL DEFAULT 0
);
CREATE INDEX appointment_closures_by_agency ON appointment_closures (agency, starts_on);

-- Every hold, booking, move, cancellation and attendance, with who did it.
CREATE TABLE appointment_audit (
    id         bigserial   PRIMARY KEY,
    agency     text        NOT NULL,
    booking_id uuid        NOT NULL,
    case_id    uuid        NOT NULL,
    action     text        NOT NULL,
    actor      text        NOT NULL,
    detail     jsonb       NOT NULL DEFAULT '{}',
    at         timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX appointment_audit_by_case ON appointment_audit (case_id, id);
