-- Dated number formats restart their sequence every period (day, month or
-- year of the format's finest date part): counters are kept per period.
-- Existing rows become the undated period ''.
ALTER TABLE agency_counters ADD COLUMN period text NOT NULL DEFAULT '';
ALTER TABLE agency_counters DROP CONSTRAINT agency_counters_pkey;
ALTER TABLE agency_counters ADD PRIMARY KEY (agency, counter, period);

-- Numbers already issued today (this month, this year) must not be issued
-- again: the running value carries over to the periods around now, in any
-- agency's time zone, so those sequences continue instead of restarting.
INSERT INTO agency_counters (agency, counter, period, last_value)
SELECT counters.agency, counters.counter, periods.period, counters.last_value
FROM agency_counters counters
CROSS JOIN LATERAL (
    SELECT DISTINCT to_char(day, shape) AS period
    FROM unnest(ARRAY[now() - interval '1 day', now(), now() + interval '1 day']) AS day,
         unnest(ARRAY['YYYY-MM-DD', 'YYYY-MM', 'YYYY']) AS shape
) periods
WHERE counters.period = ''
ON CONFLICT DO NOTHING;
