//! The one state machine of a case ("One model for all five"): every state
//! change in the service goes through [`transition`]; whatever it refuses is
//! refused everywhere (as FailedPrecondition).
//!
//! ```text
//! draft → submitted → under review ─┬→ approved → [awaiting payment → paid] → [awaiting appointment → booked]
//!            ↑                      │            → in production → issued | ready for pickup → collected
//!            │                      │                            | awaiting dispatch → dispatched → delivered
//!            └── resubmitted ←──────┼→ returned for correction | returned for supplement
//!                                   ├→ rejected (not accepted / not approved)
//!  withdrawn ← (any state before a decision)
//! ```

use laissez_catalog::format::Stage;

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
    /// Made, to be sent to the address the applicant gave.
    AwaitingDispatch,
    /// Handed to the courier, with its tracking number.
    Dispatched,
    Delivered,
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
    /// A workflow that pays before review: the submitted case waits for
    /// the fee taken when it is lodged.
    RequestLodgingFee,
    /// The fee taken, the case goes to review.
    Lodge,
    RequestAppointment,
    BookAppointment,
    /// The booking was cancelled or missed: the case books again.
    ReleaseAppointment,
    StartProduction,
    IssueElectronically,
    MakeReadyForPickup,
    Collect,
    Cancel,
    SendForDelivery,
    Dispatch,
    ConfirmDelivery,
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
        // A workflow that takes the fee when the case is lodged (payment
        // before review): submitted, it waits for the fee; paid, it is
        // lodged for review.
        (S::Submitted, E::RequestLodgingFee) => S::AwaitingPayment,
        (S::Paid, E::Lodge) => S::Submitted,
        (
            S::Draft
            | S::Submitted
            | S::UnderReview
            | S::ReturnedForCorrection
            | S::ReturnedForSupplement,
            E::Withdraw,
        ) => S::Withdrawn,
        // Entering the workflow's next stage: from the end of the last one
        // (the workflow, not this table, says which stage comes next).
        (from, E::RequestPayment) if from.between_stages() => S::AwaitingPayment,
        (from, E::RequestAppointment) if from.between_stages() => S::AwaitingAppointment,
        (from, E::StartProduction) if from.between_stages() && from != S::InProduction => {
            S::InProduction
        }
        (from, E::IssueElectronically) if from.between_stages() => S::Issued,
        (from, E::MakeReadyForPickup) if from.between_stages() => S::ReadyForPickup,
        (from, E::SendForDelivery) if from.between_stages() => S::AwaitingDispatch,
        (S::AwaitingDispatch, E::Dispatch) => S::Dispatched,
        (S::Dispatched, E::ConfirmDelivery) => S::Delivered,
        (S::AwaitingPayment, E::ReceivePayment) => S::Paid,
        (S::AwaitingAppointment, E::BookAppointment) => S::AppointmentBooked,
        (S::AppointmentBooked, E::ReleaseAppointment) => S::AwaitingAppointment,
        (S::ReadyForPickup, E::Collect) => S::Collected,
        (from, E::Cancel) if from.cancellable() => S::Cancelled,
        _ => return Err(IllegalTransition { from, event }),
    };
    Ok(to)
}

/// The stage that follows `completed` in a case's workflow (the type's,
/// with only the chosen delivery option's hand-over stage), if any.
pub fn next_stage(workflow: &[Stage], completed: Stage) -> Option<Stage> {
    let done = workflow.iter().position(|stage| *stage == completed)?;
    workflow.get(done + 1).copied()
}

/// The event that puts a case into `stage`. Review is entered by
/// submission: `None`.
pub fn entering(stage: Stage) -> Option<Event> {
    match stage {
        Stage::Payment => Some(Event::RequestPayment),
        Stage::Appointment => Some(Event::RequestAppointment),
        Stage::Production => Some(Event::StartProduction),
        Stage::ElectronicIssue => Some(Event::IssueElectronically),
        Stage::Pickup => Some(Event::MakeReadyForPickup),
        Stage::Delivery => Some(Event::SendForDelivery),
        Stage::Review => None,
    }
}

