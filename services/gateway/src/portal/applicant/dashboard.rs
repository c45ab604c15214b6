//! The applicant's dashboard: the agency's notice board, what awaits
//! payment and, per application type, the applicant's cases by section;
//! and the header of every signed-in applicant page.

use axum::extract::State;
use axum::http::{StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use laissez_proto::intake::v1::{
    Booking, Dashboard, GetDashboardRequest, ListMyAppointmentsRequest,
};
use laissez_proto::payment::v1::{ListOrdersRequest, Order, OrderState};
use maud::{Markup, html};

use crate::core::Core;
use crate::portal::applicant::parts::case_path;
use crate::portal::applicant::visit::{Visit, layout};
use crate::portal::applicant::{appointment, payments};
use crate::portal::shell::i18n::{self, Lang, Text};
use crate::portal::shell::site::Site;

use crate::portal::shell::page::lang_suffix;

// -------------------------------------------------------------- dashboard

/// The dashboard: the agency's notice board and, per application type, the
/// applicant's cases by section. Signed-out visitors go to the sign-in.
pub async fn dashboard(State(core): State<Core>, visit: Visit) -> Response {
    let answer = core
        .upstreams
        .intake()
        .get_dashboard(
            core.upstreams
                .request(GetDashboardRequest {}, Some(visit.caller.token())),
        )
        .await;
    let dashboard = match answer {
        Ok(answer) => answer.into_inner(),
        Err(status) => return visit.refused(&status).into_response(),
    };
    let messages = visit.language.lang.messages();
    let (due, booked) = tokio::join!(
        due_orders(&core, &visit),
        upcoming_appointments(&core, &visit)
    );
    let content = html! {
        (awaiting_payment(visit.language.lang, &visit.site, &visit.uri, &due))
        (coming_appointments(visit.language.lang, &visit.site, &visit.uri, &booked))
        (dashboard_content(visit.language.lang, &visit.site, &visit.uri, &dashboard))
    };
    layout(
        &core,
        &visit,
        &visit.uri,
        StatusCode::OK,
        messages.dashboard,
        content,
    )
}

/// How long the dashboard waits for another service's section.
const SECTION_TIMEOUT: std::time::Duration = std::time::Duration::from_millis(800);

/// The answer of a call for a dashboard section; none when the service
/// refuses or does not answer in time (the dashboard is not held up by it).
async fn section_answer<T>(
    what: &str,
    call: impl std::future::Future<Output = Result<tonic::Response<T>, tonic::Status>>,
) -> Option<T> {
    match tokio::time::timeout(SECTION_TIMEOUT, call).await {
        Ok(Ok(answer)) => Some(answer.into_inner()),
        Ok(Err(status)) => {
            tracing::debug!(code = ?status.code(), what, "a dashboard section is left out");
            None
        }
        Err(_) => {
            tracing::debug!(what, "a dashboard section's service was too slow");
            None
        }
    }
}

/// The caller's orders awaiting payment; none when payment does not answer
/// in time (the dashboard is not held up by it; the payments page says
/// more).
async fn due_orders(core: &Core, visit: &Visit) -> Vec<Order> {
    let mut client = core.upstreams.payment();
    let call = client.list_orders(core.upstreams.request(
        ListOrdersRequest {
            states: vec![OrderState::Pending as i32],
            ..Default::default()
        },
        Some(visit.caller.token()),
    ));
    section_answer("orders", call)
        .await
        .map(|answer| answer.orders)
        .unwrap_or_default()
}

/// The caller's bookings to come; none when the agency books no
/// appointments, or when intake does not answer in time (the case pages
/// show each booking too).
async fn upcoming_appointments(core: &Core, visit: &Visit) -> Vec<Booking> {
    if visit.site.catalog["centres"]
        .as_array()
        .is_none_or(Vec::is_empty)
    {
        return Vec::new();
    }
    let mut client = core.upstreams.appointments();
    let call = client.list_my_appointments(
        core.upstreams
            .request(ListMyAppointmentsRequest {}, Some(visit.caller.token())),
    );
    section_answer("appointments", call)
        .await
        .map(|answer| answer.bookings)
        .unwrap_or_default()
}

/// The "coming appointments" section: each booking's day, time, centre
/// and receipt number, linked to its case's appointment page.
fn coming_appointments(lang: Lang, site: &Site, uri: &Uri, booked: &[Booking]) -> Markup {
    if booked.is_empty() {
        return html! {};
    }
    let texts = appointment::texts(lang);
    let suffix = lang_suffix(uri);
    html! {
        section.coming-appointments #coming-appointments aria-labelledby="coming-appointments-title" {
            h2 #coming-appointments-title { (texts.upcoming) }
            ul {
                @for booking in booked {
                    li {
                        a href=(format!("{}/appointment{suffix}", case_path(site, &booking.case_id))) {
                            (appointment::booking_line(site, lang, booking))
                        }
                        " · " (booking.receipt_number)
                    }
                }
            }
        }
    }
}

