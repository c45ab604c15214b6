//! The portal in a real browser: headless Chromium, driven over WebDriver
//! by chromedriver, against the same in-process stack as the API tests
//! (identity, intake, review and notify on the local PostgreSQL, Redis and
//! RabbitMQ, a fresh database per test). Each test has its own stack and
//! its own browser, and keeps a screenshot of every significant step under
//! `$LAISSEZ_TEST_ARTIFACTS/<test>/` (default
//! `<target>/test-artifacts/browser/<test>/`).
//!
//! Every page a test opens or reaches by a click is checked against
//! WCAG 2.2 AA by axe-core (`accessibility.rs`).
//!
//! Chromium and chromedriver come from Debian (`./deploy/dev.sh deps`);
//! without them these tests fail rather than skip.

#[path = "../api/support.rs"]
mod support;

mod accessibility;
mod harness;
mod setup;
mod steps;
mod webdriver;

mod front_door;
mod fujian_managed_applicant;
mod hong_kong_booking;
mod language_switch;
mod macao_consulate;
mod taiwan_student;
