//! Courier orders (速遞訂單): the account's cases whose document goes by
//! courier, with where it goes, the tracking number and whether it has
//! arrived. Which cases those are follows the catalog (the type's delivery
//! option whose stage is delivery), never a list of agencies.

use axum::extract::OriginalUri;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use laissez_proto::common::v1::PageRequest;
use laissez_proto::intake::v1::{Case, ListCasesRequest};
use maud::html;

use crate::core::Core;
use crate::portal::applicant::parts::{case_path, receipt, when};
use crate::portal::applicant::visit::{Visit, layout};
use crate::portal::shell::locale::texts;
use crate::portal::shell::page::lang_suffix;
use crate::portal::shell::site::Site;

/// Cases read per call, and the most calls for one page: an account's
/// own cases, newest first.
const PAGE_SIZE: u32 = 100;
const MOST_PAGES: usize = 20;

texts! {
    pub struct Texts, fn texts, "courier" {
        title,
        intro,
        none,
        receipt_number,
        application_type,
        applicant,
        state,
        address,
        tracking_number,
        dispatched_at,
        delivered_at,
        not_yet,
        addresses,
    }
}

fn answers(case: &Case) -> serde_json::Value {
    serde_json::from_str(&case.answers_json).unwrap_or_default()
}

/// Where the case's document goes: as recorded when it was made, or as
/// answered before that.
fn address(site: &Site, case: &Case, answers: &serde_json::Value) -> String {
    if let Some(lifecycle) = case
        .lifecycle
        .as_ref()
        .filter(|lifecycle| !lifecycle.delivery_address.is_empty())
    {
        return lifecycle.delivery_address.clone();
    }
    site.delivery_address_answer(&case.application_type, answers)
        .unwrap_or_default()
}

/// The account's courier cases, newest first.
async fn courier_cases(core: &Core, visit: &Visit) -> Result<Vec<Case>, tonic::Status> {
    let mut found = Vec::new();
    let mut token = String::new();
    for _ in 0..MOST_PAGES {
        let answer = core
            .upstreams
            .intake()
            .list_cases(core.upstreams.request(
                ListCasesRequest {
                    page: Some(PageRequest {
                        page_size: PAGE_SIZE,
                        page_token: token.clone(),
                    }),
                    ..ListCasesRequest::default()
                },
                Some(visit.caller.token()),
            ))
            .await?
            .into_inner();
        found.extend(answer.cases.into_iter().filter(|case| {
            visit
                .site
                .goes_by_courier(&case.application_type, &answers(case))
        }));
        token = answer
            .page
            .map(|page| page.next_page_token)
            .unwrap_or_default();
        if token.is_empty() {
            break;
        }
    }
    Ok(found)
}

/// `GET …/courier`.
pub async fn courier_page(
    State(core): State<Core>,
    visit: Visit,
    OriginalUri(uri): OriginalUri,
) -> Response {
    let cases = match courier_cases(&core, &visit).await {
        Ok(cases) => cases,
        Err(status) => return visit.refused(&status).into_response(),
    };
    let lang = visit.language.lang;
    let texts = texts(lang);
    let site = &visit.site;
    let suffix = lang_suffix(&uri);
    let content = html! {
        p { (texts.intro) }
        p { a #to-addresses href=(format!("{}addresses{suffix}", site.base_path())) { (texts.addresses) } }
        @if cases.is_empty() {
            p { (texts.none) }
        } @else {
            div.table-wrap tabindex="0" {
                table #courier-orders {
                    thead { tr {
                        th scope="col" { (texts.receipt_number) }
                        th scope="col" { (texts.application_type) }
                        th scope="col" { (texts.applicant) }
                        th scope="col" { (texts.state) }
                        th scope="col" { (texts.address) }
                        th scope="col" { (texts.tracking_number) }
                        th scope="col" { (texts.dispatched_at) }
                        th scope="col" { (texts.delivered_at) }
                    } }
                    tbody {
                        @for case in &cases {
                            @let lifecycle = case.lifecycle.clone().unwrap_or_default();
                            tr {
                                td { a href=(format!("{}{suffix}", case_path(site, &case.case_id))) { (receipt(lang, case)) } }
                                td { (site.type_name(&case.application_type).get(lang)) }
                                td { (case.applicant_masked_name) }
                                td { (crate::portal::applicant::status::tag(lang, case.state)) }
                                td.multiline { (address(site, case, &answers(case))) }
                                td.tracking-number {
                                    @if lifecycle.tracking_number.is_empty() { (texts.not_yet) }
                                    @else { (lifecycle.tracking_number) }
                                }
                                td { (when(site, lifecycle.dispatched_at.as_ref()).unwrap_or_else(|| texts.not_yet.to_owned())) }
                                td { (when(site, lifecycle.delivered_at.as_ref()).unwrap_or_else(|| texts.not_yet.to_owned())) }
                            }
                        }
                    }
                }
            }
        }
    };
    layout(&core, &visit, &uri, StatusCode::OK, texts.title, content)
}
