-- Run once by the postgres container on a fresh volume (deploy/compose.yaml).
-- The services also create their database when it is missing; this only makes
-- the first start quicker and the databases visible before any service runs.
CREATE DATABASE laissez_identity;
CREATE DATABASE laissez_intake;
CREATE DATABASE laissez_review;
CREATE DATABASE laissez_payment;
CREATE DATABASE laissez_render;
CREATE DATABASE laissez_notify;
