//! The counter desk's after-payment section: a case in production is
//! marked produced (optionally with the number printed on the document),
//! and a case ready for pickup is handed over, to the holder (who shows the
//! document the case was filed with) or to a proxy (name, ID number,
//! relationship and the pickup card); a case the applicant chose to have
//! sent is handed to the courier (its tracking number) and then recorded
//! delivered. Intake checks everything again and lets the workflow move
//! the case on.

use axum::Form;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use laissez_proto::intake::v1::{
    Case, CaseState, Collector, CompleteProductionRequest, RecordCollectionRequest,
    RecordDeliveryRequest, RecordDispatchRequest,
};
use maud::{Markup, html};
use serde::Deserialize;

use crate::core::Core;
use crate::core::csrf::CSRF_FORM_FIELD;
use crate::portal::applicant::parts::when;
use crate::portal::shell::locale::texts;
use crate::portal::shell::problems::{self, Problem};
use crate::portal::shell::request::csrf_token_field;
use crate::portal::staff::counter::{self, View};
use crate::portal::staff::desk::{Counter, Desk, StaffPosted};

texts! {
    pub struct Texts, fn texts, "handover" {
        title,
        produced_intro,
        permit_number,
        permit_number_help,
        produce,
        produced,
        collect_intro,
        collect_by,
        holder,
        proxy,
        who,
        id_number,
        id_number_help,
        name,
        relationship,
        pickup_card,
        pickup_card_help,
        collect,
        collected,
        collected_at,
        err_permit_number,
        err_permit_taken,
        err_who,
        err_id_number,
        err_not_holder,
        err_name,
        err_relationship,
        err_pickup_card,
        err_wrong_card,
        err_state,
        dispatch_intro,
        delivery_address,
        tracking_number,
        tracking_number_help,
        dispatch,
        dispatched,
        dispatched_at,
        deliver_intro,
        deliver,
        delivered,
        delivered_at,
        err_tracking_number,
    }
}

/// The production and collection forms (one case at a time).
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct HandoverForm {
    csrf_token: String,
    receipt: String,
    case: String,
    permit_number: String,
    kind: String,
    id_number: String,
    name: String,
    relationship: String,
    pickup_card: String,
    tracking_number: String,
}

csrf_token_field!(HandoverForm);

/// Intake's refusal as the form's problems, when it is about the form.
fn problems_of(status: &tonic::Status, texts: &Texts) -> Option<Vec<Problem>> {
    match status.code() {
        tonic::Code::InvalidArgument => Some(
            laissez_kit::error::field_errors(status)
                .iter()
                .map(|error| {
                    let (field, message) = match (error.field.as_str(), error.code.as_str()) {
                        ("permit_number", "taken") => ("permit_number", texts.err_permit_taken),
                        ("permit_number", _) => ("permit_number", texts.err_permit_number),
                        ("tracking_number", _) => ("tracking_number", texts.err_tracking_number),
                        ("collector.id_number", "mismatch") => ("id_number", texts.err_not_holder),
                        ("collector.id_number", _) => ("id_number", texts.err_id_number),
                        ("collector.name", _) => ("name", texts.err_name),
                        ("collector.relationship", _) => ("relationship", texts.err_relationship),
                        ("collector.pickup_card", "mismatch") => {
                            ("pickup_card", texts.err_wrong_card)
                        }
                        ("collector.pickup_card", _) => ("pickup_card", texts.err_pickup_card),
                        _ => ("kind", texts.err_who),
                    };
                    Problem::new(field, message)
                })
                .collect(),
        ),
        tonic::Code::FailedPrecondition => Some(vec![Problem::new("case", texts.err_state)]),
        _ => None,
    }
}

/// `POST /portal/{agency}/staff/counter/production`.
pub async fn complete_production(
    State(core): State<Core>,
    StaffPosted(desk, Form(form), _): StaffPosted<Counter, Form<HandoverForm>>,
) -> Response {
    let request = CompleteProductionRequest {
        case_id: form.case.clone(),
        permit_number: form.permit_number.trim().to_owned(),
    };
    let done = core
        .upstreams
        .intake()
        .complete_production(core.upstreams.request(request, Some(desk.caller.token())))
        .await
        .map(drop);
    answer(&core, &desk, form, done, "produced").await
}

