//! The platform from outside: every service as its binary (see
//! `laissez_integration_tests::platform`), driven through the public API,
//! the mail catcher, the SMS simulator and the payment simulator.

mod faults;
mod fuzzer;
mod journeys;
mod outages;
mod probes;
mod providers;
mod uploads;
