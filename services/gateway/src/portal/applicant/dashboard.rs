//! The applicant's dashboard: the agency's notice board and, per
//! application type, the applicant's cases by section; and the header of
//! every signed-in applicant page.

use axum::extract::OriginalUri;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode, Uri};
use axum::response::Response;
use laissez_proto::intake::v1::{Dashboard, GetDashboardRequest};
use maud::{Markup, html};

use crate::core::credentials::Credentials;
use crate::core::csrf::CSRF_FORM_FIELD;
use crate::core::{Caller, Core};
use crate::portal::shell::i18n::{self, Lang, Text};
use crate::portal::shell::site::{self, Site};
use crate::portal::shell::view::{self, Frame};

use crate::portal::shell::page::{
    Language, lang_suffix, lookup_failed, page, to_login, unavailable,
};

// -------------------------------------------------------------- dashboard

/// The signed-in applicant of this portal, if the cookie names one.
pub(crate) async fn applicant_of(core: &Core, site: &Site, headers: &HeaderMap) -> Option<Caller> {
    let credentials = core.credentials(headers);
    let Credentials::Cookie(token) = &credentials else {
        return None;
    };
    let signed_in = core.sessions.exchange(token).await.ok()?;
    (signed_in.agency == site.agency && signed_in.portal == site.portal && !signed_in.is_staff())
        .then_some(Caller {
            credentials,
            signed_in,
        })
}

/// The dashboard: the agency's notice board and, per application type, the
/// applicant's cases by section. Signed-out visitors go to the sign-in.
pub async fn dashboard(
    State(core): State<Core>,
    Path((agency, portal)): Path<(String, String)>,
    OriginalUri(uri): OriginalUri,
    headers: HeaderMap,
) -> Response {
    let language = Language::of(&uri, &headers);
    let site = match site::find(&core, &agency, &portal).await {
        Ok(site) => site,
        Err(lookup) => return lookup_failed(&core, language, &uri, lookup),
    };
    let Some(caller) = applicant_of(&core, &site, &headers).await else {
        return to_login(&site, &uri);
    };
    let answer = core
        .upstreams
        .intake()
        .get_dashboard(
            core.upstreams
                .request(GetDashboardRequest {}, Some(caller.token())),
        )
        .await;
    let dashboard = match answer {
        Ok(answer) => answer.into_inner(),
        Err(status) if status.code() == tonic::Code::Unauthenticated => {
            return to_login(&site, &uri);
        }
        Err(status) => {
            tracing::warn!(code = ?status.code(), "the dashboard could not be read");
            return unavailable(&core, language, &uri, Some(&site));
        }
    };
    let lang = language.lang;
    let messages = lang.messages();
    let unread = crate::portal::applicant::messages::unread_count(&core, &caller).await;
    let header_extra = signed_in_header(&core, &site, &uri, &caller, lang, unread);
    let frame = Frame {
        lang,
        uri: &uri,
        site: Some(&site),
        title: messages.dashboard,
    };
    page(
        &core,
        language,
        StatusCode::OK,
        view::layout(
            &frame,
            header_extra,
            dashboard_content(lang, &site, &uri, &dashboard),
        ),
    )
}

/// The header of a signed-in page: where to go, and the sign-out form.
pub(crate) fn signed_in_header(
    core: &Core,
    site: &Site,
    uri: &Uri,
    caller: &Caller,
    lang: Lang,
    unread: Option<u64>,
) -> Markup {
    let messages = lang.messages();
    let base = site.base_path();
    let suffix = lang_suffix(uri);
    let logout_action = format!("{base}logout{suffix}");
    html! {
        nav.account aria-label=(messages.my_applications) {
            ul {
                li { a href=(format!("{base}{suffix}")) { (messages.dashboard) } }
                li { a #nav-apply href=(format!("{base}apply{suffix}")) { (crate::portal::applicant::apply::texts(lang).apply) } }
                li { a href=(format!("{base}cases{suffix}")) { (messages.all_cases) } }
                li { a href=(format!("{base}applicants{suffix}")) { (crate::portal::applicant::applicants::texts(lang).applicants) } }
                li { a href=(format!("{base}account{suffix}")) { (crate::portal::applicant::account::texts(lang).account) } }
                li { (crate::portal::applicant::messages::header_link(lang, &format!("{base}messages{suffix}"), unread)) }
            }
        }
        form.sign-out method="post" action=(logout_action) {
            input type="hidden" name=(CSRF_FORM_FIELD) value=(core.csrf_token(caller.session_token()));
            div.checkbox {
                input #everywhere type="checkbox" name="everywhere" value="1";
                label for="everywhere" { (messages.sign_out_everywhere) }
            }
            button.secondary type="submit" { (messages.sign_out) }
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
                            div.table-wrap {
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
