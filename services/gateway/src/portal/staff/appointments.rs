//! The centres' appointments for counter staff and agency administrators
//! (`…/staff/appointments[?centre=…&date=…]`): one centre's bookings of one
//! day in time order (a list that prints), attendance recorded from it, and
//! for administrators the closures with a form to declare one (typhoon
//! signal 8, black rainstorm, an unplanned holiday). Intake moves the
//! bookings a closure covers and tells each applicant.

use axum::extract::{Form, State};
use axum::http::{StatusCode, Uri};
use axum::response::{IntoResponse, Redirect, Response};
use chrono::Utc;
use laissez_kit::Role;
use laissez_proto::intake::v1::{
    Booking, Closure, DeclareClosureRequest, ListClosuresRequest, ListDayBookingsRequest,
    RecordAttendanceRequest,
};
use maud::{Markup, html};
use serde::Deserialize;

use crate::core::Core;
use crate::core::csrf::CSRF_FORM_FIELD;
use crate::portal::shell::i18n::Lang;
use crate::portal::shell::locale::texts;
use crate::portal::shell::request::query_value;
use crate::portal::shell::view::{self, FormError};
use crate::portal::staff::desk::{Desk, Roles, Staff, StaffPosted, layout};

/// Counter staff and agency administrators.
pub(crate) struct Centres;

impl Roles for Centres {
    const ROLES: &'static [Role] = &[Role::Counter, Role::AgencyAdmin];
}

texts! {
    pub struct Texts, fn texts, "staff-appointments" {
        title,
        centre,
        date,
        show,
        print,
        time,
        receipt,
        applicant,
        state,
        none,
        came,
        no_show,
        closures,
        no_closures,
        all_centres,
        from,
        to,
        reason,
        declare,
        moved,
        cancelled,
        err_dates,
        err_reason,
        err_refused,
        today,
        expected,
        unavailable,
    }
}

fn centres(desk: &Desk) -> Vec<(String, String)> {
    let lang = desk.lang();
    desk.site.catalog["centres"]
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

fn today(desk: &Desk) -> String {
    match desk.site.time_zone() {
        Some(zone) => Utc::now().with_timezone(&zone).date_naive().to_string(),
        None => Utc::now().date_naive().to_string(),
    }
}

/// The counter desk's "today": every centre's bookings of the agency's
/// today, each receipt number opening the case at the desk, and a link to
/// the day list with attendance. Empty when the agency has no centres; a
/// centre whose list does not come is said so, the desk still works.
pub(super) async fn today_at_the_counter(core: &Core, desk: &Desk) -> Markup {
    let all = centres(desk);
    if all.is_empty() {
        return html! {};
    }
    let lang = desk.lang();
    let texts = texts(lang);
    let date = today(desk);
    // The centres' lists are asked for together: the desk waits for the
    // slowest, not for their sum.
    let lists = futures::future::join_all(all.into_iter().map(|(code, name)| {
        let request = core.upstreams.request(
            ListDayBookingsRequest {
                centre: code.clone(),
                date: date.clone(),
            },
            Some(desk.caller.token()),
        );
        async move {
            let listed = core
                .upstreams
                .appointments()
                .list_day_bookings(request)
                .await
                .map(|answer| answer.into_inner().bookings);
            (code, name, listed.ok())
        }
    }))
    .await;
    html! {
        section #today-appointments aria-labelledby="today-title" {
            h2 #today-title { (texts.today) " · " (date) }
            @for (code, name, bookings) in &lists {
                h3 { a href=(day_link(desk, &desk.uri, code, &date)) { (name) } }
                @match bookings {
                    None => p.notice role="status" { (texts.unavailable) },
                    Some(bookings) if bookings.is_empty() => p { (texts.none) },
                    Some(bookings) => div.table-wrap tabindex="0" { table.bookings data-centre=(code) {
                        thead { tr {
                            th scope="col" { (texts.time) }
                            th scope="col" { (texts.receipt) }
                            th scope="col" { (texts.applicant) }
                            th scope="col" { (texts.state) }
                        } }
                        tbody { @for booking in bookings { tr.booking data-state=(booking.state) {
                            td { (booking.time) }
                            td { a href=(desk.link_with(&desk.uri, "counter", &[("receipt", &booking.receipt_number)])) { (booking.receipt_number) } }
                            td { (booking.applicant_name) }
                            td { @match booking.state.as_str() {
                                "attended" => (texts.came),
                                "no_show" => (texts.no_show),
                                _ => (texts.expected),
                            } }
                        } } }
                    } },
                }
            }
        }
    }
}

struct View {
    centre: String,
    date: String,
    bookings: Vec<Booking>,
    closures: Vec<Closure>,
    errors: Vec<FormError>,
}

