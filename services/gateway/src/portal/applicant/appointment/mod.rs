//! The case's appointment (`…/cases/{case_id}/appointment`): a week of a
//! centre's slots with the places left, chosen with radio buttons and one
//! button (no JavaScript); a chosen slot is held while the applicant
//! confirms; a booked appointment is shown with its centre and time and
//! can be moved to another slot (in one step) or cancelled. Intake's
//! `AppointmentService` does the work and says what is refused.

use axum::extract::{OriginalUri, Path, State};
use axum::http::{StatusCode, Uri};
use axum::response::{IntoResponse, Redirect, Response};
use chrono::{Datelike, Days, NaiveDate, Utc};
use laissez_proto::intake::v1::{
    BookAppointmentRequest, Booking, CancelAppointmentRequest, Case, GetAppointmentRequest,
    HoldSlotRequest, RescheduleAppointmentRequest, SearchSlotsRequest, Slot,
};
use maud::html;
use serde::Deserialize;

use crate::core::Core;
use crate::core::csrf::CSRF_FORM_FIELD;
use crate::portal::applicant::parts::case_path;
use crate::portal::applicant::visit::{PostedCase, Visit, get_case, layout};
use crate::portal::shell::i18n::Lang;
use crate::portal::shell::page::lang_suffix;
use crate::portal::shell::request::query_pairs;
use crate::portal::shell::site::Site;
use crate::portal::shell::view::{self, FormError};

pub(crate) mod texts;

pub use texts::{Texts, texts};

/// The type books a centre's slot (its workflow has an appointment stage
/// that its form does not answer).
pub fn books_slots(site: &Site, case: &Case) -> bool {
    site.application_type(&case.application_type)
        .is_some_and(|kind| {
            kind["appointment_by_answers"].is_null()
                && kind["workflow"]
                    .as_array()
                    .is_some_and(|stages| stages.iter().any(|stage| stage == "appointment"))
        })
}

/// The booking a case page shows: the case's current hold or booking when
/// its type books slots. Appointments being unreachable leaves it out (the
/// page still links to the appointment page) rather than failing the page.
pub async fn shown_booking(core: &Core, visit: &Visit, case: &Case) -> Option<Booking> {
    if !books_slots(&visit.site, case) {
        return None;
    }
    match current(core, visit, &case.case_id).await {
        Ok(booking) => booking,
        Err(status) => {
            tracing::warn!(case_id = %case.case_id, %status, "the case page shows no booking");
            None
        }
    }
}

/// The agency's centres: code and name in `lang`.
fn centres(site: &Site, lang: Lang) -> Vec<(String, String)> {
    site.catalog["centres"]
        .as_array()
        .map(|centres| {
            centres
                .iter()
                .filter_map(|centre| {
                    let code = centre["code"].as_str()?.to_owned();
                    let name = centre["name"][lang.tag()]
                        .as_str()
                        .unwrap_or(&code)
                        .to_owned();
                    Some((code, name))
                })
                .collect()
        })
        .unwrap_or_default()
}

fn today(site: &Site) -> NaiveDate {
    match site.time_zone() {
        Some(zone) => Utc::now().with_timezone(&zone).date_naive(),
        None => Utc::now().date_naive(),
    }
}

/// The case's current hold or booking, if any.
async fn current(
    core: &Core,
    visit: &Visit,
    case_id: &str,
) -> Result<Option<Booking>, tonic::Status> {
    let answer = core
        .upstreams
        .appointments()
        .get_appointment(core.upstreams.request(
            GetAppointmentRequest {
                case_id: case_id.to_owned(),
            },
            Some(visit.caller.token()),
        ))
        .await;
    match answer {
        Ok(booking) => {
            let booking = booking.into_inner();
            Ok(matches!(booking.state.as_str(), "held" | "booked").then_some(booking))
        }
        Err(status) if status.code() == tonic::Code::NotFound => Ok(None),
        Err(status) => Err(status),
    }
}

fn centre_name(site: &Site, lang: Lang, code: &str) -> String {
    centres(site, lang)
        .into_iter()
        .find(|(centre, _)| centre == code)
        .map_or_else(|| code.to_owned(), |(_, name)| name)
}

/// The booking's time as people read it: date, time, centre.
pub fn booking_line(site: &Site, lang: Lang, booking: &Booking) -> String {
    format!(
        "{} {} · {}",
        booking.date,
        booking.time,
        centre_name(site, lang, &booking.centre)
    )
}

struct Chosen {
    centre: String,
    week: NaiveDate,
}

