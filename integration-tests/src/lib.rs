//! The platform's acceptance: every service running as the binary it
//! ships as ([`platform`]), driven only from outside — the public JSON API
//! read from its OpenAPI document ([`api`]), the mail catcher, the SMS
//! simulator and the payment providers' simulator ([`outside`]) — through
//! the journeys of the demo agencies (one module each: [`fujian`], [`taiwan`],
//! [`hong_kong`], [`macao_cts`], [`macao_csm`]; their shared steps in
//! [`journeys`]).

pub mod api;
pub mod effects;
pub mod fujian;
pub mod hong_kong;
pub mod journeys;
pub mod macao_csm;
pub mod macao_cts;
pub mod outside;
pub mod platform;
pub mod taiwan;