fn render(core: &Core, desk: &Desk, uri: &Uri, status: StatusCode, view: View) -> Response {
    let lang = desk.lang();
    let texts = texts(lang);
    let admin = desk.caller.signed_in.roles.contains(&Role::AgencyAdmin);
    let counter = desk.caller.signed_in.roles.contains(&Role::Counter);
    let token = desk.csrf_token(core);
    let all = centres(desk);
    let name_of = |code: &str| {
        all.iter()
            .find(|(centre, _)| centre == code)
            .map_or_else(|| texts.all_centres.to_owned(), |(_, name)| name.clone())
    };
    let content = html! {
        (view::error_summary(lang, &view.errors))
        form.day-list.no-print method="get" action=(desk.link(uri, "appointments")) {
            @if lang != Lang::ZhHant { input type="hidden" name="lang" value=(lang.tag()); }
            div.field {
                label for="centre" { (texts.centre) }
                select #centre name="centre" {
                    @for (code, name) in &all {
                        option value=(code) selected[*code == view.centre] { (name) }
                    }
                }
            }
            div.field {
                label for="date" { (texts.date) }
                input #date type="date" name="date" value=(view.date);
            }
            button.secondary type="submit" { (texts.show) }
            " "
            button.secondary type="button" onclick="window.print()" { (texts.print) }
        }
        h2 { (name_of(&view.centre)) " · " (view.date) }
        @if view.bookings.is_empty() {
            p #no-bookings { (texts.none) }
        } @else {
            div.table-wrap tabindex="0" { table.bookings #day-bookings {
                thead { tr {
                    th scope="col" { (texts.time) }
                    th scope="col" { (texts.receipt) }
                    th scope="col" { (texts.applicant) }
                    th scope="col" { (texts.state) }
                    @if counter || admin { th.no-print scope="col" {} }
                } }
                tbody { @for booking in &view.bookings { tr.booking data-state=(booking.state) {
                    td { (booking.time) }
                    td { (booking.receipt_number) }
                    td { (booking.applicant_name) }
                    td { @match booking.state.as_str() {
                        "attended" => (texts.came),
                        "no_show" => (texts.no_show),
                        other => (other),
                    } }
                    @if counter || admin { td.no-print {
                        @if booking.state == "booked" {
                            form method="post" action=(desk.link(uri, "appointments/attendance")) {
                                input type="hidden" name=(CSRF_FORM_FIELD) value=(token);
                                input type="hidden" name="case" value=(booking.case_id);
                                input type="hidden" name="centre" value=(view.centre);
                                input type="hidden" name="date" value=(view.date);
                                button.secondary type="submit" name="attended" value="1" { (texts.came) }
                                " "
                                button.secondary type="submit" name="attended" value="0" { (texts.no_show) }
                            }
                        }
                    } }
                } } }
            } }
        }
        section.no-print aria-labelledby="closures-title" {
            h2 #closures-title { (texts.closures) }
            @if view.closures.is_empty() {
                p { (texts.no_closures) }
            } @else {
                ul #closures { @for closure in &view.closures {
                    li { (closure.starts_on) " – " (closure.ends_on) " · " (name_of(&closure.centre)) " · " (closure.reason)
                        " (" (closure.moved) " " (texts.moved) ", " (closure.cancelled) " " (texts.cancelled) ")" }
                } }
            }
            @if admin {
                form #declare-closure method="post" action=(desk.link(uri, "appointments/closures")) {
                    input type="hidden" name=(CSRF_FORM_FIELD) value=(token);
                    div.field {
                        label for="closure-centre" { (texts.centre) }
                        select #closure-centre name="centre" {
                            option value="" { (texts.all_centres) }
                            @for (code, name) in &all { option value=(code) { (name) } }
                        }
                    }
                    div.field {
                        label for="starts_on" { (texts.from) }
                        input #starts_on type="date" name="starts_on" required;
                    }
                    div.field {
                        label for="ends_on" { (texts.to) }
                        input #ends_on type="date" name="ends_on" required;
                    }
                    div.field {
                        label for="reason" { (texts.reason) }
                        input #reason type="text" name="reason" maxlength="500" required;
                    }
                    button.primary type="submit" { (texts.declare) }
                }
            }
        }
    };
    layout(core, desk, uri, status, texts.title, content)
}

async fn view(
    core: &Core,
    desk: &Desk,
    centre: String,
    date: String,
) -> Result<View, tonic::Status> {
    let bookings = core
        .upstreams
        .appointments()
        .list_day_bookings(core.upstreams.request(
            ListDayBookingsRequest {
                centre: centre.clone(),
                date: date.clone(),
            },
            Some(desk.caller.token()),
        ))
        .await
        .map(|answer| answer.into_inner().bookings);
    let bookings = match bookings {
        Ok(bookings) => bookings,
        // A malformed date or centre shows an empty day, not an error page.
        Err(status) if status.code() == tonic::Code::InvalidArgument => Vec::new(),
        Err(status) => return Err(status),
    };
    let closures = core
        .upstreams
        .appointments()
        .list_closures(
            core.upstreams
                .request(ListClosuresRequest {}, Some(desk.caller.token())),
        )
        .await?
        .into_inner()
        .closures;
    Ok(View {
        centre,
        date,
        bookings,
        closures,
        errors: Vec::new(),
    })
}

