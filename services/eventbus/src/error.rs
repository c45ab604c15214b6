//! Errors of the event backbone.

/// What can go wrong in the backbone. Broker and database errors inside the
/// relay and consumers are retried internally; this type reaches callers of
/// `Outbox::enqueue`, topology declaration and the health check.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error("database error: {0}")]
    Database(#[from] sqlx::Error),
    #[error("broker error: {0}")]
    Broker(#[from] lapin::Error),
    #[error("broker did not answer within {0:?}")]
    BrokerTimeout(std::time::Duration),
    #[error("broker connection lost: {0}")]
    Disconnected(&'static str),
    #[error("publish of event {event_id} was not confirmed by the broker")]
    PublishNotConfirmed { event_id: uuid::Uuid },
    #[error("invalid configuration: {0}")]
    Configuration(String),
    #[error("invalid event: {0}")]
    InvalidEvent(String),
}

/// Why an envelope's payload could not be read as the requested message.
#[derive(Debug, thiserror::Error)]
pub enum DecodeError {
    #[error("envelope has no payload")]
    MissingPayload,
    #[error("payload is {actual}, expected {expected}")]
    WrongType { expected: String, actual: String },
    #[error("payload does not decode: {0}")]
    Malformed(#[from] prost::DecodeError),
}

/// Outcome of a failed handler: decides between a delayed retry and the
/// dead-letter queue.
#[derive(Debug, thiserror::Error)]
pub enum HandlerError {
    /// Worth retrying later (database unavailable, a dependency timed out).
    #[error("transient: {0}")]
    Transient(#[source] Box<dyn std::error::Error + Send + Sync>),
    /// Retrying will never help (invalid content, broken invariant): the
    /// message goes straight to the dead-letter queue.
    #[error("permanent: {0}")]
    Permanent(#[source] Box<dyn std::error::Error + Send + Sync>),
}

impl HandlerError {
    pub fn transient(error: impl Into<Box<dyn std::error::Error + Send + Sync>>) -> Self {
        Self::Transient(error.into())
    }

    pub fn permanent(error: impl Into<Box<dyn std::error::Error + Send + Sync>>) -> Self {
        Self::Permanent(error.into())
    }
}

/// Database errors inside a handler are usually the database being
/// unavailable or a serialization conflict: worth a retry.
impl From<sqlx::Error> for HandlerError {
    fn from(error: sqlx::Error) -> Self {
        Self::Transient(Box::new(error))
    }
}

/// A payload that does not decode will not decode next time either.
impl From<DecodeError> for HandlerError {
    fn from(error: DecodeError) -> Self {
        Self::Permanent(Box::new(error))
    }
}
