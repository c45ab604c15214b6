//! What review consumes (intake's case events) and publishes (decisions).

pub mod intake;
