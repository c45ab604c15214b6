//! The JSON API against real services started in this process, each test
//! with its own databases, Redis prefixes and event exchange.

mod support;

mod appointments;
mod authorization;
mod bad_inputs;
mod dev_captcha;
mod documents;
mod first_hour;
mod idempotency;
mod journey;
mod metrics;
mod openapi;
mod payment;
mod portal;
mod portal_account;
mod portal_addresses;
mod portal_admin;
mod portal_applicants;
mod portal_apply;
mod portal_cases;
mod portal_counter;
mod portal_group;
mod portal_messages;
mod portal_payments;
mod portal_registration;
mod portal_review;
mod portal_review_group;
mod portal_staff_header;
mod portal_staff_tools;
mod security;
mod sessions;
