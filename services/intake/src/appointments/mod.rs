//! Appointments at the agency's service centres, inside intake (which owns
//! the case and its workflow) and apart from the rest of it: its own
//! tables (`appointment_*`), its own gRPC service, its own jobs.
//!
//! - [`plan`]: the slots a centre opens on a day, from the catalog alone;
//! - [`store`]: slots with their capacity (the database refuses a place
//!   over it), holds and bookings, the audit;
//! - [`booking`]: hold, book, reschedule, cancel and attendance, each in
//!   one transaction with the case locked, the case's workflow moved and
//!   the event queued;
//! - [`events`]: the events queued with each change;
//! - [`closures`]: closures declared at run time and the bookings they move;
//! - [`jobs`]: opening slots ahead, releasing expired holds, reminders the
//!   day before, the free-capacity gauges;
//! - [`grpc`]: the `AppointmentService` of the protocol.

pub mod booking;
pub mod closures;
pub mod events;
pub mod grpc;
pub mod jobs;
pub mod plan;
pub mod store;

pub use booking::Appointments;
