//! Intake's rules that run whoever asks: the workflow that drives a case
//! after approval ([`lifecycle`]) and the scheduled pass over cases not
//! collected in time ([`jobs`]). The rules of starting, submitting and
//! the staff's after-approval actions still sit in the `grpc` modules
//! beside their decoding.

pub mod jobs;
pub mod lifecycle;
