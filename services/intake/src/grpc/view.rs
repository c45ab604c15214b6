//! Cases as the contract shows them.

use laissez_proto::events::v1::CaseParty;
use laissez_proto::intake::v1 as proto;

use crate::domain::applicant::ApplicantAnswers;
use crate::domain::{Applicant, State, state};
use crate::store::cases::CaseRow;
use crate::store::details::Details;
use crate::store::documents::DocumentRow;
use crate::store::lifecycle::Lifecycle;
use crate::time::timestamp;

/// A state as the contract names it.
pub fn case_state(state: State) -> proto::CaseState {
    use proto::CaseState as Named;
    match state {
        State::Draft => Named::Draft,
        State::Submitted => Named::Submitted,
        State::UnderReview => Named::UnderReview,
        State::ReturnedForCorrection => Named::ReturnedForCorrection,
        State::ReturnedForSupplement => Named::ReturnedForSupplement,
        State::Approved => Named::Approved,
        State::NotAccepted => Named::NotAccepted,
        State::NotApproved => Named::NotApproved,
        State::Withdrawn => Named::Withdrawn,
        State::AwaitingPayment => Named::AwaitingPayment,
        State::Paid => Named::Paid,
        State::AwaitingAppointment => Named::AwaitingAppointment,
        State::AppointmentBooked => Named::AppointmentBooked,
        State::InProduction => Named::InProduction,
        State::Issued => Named::Issued,
        State::ReadyForPickup => Named::ReadyForPickup,
        State::Collected => Named::Collected,
        State::Cancelled => Named::Cancelled,
        State::AwaitingDispatch => Named::AwaitingDispatch,
        State::Dispatched => Named::Dispatched,
        State::Delivered => Named::Delivered,
    }
}

/// The state a contract value names, if any.
pub fn state_of(named: proto::CaseState) -> Option<State> {
    state::ALL
        .into_iter()
        .find(|candidate| case_state(*candidate) == named)
}

/// The applicant as the contract shows it.
pub fn applicant_data(applicant: &Applicant) -> proto::ApplicantData {
    proto::ApplicantData {
        applicant_id: applicant.applicant_id.clone(),
        name: applicant.name.clone(),
        date_of_birth: applicant.date_of_birth.format("%Y-%m-%d").to_string(),
        relationship: applicant.relationship.clone(),
        document_number: applicant.document_number.clone(),
        contact_email: applicant.contact_email.clone(),
        contact_mobile: applicant.contact_mobile.clone(),
        language: applicant.language,
        profile: Default::default(),
    }
}

/// The applicant a request gives, for the domain to check.
pub fn applicant_answers(data: proto::ApplicantData) -> ApplicantAnswers {
    ApplicantAnswers {
        applicant_id: data.applicant_id,
        name: data.name,
        date_of_birth: data.date_of_birth,
        relationship: data.relationship,
        document_number: data.document_number,
        contact_email: data.contact_email,
        contact_mobile: data.contact_mobile,
        language: data.language,
        profile: data.profile.into_iter().collect(),
    }
}

/// The case without its documents, returns and history (lists).
pub fn summary(case: &CaseRow) -> proto::Case {
    proto::Case {
        case_id: case.id.to_string(),
        application_type: case.application_type.clone(),
        state: case_state(case.state).into(),
        applicant_id: case.applicant.applicant_id.clone(),
        applicant_masked_name: case.applicant.masked_name(),
        receipt_number: case.receipt_number.clone().unwrap_or_default(),
        group_number: case.group_number.clone().unwrap_or_default(),
        answers_json: serde_json::Value::Object(case.answers.clone()).to_string(),
        documents: Vec::new(),
        returns: Vec::new(),
        catalog_version: case.catalog_version,
        notice_version: case.notice_version.clone(),
        created_at: Some(timestamp(case.created_at)),
        submitted_at: case.submitted_at.map(timestamp),
        read_only_fields: read_only_fields(case),
        express: case.express,
        history: Vec::new(),
        applicant: Some(applicant_data(&case.applicant)),
        lifecycle: None,
    }
}