/// `POST /portal/{agency}/staff/counter/collection`.
pub async fn record_collection(
    State(core): State<Core>,
    StaffPosted(desk, Form(form), _): StaffPosted<Counter, Form<HandoverForm>>,
) -> Response {
    let request = RecordCollectionRequest {
        case_id: form.case.clone(),
        collector: Some(Collector {
            kind: form.kind.clone(),
            name: form.name.clone(),
            id_number: form.id_number.clone(),
            relationship: form.relationship.clone(),
            pickup_card: form.pickup_card.clone(),
        }),
    };
    let done = core
        .upstreams
        .intake()
        .record_collection(core.upstreams.request(request, Some(desk.caller.token())))
        .await
        .map(drop);
    answer(&core, &desk, form, done, "collected").await
}

/// `POST /portal/{agency}/staff/counter/dispatch`.
pub async fn record_dispatch(
    State(core): State<Core>,
    StaffPosted(desk, Form(form), _): StaffPosted<Counter, Form<HandoverForm>>,
) -> Response {
    let request = RecordDispatchRequest {
        case_id: form.case.clone(),
        tracking_number: form.tracking_number.trim().to_owned(),
    };
    let done = core
        .upstreams
        .intake()
        .record_dispatch(core.upstreams.request(request, Some(desk.caller.token())))
        .await
        .map(drop);
    answer(&core, &desk, form, done, "dispatched").await
}

/// `POST /portal/{agency}/staff/counter/delivery`.
pub async fn record_delivery(
    State(core): State<Core>,
    StaffPosted(desk, Form(form), _): StaffPosted<Counter, Form<HandoverForm>>,
) -> Response {
    let request = RecordDeliveryRequest {
        case_id: form.case.clone(),
    };
    let done = core
        .upstreams
        .intake()
        .record_delivery(core.upstreams.request(request, Some(desk.caller.token())))
        .await
        .map(drop);
    answer(&core, &desk, form, done, "delivered").await
}

/// Back to the case with a notice, or the desk again with what is wrong.
async fn answer(
    core: &Core,
    desk: &Desk,
    form: HandoverForm,
    done: Result<(), tonic::Status>,
    notice: &str,
) -> Response {
    let status = match done {
        Ok(()) => {
            let receipt: String = form
                .receipt
                .chars()
                .filter(|c| c.is_ascii_alphanumeric() || *c == '-')
                .take(40)
                .collect();
            return Redirect::to(&desk.link_with(
                &desk.uri,
                "counter",
                &[("receipt", &receipt), (notice, "1")],
            ))
            .into_response();
        }
        Err(status) => status,
    };
    let Some(problems) = problems_of(&status, texts(desk.lang())) else {
        return desk.refused(&status).into_response();
    };
    let (receipt, found) = match counter::look_up(core, desk, &form.receipt).await {
        Ok(found) => found,
        Err(answer) => return answer,
    };
    let view = View {
        typed: receipt,
        problems,
        found: Some(found),
        handing: form,
        ..View::default()
    };
    counter::render(core, desk, StatusCode::UNPROCESSABLE_ENTITY, view)
}