/// The "awaiting payment" section: the receipt numbers and the way to pay.
fn awaiting_payment(lang: Lang, site: &Site, uri: &Uri, due: &[Order]) -> Markup {
    if due.is_empty() {
        return html! {};
    }
    let texts = payments::texts(lang);
    let suffix = lang_suffix(uri);
    html! {
        section.awaiting-payment #awaiting-payment aria-labelledby="awaiting-payment-title" {
            h2 #awaiting-payment-title { (texts.choose_orders) }
            ul {
                @for order in due {
                    li { (order.receipt_numbers.join(", ")) " · " (texts.group) " " (order.group_number) }
                }
            }
            p { a.button href=(format!("{}payments{suffix}", site.base_path())) { (texts.title) } }
        }
    }
}

fn dashboard_content(lang: Lang, site: &Site, uri: &Uri, dashboard: &Dashboard) -> Markup {
    let messages = lang.messages();
    let suffix = lang_suffix(uri);
    // Only the types and sections that hold a case: one empty state for
    // an account with none, not an empty list under every heading.
    let tabs: Vec<_> = dashboard
        .tabs
        .iter()
        .filter(|tab| tab.sections.iter().any(|section| !section.cases.is_empty()))
        .collect();
    html! {
        section.notice-board aria-labelledby="notice-board-title" {
            h2 #notice-board-title { (messages.notice_board) }
            @if dashboard.announcements.is_empty() {
                p { (messages.no_announcements) }
            } @else {
                ul.announcements {
                    @for announcement in &dashboard.announcements {
                        li.announcement.important[announcement.important] {
                            h3 {
                                @if announcement.important {
                                    span.badge { (messages.important) } " "
                                }
                                (Text::from_proto(announcement.title.as_ref()).get(lang))
                            }
                            p.meta {
                                (Text::from_proto(announcement.unit.as_ref()).get(lang))
                                @if !announcement.published_on.is_empty() {
                                    " · " (messages.published_on) " "
                                    time datetime=(announcement.published_on) { (announcement.published_on) }
                                }
                            }
                            p { (Text::from_proto(announcement.body.as_ref()).get(lang)) }
                        }
                    }
                }
            }
        }
        section.applications aria-labelledby="applications-title" {
            h2 #applications-title { (messages.my_applications) }
            @if dashboard.tabs.is_empty() {
                p { (messages.no_applications) }
            } @else if tabs.is_empty() {
                div.empty-state {
                    p { (messages.no_cases_yet) }
                    p { a.button href=(format!("{}apply{suffix}", site.base_path())) { (crate::portal::applicant::apply::texts(lang).apply) } }
                }
            } @else {
                nav.tabs aria-labelledby="applications-title" {
                    ul {
                        @for tab in &tabs {
                            li { a href=(format!("#tab-{}", tab.application_type)) {
                                (Text::from_proto(tab.name.as_ref()).get(lang))
                            } }
                        }
                    }
                }
                @for tab in &tabs {
                    section.tab id=(format!("tab-{}", tab.application_type))
                        aria-labelledby=(format!("tab-{}-title", tab.application_type)) {
                        h3 id=(format!("tab-{}-title", tab.application_type)) {
                            (Text::from_proto(tab.name.as_ref()).get(lang))
                        }
                        @for section in tab.sections.iter().filter(|section| !section.cases.is_empty()) {
                            h4 { (i18n::section_name(lang, &section.section)) }
                            div.table-wrap tabindex="0" {
                                table {
                                    thead { tr {
                                        th scope="col" { (messages.receipt_number) }
                                        th scope="col" { (messages.applicant) }
                                        th scope="col" { (messages.state) }
                                    } }
                                    tbody {
                                        @for case in &section.cases {
                                            tr {
                                                td { a href=(format!("{}cases/{}", site.base_path(), case.case_id)) {
                                                    @if case.receipt_number.is_empty() {
                                                        (messages.not_yet_numbered)
                                                    } @else { (case.receipt_number) }
                                                } }
                                                td { (case.applicant_masked_name) }
                                                td { (crate::portal::applicant::status::tag(lang, case.state)) }
                                            }
                                        }
                                    }
                                }
                            }
                        }
                    }
                }
            }
        }
    }
}