fn chosen(site: &Site, lang: Lang, uri: &Uri, booking: Option<&Booking>) -> Chosen {
    let pairs = query_pairs(uri);
    let get = |name: &str| {
        pairs
            .iter()
            .find(|(key, _)| key == name)
            .map(|(_, value)| value.trim().to_owned())
    };
    let all = centres(site, lang);
    let centre = get("centre")
        .filter(|code| all.iter().any(|(centre, _)| centre == code))
        .or_else(|| booking.map(|booking| booking.centre.clone()))
        .or_else(|| all.first().map(|(code, _)| code.clone()))
        .unwrap_or_default();
    let today = today(site);
    let week = get("week")
        .and_then(|text| NaiveDate::parse_from_str(&text, "%Y-%m-%d").ok())
        .filter(|week| *week >= today && *week <= today + Days::new(90))
        .unwrap_or(today);
    Chosen { centre, week }
}

/// What the page shows besides the case: its hold or booking and the
/// week's slots.
struct Week<'a> {
    booking: Option<&'a Booking>,
    slots: Vec<Slot>,
}

fn render(
    core: &Core,
    visit: &Visit,
    uri: &Uri,
    status: StatusCode,
    case: &Case,
    week: Week<'_>,
    errors: &[FormError],
) -> Response {
    let Week { booking, slots } = week;
    let lang = visit.language.lang;
    let texts = texts(lang);
    let site = &visit.site;
    let suffix = lang_suffix(uri);
    let base = case_path(site, &case.case_id);
    let chosen = chosen(site, lang, uri, booking);
    let mut days: Vec<(String, Vec<&Slot>)> = Vec::new();
    for slot in &slots {
        match days.last_mut() {
            Some((day, list)) if *day == slot.date => list.push(slot),
            _ => days.push((slot.date.clone(), vec![slot])),
        }
    }
    let token = core.csrf_token(visit.caller.session_token());
    let booked = booking.filter(|booking| booking.state == "booked");
    let held = booking.filter(|booking| booking.state == "held");
    let week_link = |week: NaiveDate| {
        format!(
            "{base}/appointment?centre={}&week={week}{}",
            chosen.centre,
            suffix.replacen('?', "&", 1)
        )
    };
    let content = html! {
        (view::error_summary(lang, errors))
        @if let Some(booking) = booked {
            section.appointment #booked aria-labelledby="booked-title" {
                h2 #booked-title { (texts.booked) }
                p.booking { strong { (booking_line(site, lang, booking)) } }
                p.hint { a #appointment-letter href=(format!("{}documents?receipt={}{}", site.base_path(), booking.receipt_number, suffix.replacen('?', "&", 1))) { (texts.letter) } }
                form method="post" action=(format!("{base}/appointment/cancel{suffix}")) {
                    input type="hidden" name=(CSRF_FORM_FIELD) value=(token);
                    button.secondary #cancel-appointment type="submit" { (texts.cancel) }
                }
            }
        }
        @if let Some(hold) = held {
            section.appointment #held aria-labelledby="held-title" {
                h2 #held-title { (texts.held) " " (crate::portal::applicant::parts::when(site, hold.hold_expires_at.as_ref()).unwrap_or_default()) }
                p.booking { strong { (booking_line(site, lang, hold)) } }
                form method="post" action=(format!("{base}/appointment/confirm{suffix}")) {
                    input type="hidden" name=(CSRF_FORM_FIELD) value=(token);
                    input type="hidden" name="hold_id" value=(hold.booking_id);
                    button.primary #confirm type="submit" { (texts.confirm) }
                }
            }
        }
        p { (texts.intro) }
        form.centre-week method="get" action=(format!("{base}/appointment")) {
            @if lang != Lang::ZhHant { input type="hidden" name="lang" value=(lang.tag()); }
            div.field {
                label for="centre" { (texts.centre) }
                select #centre name="centre" {
                    @for (code, name) in centres(site, lang) {
                        option value=(code) selected[code == chosen.centre] { (name) }
                    }
                }
            }
            div.field {
                label for="week" { (texts.week_of) }
                input #week type="date" name="week" value=(chosen.week.to_string());
            }
            button.secondary type="submit" { (texts.show) }
        }
        p.week-nav {
            @if chosen.week > today(site) {
                a href=(week_link(chosen.week - Days::new(7))) { (texts.earlier) } " "
            }
            a href=(week_link(chosen.week + Days::new(7))) { (texts.later) }
        }
        @if days.is_empty() {
            p #no-slots { (texts.none) }
        } @else {
            form.slots method="post" action=(format!("{base}/appointment{suffix}")) {
                input type="hidden" name=(CSRF_FORM_FIELD) value=(token);
                @for (day, list) in &days {
                    fieldset.day {
                        legend { (day) " " (weekday(lang, day)) }
                        @for slot in list {
                            @let value = format!("{}|{}", slot.centre, slot.starts_at.as_ref().map_or(0, |at| at.seconds));
                            @let id = format!("slot-{}", slot.starts_at.as_ref().map_or(0, |at| at.seconds));
                            div.radio.slot {
                                input type="radio" name="slot" id=(id) value=(value) disabled[slot.left == 0];
                                label for=(id) {
                                    (slot.time) " "
                                    @if slot.left == 0 { span.badge { (texts.full) } }
                                    @else { span.left { (texts.left) " " (slot.left) } }
                                }
                            }
                        }
                    }
                }
                button.primary #choose type="submit" {
                    @if booked.is_some() { (texts.move_to) } @else { (texts.choose) }
                }
            }
        }
    };
    layout(core, visit, uri, status, texts.title, content)
}

