//! The one state machine of a case ("One model for all five"): every state
//! change in the service goes through [`transition`]; whatever it refuses is
//! refused everywhere (as FailedPrecondition).
//!
//! ```text
//! draft → submitted → under review ─┬→ approved → [awaiting payment → paid] → [awaiting appointment → booked]
//!            ↑                      │            → in production → issued | ready for pickup → collected
//!            └── resubmitted ←──────┼→ returned for correction | returned for supplement
//!                                   ├→ rejected (not accepted / not approved)
//!  withdrawn ← (any state before a decision)
//! ```

use laissez_catalog::format::Stage;
use laissez_proto::intake::v1::CaseState;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum State {
    Draft,
    Submitted,
    UnderReview,
    ReturnedForCorrection,
    ReturnedForSupplement,
    Approved,
    NotAccepted,
    NotApproved,
    Withdrawn,
    AwaitingPayment,
    Paid,
    AwaitingAppointment,
    AppointmentBooked,
    InProduction,
    Issued,
    ReadyForPickup,
    Collected,
    Cancelled,
}

/// What happens to a case.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Event {
    Submit,
    StartReview,
    Approve,
    RefuseAcceptance,
    RefuseApproval,
    ReturnForCorrection,
    ReturnForSupplement,
    Resubmit,
    Withdraw,
    RequestPayment,
    ReceivePayment,
    RequestAppointment,
    BookAppointment,
    StartProduction,
    IssueElectronically,
    MakeReadyForPickup,
    Collect,
    Cancel,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("a case that is {} cannot be {}", from.label(), event.label())]
pub struct IllegalTransition {
    pub from: State,
    pub event: Event,
}

/// The state `event` moves a case in `from` to, or why it may not.
pub fn transition(from: State, event: Event) -> Result<State, IllegalTransition> {
    use Event as E;
    use State as S;
    let to = match (from, event) {
        (S::Draft, E::Submit) => S::Submitted,
        (S::Submitted, E::StartReview) => S::UnderReview,
        (S::Submitted | S::UnderReview, E::Approve) => S::Approved,
        (S::Submitted | S::UnderReview, E::RefuseAcceptance) => S::NotAccepted,
        (S::Submitted | S::UnderReview, E::RefuseApproval) => S::NotApproved,
        (S::Submitted | S::UnderReview, E::ReturnForCorrection) => S::ReturnedForCorrection,
        (S::Submitted | S::UnderReview, E::ReturnForSupplement) => S::ReturnedForSupplement,
        (S::ReturnedForCorrection | S::ReturnedForSupplement, E::Resubmit) => S::Submitted,
        (
            S::Draft
            | S::Submitted
            | S::UnderReview
            | S::ReturnedForCorrection
            | S::ReturnedForSupplement,
            E::Withdraw,
        ) => S::Withdrawn,
        (S::Approved | S::AppointmentBooked, E::RequestPayment) => S::AwaitingPayment,
        (S::AwaitingPayment, E::ReceivePayment) => S::Paid,
        (S::Approved | S::Paid, E::RequestAppointment) => S::AwaitingAppointment,
        (S::AwaitingAppointment, E::BookAppointment) => S::AppointmentBooked,
        (S::Approved | S::Paid | S::AppointmentBooked, E::StartProduction) => S::InProduction,
        (S::Approved | S::Paid | S::InProduction, E::IssueElectronically) => S::Issued,
        (S::InProduction | S::Paid | S::AppointmentBooked, E::MakeReadyForPickup) => {
            S::ReadyForPickup
        }
        (S::ReadyForPickup, E::Collect) => S::Collected,
        (S::AwaitingPayment | S::ReadyForPickup, E::Cancel) => S::Cancelled,
        _ => return Err(IllegalTransition { from, event }),
    };
    Ok(to)
}

/// What follows approval in a type's workflow: the first stage after
/// `review` that needs the applicant (payment or appointment), if any.
pub fn after_approval(workflow: &[Stage]) -> Option<Event> {
    let review = workflow.iter().position(|stage| *stage == Stage::Review)?;
    match workflow.get(review + 1)? {
        Stage::Payment => Some(Event::RequestPayment),
        Stage::Appointment => Some(Event::RequestAppointment),
        _ => None,
    }
}

const ALL: [State; 18] = [
    State::Draft,
    State::Submitted,
    State::UnderReview,
    State::ReturnedForCorrection,
    State::ReturnedForSupplement,
    State::Approved,
    State::NotAccepted,
    State::NotApproved,
    State::Withdrawn,
    State::AwaitingPayment,
    State::Paid,
    State::AwaitingAppointment,
    State::AppointmentBooked,
    State::InProduction,
    State::Issued,
    State::ReadyForPickup,
    State::Collected,
    State::Cancelled,
];