/// `GET …/staff/appointments[?centre=…&date=…]`.
pub async fn day_page(
    State(core): State<Core>,
    Staff(desk, _): Staff<Centres>,
    axum::extract::OriginalUri(uri): axum::extract::OriginalUri,
) -> Response {
    let centre = query_value(&uri, "centre")
        .filter(|code| centres(&desk).iter().any(|(centre, _)| centre == code))
        .or_else(|| centres(&desk).first().map(|(code, _)| code.clone()))
        .unwrap_or_default();
    let date = query_value(&uri, "date")
        .filter(|date| chrono::NaiveDate::parse_from_str(date, "%Y-%m-%d").is_ok())
        .unwrap_or_else(|| today(&desk));
    match view(&core, &desk, centre, date).await {
        Ok(view) => render(&core, &desk, &uri, StatusCode::OK, view),
        Err(status) => desk.refused(&status).into_response(),
    }
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct AttendanceForm {
    csrf_token: String,
    case: String,
    centre: String,
    date: String,
    attended: String,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct ClosureForm {
    csrf_token: String,
    centre: String,
    starts_on: String,
    ends_on: String,
    reason: String,
}

crate::portal::shell::request::csrf_token_field!(AttendanceForm, ClosureForm);

fn day_link(desk: &Desk, uri: &Uri, centre: &str, date: &str) -> String {
    desk.link_with(uri, "appointments", &[("centre", centre), ("date", date)])
}

/// `POST …/staff/appointments/attendance`: came or did not come.
pub async fn record_attendance(
    State(core): State<Core>,
    axum::extract::OriginalUri(uri): axum::extract::OriginalUri,
    StaffPosted(desk, Form(form), _): StaffPosted<Centres, Form<AttendanceForm>>,
) -> Response {
    let answer = core
        .upstreams
        .appointments()
        .record_attendance(core.upstreams.request(
            RecordAttendanceRequest {
                case_id: form.case.trim().chars().take(64).collect(),
                attended: form.attended == "1",
            },
            Some(desk.caller.token()),
        ))
        .await;
    match answer {
        Ok(_) => Redirect::to(&day_link(&desk, &uri, &form.centre, &form.date)).into_response(),
        Err(status) if status.code() == tonic::Code::FailedPrecondition => {
            let mut view = match view(&core, &desk, form.centre, form.date).await {
                Ok(view) => view,
                Err(status) => return desk.refused(&status).into_response(),
            };
            view.errors.push(FormError {
                field: "case",
                message: texts(desk.lang()).err_refused,
            });
            render(&core, &desk, &uri, StatusCode::CONFLICT, view)
        }
        Err(status) => desk.refused(&status).into_response(),
    }
}

/// `POST …/staff/appointments/closures`: agency administrators only
/// (intake refuses anyone else).
pub async fn declare_closure(
    State(core): State<Core>,
    axum::extract::OriginalUri(uri): axum::extract::OriginalUri,
    StaffPosted(desk, Form(form), _): StaffPosted<Centres, Form<ClosureForm>>,
) -> Response {
    let texts = texts(desk.lang());
    let answer = core
        .upstreams
        .appointments()
        .declare_closure(core.upstreams.request(
            DeclareClosureRequest {
                centre: form.centre.trim().to_owned(),
                starts_on: form.starts_on.trim().to_owned(),
                ends_on: form.ends_on.trim().to_owned(),
                reason: form.reason.clone(),
            },
            Some(desk.caller.token()),
        ))
        .await;
    let centre = if form.centre.trim().is_empty() {
        centres(&desk)
            .first()
            .map(|(code, _)| code.clone())
            .unwrap_or_default()
    } else {
        form.centre.trim().to_owned()
    };
    match answer {
        Ok(closure) => {
            let closure = closure.into_inner();
            Redirect::to(&day_link(&desk, &uri, &centre, &closure.starts_on)).into_response()
        }
        Err(status) if status.code() == tonic::Code::InvalidArgument => {
            let fields = laissez_kit::error::field_errors(&status);
            let message = if fields.iter().any(|error| error.field == "reason") {
                texts.err_reason
            } else {
                texts.err_dates
            };
            let mut view = match view(&core, &desk, centre, today(&desk)).await {
                Ok(view) => view,
                Err(status) => return desk.refused(&status).into_response(),
            };
            view.errors.push(FormError {
                field: "reason",
                message,
            });
            render(&core, &desk, &uri, StatusCode::UNPROCESSABLE_ENTITY, view)
        }
        Err(status) => desk.refused(&status).into_response(),
    }
}