fn weekday(lang: Lang, day: &str) -> &'static str {
    let Ok(date) = NaiveDate::parse_from_str(day, "%Y-%m-%d") else {
        return "";
    };
    let index = date.weekday().num_days_from_monday() as usize;
    let names: [&str; 7] = match lang {
        Lang::ZhHant | Lang::ZhHans => ["週一", "週二", "週三", "週四", "週五", "週六", "週日"],
        Lang::En => ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"],
    };
    names[index]
}

async fn search(core: &Core, visit: &Visit, chosen: &Chosen) -> Result<Vec<Slot>, tonic::Status> {
    core.upstreams
        .appointments()
        .search_slots(core.upstreams.request(
            SearchSlotsRequest {
                centre: chosen.centre.clone(),
                from_date: chosen.week.to_string(),
                to_date: (chosen.week + Days::new(6)).to_string(),
                only_free: false,
            },
            Some(visit.caller.token()),
        ))
        .await
        .map(|answer| answer.into_inner().slots)
}

async fn page(
    core: &Core,
    visit: &Visit,
    uri: &Uri,
    status: StatusCode,
    case: &Case,
    errors: &[FormError],
) -> Response {
    let booking = match current(core, visit, &case.case_id).await {
        Ok(booking) => booking,
        Err(status) => return visit.refused(&status).into_response(),
    };
    let chosen = chosen(&visit.site, visit.language.lang, uri, booking.as_ref());
    let slots = search(core, visit, &chosen).await;
    if let Err(status) = &slots
        && status.code() != tonic::Code::InvalidArgument
    {
        return visit.refused(status).into_response();
    }
    let week = Week {
        booking: booking.as_ref(),
        slots: slots.unwrap_or_default(),
    };
    render(core, visit, uri, status, case, week, errors)
}

