//! The applicant's downloads (下載專區): the documents issued to the
//! account (submission acknowledgements, electronic permits, receipts,
//! appointment letters, pickup slips),
//! newest first, searchable by group number, receipt number and payment
//! date as seed 002's download area is; each downloads as the PDF render
//! stored, named in the visitor's language.
//!
//! Render scopes everything to the caller's account and agency: another
//! account's document answers like one that does not exist.

use axum::extract::{OriginalUri, Path, Query, State};
use axum::http::{StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use chrono::{NaiveDate, TimeZone};
use laissez_proto::render::v1::{DownloadRenderedRequest, ListDocumentsRequest, RenderedDocument};
use maud::html;

use crate::core::Core;
use crate::portal::applicant::parts::{PaidSearch, PaidSearchLabels, paid_search_form, size, when};
use crate::portal::applicant::visit::{Visit, layout};
use crate::portal::shell::locale::texts;
use crate::portal::shell::page::lang_suffix;
use crate::portal::shell::site::Site;
use crate::portal::shell::view::{self, FormError};

texts! {
    pub struct Texts, fn texts, "cases-documents" {
        title,
        intro,
        none,
        kind,
        number,
        receipt,
        group,
        issued,
        from,
        to,
        search,
        download,
        revoked,
        acknowledgement,
        e_permit,
        receipt_kind,
        appointment_letter,
        pickup_slip,
        payment_slip,
        err_date,
    }
}

fn kind_name(texts: &Texts, kind: &str) -> &'static str {
    match kind {
        "e_permit" => texts.e_permit,
        "receipt" => texts.receipt_kind,
        "appointment_letter" => texts.appointment_letter,
        "pickup_slip" => texts.pickup_slip,
        "payment_slip" => texts.payment_slip,
        _ => texts.acknowledgement,
    }
}

/// The start of `day` on the agency's clock (UTC without a time zone).
fn day_start(site: &Site, day: NaiveDate) -> Option<prost_types::Timestamp> {
    let midnight = day.and_hms_opt(0, 0, 0)?;
    let at = match site.time_zone() {
        Some(zone) => zone.from_local_datetime(&midnight).earliest()?.timestamp(),
        None => midnight.and_utc().timestamp(),
    };
    Some(prost_types::Timestamp {
        seconds: at,
        nanos: 0,
    })
}

fn parse_day(text: &str) -> Result<Option<NaiveDate>, ()> {
    let text = text.trim();
    if text.is_empty() {
        return Ok(None);
    }
    NaiveDate::parse_from_str(text, "%Y-%m-%d")
        .map(Some)
        .map_err(|_| ())
}

fn download_link(visit: &Visit, uri: &Uri, document: &RenderedDocument) -> String {
    format!(
        "{}documents/{}{}",
        visit.site.base_path(),
        document.document_id,
        lang_suffix(uri)
    )
}

/// `GET /portal/{agency}/{portal}/documents[?group=…&receipt=…&from=…&to=…]`.
pub async fn documents_page(
    State(core): State<Core>,
    visit: Visit,
    OriginalUri(uri): OriginalUri,
) -> Response {
    let query = Query::<PaidSearch>::try_from_uri(&uri)
        .map(|Query(query)| query)
        .unwrap_or_default();
    let lang = visit.language.lang;
    let texts = texts(lang);
    let mut errors = Vec::new();
    let from = parse_day(&query.from).unwrap_or_else(|()| {
        errors.push(FormError {
            field: "from",
            message: texts.err_date,
        });
        None
    });
    let to = parse_day(&query.to).unwrap_or_else(|()| {
        errors.push(FormError {
            field: "to",
            message: texts.err_date,
        });
        None
    });
    let documents = if errors.is_empty() {
        let answer = core
            .upstreams
            .render()
            .list_documents(
                core.upstreams.request(
                    ListDocumentsRequest {
                        group_number: query.group.trim().chars().take(40).collect(),
                        receipt_number: query.receipt.trim().chars().take(40).collect(),
                        paid_from: from.and_then(|day| day_start(&visit.site, day)),
                        paid_to: to
                            .and_then(|day| day.succ_opt())
                            .and_then(|day| day_start(&visit.site, day)),
                        language: lang.tag().to_owned(),
                        ..Default::default()
                    },
                    Some(visit.caller.token()),
                ),
            )
            .await;
        match answer {
            Ok(answer) => answer.into_inner().documents,
            Err(status) => return visit.refused(&status).into_response(),
        }
    } else {
        Vec::new()
    };
    let status = if errors.is_empty() {
        StatusCode::OK
    } else {
        StatusCode::UNPROCESSABLE_ENTITY
    };
    let action = format!("{}documents", visit.site.base_path());
    let content = html! {
        (view::error_summary(lang, &errors))
        p { (texts.intro) }
        (paid_search_form(&action, &uri, &PaidSearchLabels {
            group: texts.group,
            receipt: texts.receipt,
            from: texts.from,
            to: texts.to,
            search: texts.search,
        }, &query))
        @if documents.is_empty() {
            p #no-documents { (texts.none) }
        } @else {
            div.table-wrap tabindex="0" { table.documents {
                thead { tr {
                    th scope="col" { (texts.kind) }
                    th scope="col" { (texts.number) }
                    th scope="col" { (texts.receipt) }
                    th scope="col" { (texts.group) }
                    th scope="col" { (texts.issued) }
                    th scope="col" {}
                } }
                tbody { @for document in &documents { tr.document data-kind=(document.kind) {
                    td { (kind_name(texts, &document.kind)) @if document.revoked { " " span.badge { (texts.revoked) } } }
                    td { (document.number) }
                    td { (document.receipt_number) }
                    td { (document.group_number) }
                    td { (when(&visit.site, document.rendered_at.as_ref()).unwrap_or_default()) }
                    td { a.download href=(download_link(&visit, &uri, document)) download=(document.file_name) {
                        (texts.download) " (PDF, " (size(u64::try_from(document.size_bytes).unwrap_or(0))) ")"
                    } }
                } } }
            } }
        }
    };
    layout(&core, &visit, &uri, status, texts.title, content)
}

/// `GET /portal/{agency}/{portal}/documents/{document_id}`: the PDF,
/// named in the visitor's language.
pub async fn download(
    State(core): State<Core>,
    visit: Visit,
    Path((_, _, document_id)): Path<(String, String, String)>,
) -> Response {
    let answer = core
        .upstreams
        .render()
        .download_rendered(core.upstreams.streaming_request(
            DownloadRenderedRequest {
                document_id,
                language: visit.language.lang.tag().to_owned(),
            },
            Some(visit.caller.token()),
        ))
        .await;
    let chunks = match answer {
        Ok(chunks) => chunks.into_inner(),
        Err(status) => return visit.refused(&status).into_response(),
    };
    match crate::api::documents::rendered_response(chunks, false).await {
        Ok(response) => response,
        Err(status) => visit.refused(&status).into_response(),
    }
}