/// The section under a case: what production and collection need next,
/// or what was recorded.
pub(super) fn section(core: &Core, desk: &Desk, view: &View, case: &Case) -> Markup {
    let lang = desk.lang();
    let texts = texts(lang);
    let lifecycle = case.lifecycle.clone().unwrap_or_default();
    let typed = (view.handing.case == case.case_id).then_some(&view.handing);
    let value = |pick: fn(&HandoverForm) -> &str| typed.map(pick).unwrap_or_default().to_owned();
    let problems: &[Problem] = if typed.is_some() { &view.problems } else { &[] };
    let hidden = html! {
        input type="hidden" name=(CSRF_FORM_FIELD) value=(desk.csrf_token(core));
        input type="hidden" name="receipt" value=(view.typed);
        input type="hidden" name="case" value=(case.case_id);
    };
    let kind = value(|form| form.kind.as_str());
    html! {
        @match case.state() {
            CaseState::InProduction => section.counter-handover {
                h3 { (texts.title) }
                p { (texts.produced_intro) }
                form.complete-production method="post" action=(desk.link(&desk.uri, "counter/production")) novalidate {
                    (hidden)
                    (problems::input("permit_number", texts.permit_number, "text", &value(|form| form.permit_number.as_str()), Some(texts.permit_number_help), problems))
                    div.actions { button.primary #produce type="submit" { (texts.produce) } }
                }
            },
            CaseState::ReadyForPickup => section.counter-handover {
                h3 { (texts.title) }
                p { (texts.collect_intro) }
                @if !lifecycle.collect_by.is_empty() {
                    p.collect-by { (texts.collect_by) ": " (lifecycle.collect_by) }
                }
                form.record-collection method="post" action=(desk.link(&desk.uri, "counter/collection")) novalidate {
                    (hidden)
                    fieldset.field #kind {
                        legend { (texts.who) }
                        @for (code, label) in [("holder", texts.holder), ("proxy", texts.proxy)] {
                            div.choice {
                                input type="radio" name="kind" value=(code) id=(format!("kind-{code}"))
                                    checked[kind == code || (kind.is_empty() && code == "holder")];
                                label for=(format!("kind-{code}")) { (label) }
                            }
                        }
                    }
                    (problems::input("id_number", texts.id_number, "text", &value(|form| form.id_number.as_str()), Some(texts.id_number_help), problems))
                    (problems::input("name", texts.name, "text", &value(|form| form.name.as_str()), None, problems))
                    (problems::input("relationship", texts.relationship, "text", &value(|form| form.relationship.as_str()), None, problems))
                    (problems::input("pickup_card", texts.pickup_card, "text", &value(|form| form.pickup_card.as_str()), Some(texts.pickup_card_help), problems))
                    div.actions { button.primary #collect type="submit" { (texts.collect) } }
                }
            },
            CaseState::Collected => section.counter-handover {
                h3 { (texts.title) }
                dl.govuk-summary-list {
                    @if let Some(at) = when(&desk.site, lifecycle.collected_at.as_ref()) {
                        div.govuk-summary-list__row {
                            dt.govuk-summary-list__key { (texts.collected_at) }
                            dd.govuk-summary-list__value.collected-at { (at) }
                        }
                    }
                    @if let Some(by) = lifecycle.collected_by.as_ref() {
                        div.govuk-summary-list__row {
                            dt.govuk-summary-list__key { (texts.who) }
                            dd.govuk-summary-list__value.collected-by {
                                @if by.kind == "proxy" { (texts.proxy) " · " (by.name) " (" (by.relationship) ")" }
                                @else { (texts.holder) }
                            }
                        }
                    }
                }
            },
            CaseState::AwaitingDispatch => section.counter-handover {
                h3 { (texts.title) }
                p { (texts.dispatch_intro) }
                (address(texts, &lifecycle.delivery_address))
                form.record-dispatch method="post" action=(desk.link(&desk.uri, "counter/dispatch")) novalidate {
                    (hidden)
                    (problems::input("tracking_number", texts.tracking_number, "text", &value(|form| form.tracking_number.as_str()), Some(texts.tracking_number_help), problems))
                    div.actions { button.primary #dispatch type="submit" { (texts.dispatch) } }
                }
            },
            CaseState::Dispatched | CaseState::Delivered => section.counter-handover {
                h3 { (texts.title) }
                dl.govuk-summary-list {
                    (row(texts.delivery_address, "delivery-address", &lifecycle.delivery_address))
                    (row(texts.tracking_number, "tracking-number", &lifecycle.tracking_number))
                    @if let Some(at) = when(&desk.site, lifecycle.dispatched_at.as_ref()) {
                        (row(texts.dispatched_at, "dispatched-at", &at))
                    }
                    @if let Some(at) = when(&desk.site, lifecycle.delivered_at.as_ref()) {
                        (row(texts.delivered_at, "delivered-at", &at))
                    }
                }
                @if case.state() == CaseState::Dispatched {
                    p { (texts.deliver_intro) }
                    form.record-delivery method="post" action=(desk.link(&desk.uri, "counter/delivery")) novalidate {
                        (hidden)
                        div.actions { button.primary #deliver type="submit" { (texts.deliver) } }
                    }
                }
            },
            _ => {}
        }
    }
}

fn address(texts: &Texts, address: &str) -> Markup {
    html! {
        dl.govuk-summary-list {
            (row(texts.delivery_address, "delivery-address", address))
        }
    }
}

fn row(key: &str, class: &str, value: &str) -> Markup {
    html! {
        div.govuk-summary-list__row {
            dt.govuk-summary-list__key { (key) }
            dd class=(format!("govuk-summary-list__value {class}")) { (value) }
        }
    }
}