/// `GET …/cases/{case_id}/appointment[?centre=…&week=…]`.
pub async fn appointment_page(
    State(core): State<Core>,
    visit: Visit,
    Path((_, _, case_id)): Path<(String, String, String)>,
    OriginalUri(uri): OriginalUri,
) -> Response {
    let case = match get_case(&core, &visit.caller, &case_id).await {
        Ok(case) => case,
        Err(status) => return visit.refused(&status).into_response(),
    };
    page(&core, &visit, &uri, StatusCode::OK, &case, &[]).await
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct SlotForm {
    csrf_token: String,
    slot: String,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct ConfirmForm {
    csrf_token: String,
    hold_id: String,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct CancelForm {
    csrf_token: String,
}

crate::portal::shell::request::csrf_token_field!(SlotForm, ConfirmForm, CancelForm);

/// Intake's refusal as the field error the page shows, if it is one.
fn refusal(texts: &'static Texts, status: &tonic::Status) -> Option<FormError> {
    let message = match status.code() {
        tonic::Code::ResourceExhausted => texts.err_too_many,
        tonic::Code::FailedPrecondition => texts.err_not_now,
        tonic::Code::InvalidArgument => {
            let codes = laissez_kit::error::field_errors(status);
            match codes.first().map(|error| error.code.as_str()) {
                Some("slot_full") => texts.err_slot_full,
                Some("slot_closed") => texts.err_slot_closed,
                Some("slot_past") => texts.err_slot_past,
                Some("hold_expired" | "no_hold") => texts.err_hold_expired,
                _ => texts.err_choose,
            }
        }
        _ => return None,
    };
    Some(FormError {
        field: "slot",
        message,
    })
}

/// What a change answers: the appointment page again (post, redirect,
/// get), or the page with intake's refusal in the visitor's language.
async fn outcome(
    core: &Core,
    visit: &Visit,
    uri: &Uri,
    case: &Case,
    answer: Result<(), tonic::Status>,
) -> Response {
    let status = match answer {
        Ok(()) => return back_here(uri),
        Err(status) => status,
    };
    match refusal(texts(visit.language.lang), &status) {
        Some(error) => {
            let page_uri: Uri = uri
                .path()
                .trim_end_matches("/confirm")
                .trim_end_matches("/cancel")
                .parse()
                .unwrap_or_else(|_| uri.clone());
            let page_uri: Uri = format!("{}{}", page_uri.path(), lang_suffix(uri))
                .parse()
                .unwrap_or(page_uri);
            page(
                core,
                visit,
                &page_uri,
                StatusCode::UNPROCESSABLE_ENTITY,
                case,
                &[error],
            )
            .await
        }
        None => visit.refused(&status).into_response(),
    }
}

/// After a change: the appointment page again (post, redirect, get).
fn back_here(uri: &Uri) -> Response {
    let path = uri
        .path()
        .trim_end_matches("/confirm")
        .trim_end_matches("/cancel");
    Redirect::to(&format!("{path}{}", lang_suffix(uri))).into_response()
}

/// `POST …/cases/{case_id}/appointment`: hold the chosen slot, or move the
/// booking there.
pub async fn choose(
    State(core): State<Core>,
    Path((_, _, case_id)): Path<(String, String, String)>,
    OriginalUri(uri): OriginalUri,
    PostedCase(visit, case, form): PostedCase<SlotForm>,
) -> Response {
    let texts = texts(visit.language.lang);
    let parsed = form.slot.split_once('|').and_then(|(centre, seconds)| {
        let seconds: i64 = seconds.parse().ok()?;
        (!centre.is_empty() && centre.len() <= 64).then(|| {
            (
                centre.to_owned(),
                prost_types::Timestamp { seconds, nanos: 0 },
            )
        })
    });
    let Some((centre, starts_at)) = parsed else {
        let errors = [FormError {
            field: "slot",
            message: texts.err_choose,
        }];
        return page(
            &core,
            &visit,
            &uri,
            StatusCode::UNPROCESSABLE_ENTITY,
            &case,
            &errors,
        )
        .await;
    };
    let booked = match current(&core, &visit, &case_id).await {
        Ok(booking) => booking.filter(|booking| booking.state == "booked"),
        Err(status) => return visit.refused(&status).into_response(),
    };
    let client = core.upstreams.appointments();
    let answer = if booked.is_some() {
        client
            .clone()
            .reschedule_appointment(core.upstreams.request(
                RescheduleAppointmentRequest {
                    case_id: case_id.clone(),
                    centre,
                    starts_at: Some(starts_at),
                },
                Some(visit.caller.token()),
            ))
            .await
    } else {
        client
            .clone()
            .hold_slot(core.upstreams.request(
                HoldSlotRequest {
                    case_id: case_id.clone(),
                    centre,
                    starts_at: Some(starts_at),
                },
                Some(visit.caller.token()),
            ))
            .await
    };
    outcome(&core, &visit, &uri, &case, answer.map(drop)).await
}

/// `POST …/cases/{case_id}/appointment/confirm`: the hold becomes the booking.
pub async fn confirm(
    State(core): State<Core>,
    Path((_, _, case_id)): Path<(String, String, String)>,
    OriginalUri(uri): OriginalUri,
    PostedCase(visit, case, form): PostedCase<ConfirmForm>,
) -> Response {
    let answer = core
        .upstreams
        .appointments()
        .book_appointment(core.upstreams.request(
            BookAppointmentRequest {
                case_id: case_id.clone(),
                hold_id: form.hold_id.trim().chars().take(64).collect(),
                ..Default::default()
            },
            Some(visit.caller.token()),
        ))
        .await;
    outcome(&core, &visit, &uri, &case, answer.map(drop)).await
}

/// `POST …/cases/{case_id}/appointment/cancel`.
pub async fn cancel(
    State(core): State<Core>,
    Path((_, _, case_id)): Path<(String, String, String)>,
    OriginalUri(uri): OriginalUri,
    PostedCase(visit, case, _form): PostedCase<CancelForm>,
) -> Response {
    let answer = core
        .upstreams
        .appointments()
        .cancel_appointment(core.upstreams.request(
            CancelAppointmentRequest {
                case_id: case_id.clone(),
            },
            Some(visit.caller.token()),
        ))
        .await;
    outcome(&core, &visit, &uri, &case, answer.map(drop)).await
}
