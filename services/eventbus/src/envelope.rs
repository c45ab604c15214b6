//! Reading the typed payload out of an [`Envelope`].

use laissez_proto::events::v1::{Envelope, EventMessage};

use crate::error::DecodeError;

/// Typed access to an envelope's payload:
/// `let submitted: CaseSubmitted = envelope.decode()?;`.
pub trait EnvelopeExt {
    /// Decodes the payload as `T`, refusing a payload of another type.
    fn decode<T: EventMessage>(&self) -> Result<T, DecodeError>;

    /// The event id as a UUID (the inbox key).
    fn event_uuid(&self) -> Option<uuid::Uuid>;
}

impl EnvelopeExt for Envelope {
    fn decode<T: EventMessage>(&self) -> Result<T, DecodeError> {
        let payload = self.payload.as_ref().ok_or(DecodeError::MissingPayload)?;
        let expected = T::type_url();
        if payload.type_url != expected {
            return Err(DecodeError::WrongType {
                expected,
                actual: payload.type_url.clone(),
            });
        }
        Ok(T::decode(payload.value.as_slice())?)
    }

    fn event_uuid(&self) -> Option<uuid::Uuid> {
        uuid::Uuid::parse_str(&self.event_id).ok()
    }
}

#[cfg(test)]
mod tests {
    use laissez_proto::events::v1::{CaseWithdrawn, ProbeEmitted};
    use prost::Name;

    use super::*;

    #[test]
    fn decode_checks_the_type() {
        let probe = ProbeEmitted {
            probe_id: "p".to_owned(),
            sequence: 3,
            padding: Vec::new(),
        };
        let envelope = Envelope {
            payload: prost_types::Any::from_msg(&probe).ok(),
            ..Envelope::default()
        };
        assert_eq!(envelope.decode::<ProbeEmitted>().ok(), Some(probe));
        assert!(matches!(
            envelope.decode::<CaseWithdrawn>(),
            Err(DecodeError::WrongType { .. })
        ));
        assert!(ProbeEmitted::type_url().ends_with("laissez.events.v1.ProbeEmitted"));
    }
}