/// Every state, in the order of the contract.
pub const ALL: [State; 21] = [
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
    State::AwaitingDispatch,
    State::Dispatched,
    State::Delivered,
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
            State::AwaitingDispatch => "awaiting_dispatch",
            State::Dispatched => "dispatched",
            State::Delivered => "delivered",
        }
    }

    pub fn parse(text: &str) -> Option<State> {
        ALL.into_iter().find(|state| state.as_str() == text)
    }

    fn label(self) -> String {
        self.as_str().replace('_', " ")
    }

    /// A stage has ended and the next has not begun: approved, paid, booked,
    /// or in production (which ends when staff say it is done).
    pub fn between_stages(self) -> bool {
        matches!(
            self,
            State::Approved | State::Paid | State::AppointmentBooked | State::InProduction
        )
    }

    /// A case that may still be cancelled: approved and not yet paid,
    /// produced or issued (its order and booking are released), or made
    /// and never collected or sent.
    pub fn cancellable(self) -> bool {
        matches!(
            self,
            State::Approved
                | State::AwaitingPayment
                | State::AwaitingAppointment
                | State::AppointmentBooked
                | State::ReadyForPickup
                | State::AwaitingDispatch
        )
    }

    /// The workflow stage a case in this state is at, if it is in one.
    pub fn stage(self) -> Option<Stage> {
        match self {
            State::Approved => Some(Stage::Review),
            State::AwaitingPayment | State::Paid => Some(Stage::Payment),
            State::AwaitingAppointment | State::AppointmentBooked => Some(Stage::Appointment),
            State::InProduction => Some(Stage::Production),
            State::Issued => Some(Stage::ElectronicIssue),
            State::ReadyForPickup | State::Collected => Some(Stage::Pickup),
            State::AwaitingDispatch | State::Dispatched | State::Delivered => Some(Stage::Delivery),
            _ => None,
        }
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
            Event::RequestLodgingFee => "sent to pay the lodging fee",
            Event::Lodge => "lodged for review",
            Event::RequestAppointment => "sent to booking",
            Event::BookAppointment => "booked",
            Event::ReleaseAppointment => "sent back to booking",
            Event::StartProduction => "put into production",
            Event::IssueElectronically => "issued",
            Event::MakeReadyForPickup => "made ready for pickup",
            Event::Collect => "collected",
            Event::Cancel => "cancelled",
            Event::SendForDelivery => "sent for delivery",
            Event::Dispatch => "dispatched",
            Event::ConfirmDelivery => "delivered",
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
        }
    }

    #[test]
    fn the_workflow_says_what_follows_each_stage() {
        use Stage::*;
        let tw = [Review, Payment, ElectronicIssue];
        assert_eq!(next_stage(&tw, Review), Some(Payment));
        assert_eq!(next_stage(&tw, Payment), Some(ElectronicIssue));
        assert_eq!(next_stage(&tw, ElectronicIssue), None);
        let csm = [Review, Appointment, Production, Payment, Pickup];
        assert_eq!(next_stage(&csm, Review), Some(Appointment));
        assert_eq!(next_stage(&csm, Production), Some(Payment));
        assert_eq!(next_stage(&[Appointment, Review], Payment), None);
        assert_eq!(entering(Pickup), Some(Event::MakeReadyForPickup));
        assert_eq!(entering(Review), None);
    }

    #[test]
    fn every_workflow_of_the_five_agencies_runs_to_its_end() {
        use Stage::*;
        // mo-csm: review, appointment, production, payment at pickup.
        let mut state = State::Approved;
        for event in [
            Event::RequestAppointment,
            Event::BookAppointment,
            Event::StartProduction,
            Event::RequestPayment,
            Event::ReceivePayment,
            Event::MakeReadyForPickup,
            Event::Collect,
        ] {
            state = transition(state, event).unwrap();
        }
        assert_eq!(state, State::Collected);
        // mo-cts: the fee when lodged, then review, production and pickup.
        let mut state = State::Submitted;
        for event in [
            Event::RequestLodgingFee,
            Event::ReceivePayment,
            Event::Lodge,
            Event::StartReview,
            Event::Approve,
        ] {
            state = transition(state, event).unwrap();
        }
        assert_eq!(state, State::Approved);
        // production first, then payment and pickup.
        let mut state = State::Approved;
        for stage in [Production, Payment] {
            state = transition(state, entering(stage).unwrap()).unwrap();
        }
        state = transition(state, Event::ReceivePayment).unwrap();
        state = transition(state, entering(Pickup).unwrap()).unwrap();
        assert_eq!(state, State::ReadyForPickup);
        assert_eq!(state.stage(), Some(Pickup));
    }

    #[test]
    fn a_stage_is_entered_only_once_the_last_one_ended() {
        for state in [
            State::Submitted,
            State::AwaitingPayment,
            State::AwaitingAppointment,
            State::Issued,
            State::Collected,
            State::Withdrawn,
            State::NotApproved,
        ] {
            for event in [
                Event::RequestPayment,
                Event::StartProduction,
                Event::IssueElectronically,
                Event::MakeReadyForPickup,
            ] {
                assert!(transition(state, event).is_err(), "{state:?} {event:?}");
            }
        }
        assert!(transition(State::InProduction, Event::StartProduction).is_err());
        assert!(transition(State::Paid, Event::ReceivePayment).is_err());
    }

    #[test]
    fn a_cancelled_or_missed_booking_sends_the_case_back_to_booking() {
        assert_eq!(
            transition(State::AppointmentBooked, Event::ReleaseAppointment),
            Ok(State::AwaitingAppointment)
        );
        for state in [
            State::Draft,
            State::AwaitingAppointment,
            State::InProduction,
        ] {
            assert!(transition(state, Event::ReleaseAppointment).is_err());
        }
    }
}
