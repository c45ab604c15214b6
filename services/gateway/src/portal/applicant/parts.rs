//! Pieces of a case's pages that the applicant's pages and the staff's
//! share: its state, receipt number and address, times in the agency's
//! zone, file sizes, the return rounds and the reply form, and the search
//! of paid things (receipts, issued documents) by group, receipt number
//! and payment dates.

use laissez_proto::intake::v1::{Case, CaseState, ReturnRound};
use maud::{Markup, html};

use crate::core::Core;
use crate::core::csrf::CSRF_FORM_FIELD;
use crate::portal::applicant::visit::Visit;
use crate::portal::shell::i18n::Lang;
use crate::portal::shell::page::lang_suffix;
use crate::portal::shell::site::Site;
use crate::portal::shell::view::FormError;
use axum::http::Uri;

pub(crate) fn state_of(case: &Case) -> CaseState {
    CaseState::try_from(case.state).unwrap_or(CaseState::Unspecified)
}

pub(crate) fn returned(state: CaseState) -> bool {
    matches!(
        state,
        CaseState::ReturnedForCorrection | CaseState::ReturnedForSupplement
    )
}

/// A timestamp in the agency's time zone, with its offset:
/// `YYYY-MM-DD HH:MM (UTC+08:00)` (UTC when the catalog names no valid zone).
pub(crate) fn when(site: &Site, at: Option<&prost_types::Timestamp>) -> Option<String> {
    let at = at?;
    let at = chrono::DateTime::from_timestamp(at.seconds, 0)?;
    Some(match site.time_zone() {
        Some(zone) => at
            .with_timezone(&zone)
            .format("%Y-%m-%d %H:%M (UTC%:z)")
            .to_string(),
        None => at.format("%Y-%m-%d %H:%M (UTC)").to_string(),
    })
}

pub(crate) fn size(bytes: u64) -> String {
    match bytes {
        0..1024 => format!("{bytes} B"),
        1024..1_048_576 => format!("{:.1} KB", bytes as f64 / 1024.0),
        _ => format!("{:.1} MB", bytes as f64 / 1_048_576.0),
    }
}

pub(crate) fn receipt(lang: Lang, case: &Case) -> String {
    if case.receipt_number.is_empty() {
        lang.messages().not_yet_numbered.to_owned()
    } else {
        case.receipt_number.clone()
    }
}

pub(crate) fn case_path(site: &Site, case_id: &str) -> String {
    format!("{}cases/{}", site.base_path(), case_id)
}
/// The return rounds of a case: the reviewer's comment and the applicant's
/// reply each time, with when it was returned if `times`.
pub(crate) fn return_rounds(
    lang: Lang,
    site: &Site,
    rounds: &[ReturnRound],
    times: bool,
) -> Markup {
    let messages = lang.messages();
    html! {
        section aria-labelledby="returns-title" {
            h2 #returns-title { (messages.returns) }
            div.table-wrap tabindex="0" { table {
                thead { tr {
                    th scope="col" { (messages.return_round) }
                    th scope="col" { (messages.return_kind) }
                    th scope="col" { (messages.reviewer_comment) }
                    th scope="col" { (messages.applicant_reply) }
                    @if times { th scope="col" { (messages.time) } }
                } }
                tbody { @for round in rounds { tr {
                    td { (round.round) }
                    td { (kind_name(lang, &round.kind)) }
                    td.comment { (round.reviewer_comment) }
                    td.reply { @if round.applicant_reply.is_empty() { (messages.no_reply) } @else { (round.applicant_reply) } }
                    @if times { td { (when(site, round.returned_at.as_ref()).unwrap_or_default()) } }
                } } }
            } }
        }
    }
}

fn kind_name(lang: Lang, kind: &str) -> String {
    let messages = lang.messages();
    match kind {
        "correction" => messages.kind_correction.to_owned(),
        "supplement" => messages.kind_supplement.to_owned(),
        other => other.to_owned(),
    }
}

/// The reply to a return and the button that sends the case back.
pub(crate) fn resubmit_form(
    core: &Core,
    visit: &Visit,
    case: &Case,
    uri: &Uri,
    errors: &[FormError],
    reply: &str,
) -> Markup {
    let messages = visit.language.lang.messages();
    let action = format!(
        "{}/resubmit{}",
        case_path(&visit.site, &case.case_id),
        lang_suffix(uri)
    );
    let error = errors.iter().find(|error| error.field == "reply");
    html! {
        form #resubmit-form method="post" action=(action) novalidate {
            input type="hidden" name=(CSRF_FORM_FIELD) value=(core.csrf_token(visit.caller.session_token()));
            div.field.field-error[error.is_some()] {
                label for="reply" { (messages.reply) }
                @if let Some(error) = error {
                    p.error-message #reply-error { (error.message) }
                }
                textarea #reply name="reply" rows="4"
                    aria-describedby=[error.map(|_| "reply-error")]
                    aria-invalid=[error.map(|_| "true")] { (reply) }
            }
            div.actions { button.primary #resubmit type="submit" { (messages.resubmit) } }
        }
    }
}

/// A search of paid things by group number, receipt number and payment
/// dates (the query of the receipts list and of the downloads).
#[derive(Debug, Default, serde::Deserialize)]
#[serde(default)]
pub struct PaidSearch {
    pub group: String,
    pub receipt: String,
    pub from: String,
    pub to: String,
}

/// The labels of a [`PaidSearch`] form, in the page's language.
pub(crate) struct PaidSearchLabels<'a> {
    pub group: &'a str,
    pub receipt: &'a str,
    pub from: &'a str,
    pub to: &'a str,
    pub search: &'a str,
}

/// The form of a [`PaidSearch`] (GET `action`, keeping `?lang=`).
pub(crate) fn paid_search_form(
    action: &str,
    uri: &Uri,
    labels: &PaidSearchLabels<'_>,
    query: &PaidSearch,
) -> Markup {
    html! {
        form.search method="get" action=(action) {
            @if let Some(lang) = crate::portal::shell::i18n::from_query(uri) {
                input type="hidden" name="lang" value=(lang.tag());
            }
            label for="group" { (labels.group) } input #group name="group" value=(query.group) maxlength="40";
            label for="receipt" { (labels.receipt) } input #receipt name="receipt" value=(query.receipt) maxlength="40";
            label for="from" { (labels.from) } input #from type="date" name="from" value=(query.from);
            label for="to" { (labels.to) } input #to type="date" name="to" value=(query.to);
            button.secondary type="submit" { (labels.search) }
        }
    }
}