/// While returned for supplement every answer is read-only.
fn read_only_fields(case: &CaseRow) -> Vec<String> {
    if case.state.answers_editable() {
        case.read_only_fields.clone()
    } else {
        case.answers.keys().cloned().collect()
    }
}

pub fn document(row: &DocumentRow) -> proto::Document {
    proto::Document {
        document_id: row.id.to_string(),
        requirement: row.requirement.clone(),
        file_name: row.file_name.clone(),
        media_type: row.media_type.clone(),
        size_bytes: row.size_bytes,
        sha256: row.sha256.clone(),
        uploaded_at: Some(timestamp(row.uploaded_at)),
    }
}

/// The whole case: documents, return rounds and state history.
pub fn detail(case: &CaseRow, details: &Details) -> proto::Case {
    let mut view = summary(case);
    view.documents = details.documents.iter().map(document).collect();
    view.returns = details
        .returns
        .iter()
        .map(|round| proto::ReturnRound {
            round: round.round,
            kind: round.kind.clone(),
            reviewer_comment: round.reviewer_comment.clone(),
            applicant_reply: round.applicant_reply.clone(),
            returned_at: Some(timestamp(round.returned_at)),
            resubmitted_at: round.resubmitted_at.map(timestamp),
        })
        .collect();
    view.history = details
        .history
        .iter()
        .map(|change| proto::StateChange {
            from: change
                .from
                .map_or(proto::CaseState::Unspecified, case_state)
                .into(),
            to: case_state(change.to).into(),
            actor: change.actor.clone(),
            at: Some(timestamp(change.at)),
            reason: change.reason.clone(),
        })
        .collect();
    view.lifecycle = details.lifecycle.as_ref().map(lifecycle);
    view
}

pub fn lifecycle(known: &Lifecycle) -> proto::Lifecycle {
    let day = |date: Option<chrono::NaiveDate>| {
        date.map(|date| date.format("%Y-%m-%d").to_string())
            .unwrap_or_default()
    };
    proto::Lifecycle {
        production_due_on: day(known.production_due_on),
        produced_at: known.produced_at.map(timestamp),
        permit_number: known.permit_number.clone().unwrap_or_default(),
        permit_valid_until: day(known.permit_valid_until),
        collect_by: day(known.collect_by),
        collected_at: known.collected_at.map(timestamp),
        collected_by: known.collector.as_ref().map(|collector| proto::Collector {
            kind: collector.kind.clone(),
            name: collector.name.clone(),
            id_number: collector.id_number.clone(),
            relationship: collector.relationship.clone(),
            pickup_card: collector.pickup_card.clone(),
        }),
        permit_entries: known.permit_entries.clone().unwrap_or_default(),
        permit_stay_days: known
            .permit_stay_days
            .and_then(|days| u32::try_from(days).ok())
            .unwrap_or_default(),
        delivery_address: known.delivery_address.clone().unwrap_or_default(),
        tracking_number: known.tracking_number.clone().unwrap_or_default(),
        dispatched_at: known.dispatched_at.map(timestamp),
        delivered_at: known.delivered_at.map(timestamp),
    }
}

pub fn party(case: &CaseRow) -> CaseParty {
    CaseParty {
        account_id: case.account_id.clone(),
        applicant_id: case.applicant.applicant_id.clone(),
        applicant_masked_name: case.applicant.masked_name(),
        language: case.applicant.language,
        email: case.applicant.contact_email.clone(),
        mobile: case.applicant.contact_mobile.clone(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_state_round_trips_the_contract() {
        for state in state::ALL {
            assert_eq!(state_of(case_state(state)), Some(state));
        }
        assert_eq!(state_of(proto::CaseState::Unspecified), None);
    }
}