impl State {
    /// The name stored in the database.
    pub fn as_str(self) -> &'static str {
        match self {
            State::Draft => "draft",
            State::Submitted => "submitted",
            State::UnderReview => "under_review",
            State::ReturnedForCorrection => "returned_for_correction",
            State::ReturnedForSupplement => "returned_for_supplement",
            State::Approved => "approved",
            State::NotAccepted => "not_accepted",
            State::NotApproved => "not_approved",
            State::Withdrawn => "withdrawn",
            State::AwaitingPayment => "awaiting_payment",
            State::Paid => "paid",
            State::AwaitingAppointment => "awaiting_appointment",
            State::AppointmentBooked => "appointment_booked",
            State::InProduction => "in_production",
            State::Issued => "issued",
            State::ReadyForPickup => "ready_for_pickup",
            State::Collected => "collected",
            State::Cancelled => "cancelled",
        }
    }

    pub fn parse(text: &str) -> Option<State> {
        ALL.into_iter().find(|state| state.as_str() == text)
    }

    fn label(self) -> String {
        self.as_str().replace('_', " ")
    }

    pub fn to_proto(self) -> CaseState {
        match self {
            State::Draft => CaseState::Draft,
            State::Submitted => CaseState::Submitted,
            State::UnderReview => CaseState::UnderReview,
            State::ReturnedForCorrection => CaseState::ReturnedForCorrection,
            State::ReturnedForSupplement => CaseState::ReturnedForSupplement,
            State::Approved => CaseState::Approved,
            State::NotAccepted => CaseState::NotAccepted,
            State::NotApproved => CaseState::NotApproved,
            State::Withdrawn => CaseState::Withdrawn,
            State::AwaitingPayment => CaseState::AwaitingPayment,
            State::Paid => CaseState::Paid,
            State::AwaitingAppointment => CaseState::AwaitingAppointment,
            State::AppointmentBooked => CaseState::AppointmentBooked,
            State::InProduction => CaseState::InProduction,
            State::Issued => CaseState::Issued,
            State::ReadyForPickup => CaseState::ReadyForPickup,
            State::Collected => CaseState::Collected,
            State::Cancelled => CaseState::Cancelled,
        }
    }

    pub fn from_proto(state: CaseState) -> Option<State> {
        ALL.into_iter()
            .find(|candidate| candidate.to_proto() == state)
    }

    /// Answers may be edited (returned for supplement keeps them read-only).
    pub fn answers_editable(self) -> bool {
        matches!(self, State::Draft | State::ReturnedForCorrection)
    }

    /// Documents may be added or deleted.
    pub fn documents_editable(self) -> bool {
        matches!(
            self,
            State::Draft | State::ReturnedForCorrection | State::ReturnedForSupplement
        )
    }

    /// The states, as stored, in which [`State::documents_editable`] holds.
    pub fn answers_editable_states() -> Vec<&'static str> {
        ALL.into_iter()
            .filter(|state| state.answers_editable())
            .map(State::as_str)
            .collect()
    }

    pub fn documents_editable_states() -> Vec<&'static str> {
        ALL.into_iter()
            .filter(|state| state.documents_editable())
            .map(State::as_str)
            .collect()
    }
}

impl Event {
    fn label(self) -> &'static str {
        match self {
            Event::Submit => "submitted",
            Event::StartReview => "taken into review",
            Event::Approve => "approved",
            Event::RefuseAcceptance => "refused acceptance",
            Event::RefuseApproval => "refused approval",
            Event::ReturnForCorrection => "returned for correction",
            Event::ReturnForSupplement => "returned for supplement",
            Event::Resubmit => "resubmitted",
            Event::Withdraw => "withdrawn",
            Event::RequestPayment => "sent to payment",
            Event::ReceivePayment => "paid",
            Event::RequestAppointment => "sent to booking",
            Event::BookAppointment => "booked",
            Event::StartProduction => "put into production",
            Event::IssueElectronically => "issued",
            Event::MakeReadyForPickup => "made ready for pickup",
            Event::Collect => "collected",
            Event::Cancel => "cancelled",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_common_life_of_a_case() {
        let mut state = State::Draft;
        for event in [
            Event::Submit,
            Event::StartReview,
            Event::ReturnForSupplement,
            Event::Resubmit,
            Event::ReturnForCorrection,
            Event::Resubmit,
            Event::Approve,
            Event::RequestPayment,
            Event::ReceivePayment,
            Event::IssueElectronically,
        ] {
            state = transition(state, event).unwrap();
        }
        assert_eq!(state, State::Issued);
    }

    #[test]
    fn withdrawal_only_before_a_decision() {
        for state in [State::Draft, State::Submitted, State::UnderReview] {
            assert_eq!(transition(state, Event::Withdraw), Ok(State::Withdrawn));
        }
        for state in [
            State::Approved,
            State::NotAccepted,
            State::NotApproved,
            State::Withdrawn,
        ] {
            let error = transition(state, Event::Withdraw).unwrap_err();
            assert!(error.to_string().contains("cannot be withdrawn"), "{error}");
        }
    }

    #[test]
    fn decisions_need_a_submitted_case_and_are_final() {
        assert!(transition(State::Draft, Event::Approve).is_err());
        assert!(transition(State::Withdrawn, Event::Approve).is_err());
        assert!(transition(State::Approved, Event::RefuseApproval).is_err());
        assert!(transition(State::Submitted, Event::Submit).is_err());
        assert!(transition(State::Draft, Event::Resubmit).is_err());
    }

    #[test]
    fn every_state_round_trips_its_names() {
        for state in ALL {
            assert_eq!(State::parse(state.as_str()), Some(state));
            assert_eq!(State::from_proto(state.to_proto()), Some(state));
        }
    }

    #[test]
    fn the_workflow_says_what_follows_approval() {
        use Stage::*;
        assert_eq!(
            after_approval(&[Review, Payment, ElectronicIssue]),
            Some(Event::RequestPayment)
        );
        assert_eq!(
            after_approval(&[Review, Appointment, Payment, Pickup]),
            Some(Event::RequestAppointment)
        );
        assert_eq!(after_approval(&[Appointment, Review, Production]), None);
    }
}
