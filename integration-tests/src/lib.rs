//! The platform's acceptance: every service running as the binary it
//! ships as ([`platform`]), driven only from outside — the public JSON API
//! read from its OpenAPI document ([`api`]), the mail catcher, the SMS
//! simulator and the payment providers' simulator ([`outside`]) — through
//! the journeys of the demo agencies (one module each: [`fujian`], [`taiwan`],
//! [`hong_kong`], [`macao_cts`], [`macao_csm`]; their shared steps in
//! [`journeys`]). One step is not taken from outside: a journey past its
//! appointment brings the booked day ([`calendar`]) instead of waiting.

pub mod api;
pub mod calendar;
pub mod effects;
pub mod fujian;
pub mod hong_kong;
pub mod journeys;
pub mod macao_csm;
pub mod macao_cts;
pub mod outside;
pub mod platform;
pub mod taiwan;
