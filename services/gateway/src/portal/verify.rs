//! The public verify page (`/verify`, no sign-in, in the visitor's
//! language): paste or scan the text of a document's QR code, or upload
//! the PDF itself, and see whether the platform issued it (valid, invalid
//! or revoked) with the holder's data as signed. `/verify/keys.json`
//! publishes every agency's seal public keys for offline verifiers.

use axum::Json;
use axum::extract::{FromRequest, Multipart, Query, Request, State};
use axum::http::{HeaderMap, StatusCode, Uri, header};
use axum::response::{IntoResponse, Response};
use laissez_proto::render::v1::{
    ListSealKeysRequest, SealedData, Verdict, VerifyDocumentRequest, VerifySealRequest,
};
use maud::{Markup, html};
use sha2::{Digest, Sha256};

use crate::core::Core;
use crate::portal::shell::locale::texts;
use crate::portal::shell::page::{Language, page, unavailable};
use crate::portal::shell::view::{self, FormError, Frame};

/// The largest PDF the page takes (issued documents are far smaller).
pub const MAX_PDF_BYTES: usize = 5 * 1024 * 1024;
/// The longest seal text accepted (a QR code holds less).
const MAX_SEAL_CHARS: usize = 4096;

texts! {
    pub struct Texts, fn texts, "verify" {
        title,
        intro,
        seal_label,
        seal_help,
        check,
        or_pdf,
        pdf_label,
        check_pdf,
        valid,
        valid_body,
        invalid,
        invalid_body,
        revoked,
        revoked_body,
        agency,
        kind,
        number,
        holder,
        born,
        issued,
        expires,
        keys,
        err_empty,
        err_long,
        err_pdf,
    }
}

/// What was checked, and what the render service said.
struct Checked {
    verdict: Verdict,
    data: Option<SealedData>,
}

#[derive(Debug, Default, serde::Deserialize)]
#[serde(default)]
pub struct VerifyQuery {
    seal: String,
}

/// `GET /verify[?seal=…]`: the form, and the answer when a seal is given
/// (a QR code may hold a link to this page with its text).
pub async fn verify_page(State(core): State<Core>, uri: Uri, headers: HeaderMap) -> Response {
    let language = Language::of(&uri, &headers);
    let query = Query::<VerifyQuery>::try_from_uri(&uri)
        .map(|Query(query)| query)
        .unwrap_or_default();
    if query.seal.trim().is_empty() {
        return answer(language, &uri, StatusCode::OK, &query.seal, &[], None);
    }
    check_seal(&core, language, &uri, query.seal).await
}

/// The posted form: the seal's text or the PDF.
pub struct Posted {
    seal: String,
    pdf: Option<Vec<u8>>,
    unreadable: bool,
}

impl FromRequest<Core> for Posted {
    type Rejection = Response;

    async fn from_request(request: Request, core: &Core) -> Result<Self, Response> {
        let mut posted = Posted {
            seal: String::new(),
            pdf: None,
            unreadable: false,
        };
        let Ok(mut multipart) = Multipart::from_request(request, core).await else {
            posted.unreadable = true;
            return Ok(posted);
        };
        loop {
            let field = match multipart.next_field().await {
                Ok(Some(field)) => field,
                Ok(None) => break,
                Err(_) => {
                    posted.unreadable = true;
                    break;
                }
            };
            let name = field.name().unwrap_or_default().to_owned();
            let Ok(bytes) = field.bytes().await else {
                posted.unreadable = true;
                break;
            };
            match name.as_str() {
                "seal" => posted.seal = String::from_utf8_lossy(&bytes).into_owned(),
                "pdf" if !bytes.is_empty() => posted.pdf = Some(bytes.to_vec()),
                _ => {}
            }
        }
        Ok(posted)
    }
}

/// `POST /verify`: a seal's text or a PDF (multipart).
pub async fn verify(
    State(core): State<Core>,
    uri: Uri,
    headers: HeaderMap,
    posted: Posted,
) -> Response {
    let language = Language::of(&uri, &headers);
    let texts = texts(language.lang);
    if posted.unreadable {
        let errors = [FormError {
            field: "pdf",
            message: texts.err_pdf,
        }];
        return answer(
            language,
            &uri,
            StatusCode::UNPROCESSABLE_ENTITY,
            "",
            &errors,
            None,
        );
    }
    if let Some(pdf) = posted.pdf {
        let sha256 = hex::encode(Sha256::digest(&pdf));
        let answered = core
            .upstreams
            .render()
            .verify_document(
                core.upstreams
                    .request(VerifyDocumentRequest { sha256 }, None),
            )
            .await;
        return match answered {
            Ok(answered) => {
                let answered = answered.into_inner();
                let checked = Checked {
                    verdict: answered.verdict(),
                    data: answered.data,
                };
                answer(language, &uri, StatusCode::OK, "", &[], Some(checked))
            }
            Err(status) => {
                tracing::warn!(code = ?status.code(), "a PDF could not be verified");
                unavailable(language, &uri, None)
            }
        };
    }
    if posted.seal.trim().is_empty() {
        let errors = [FormError {
            field: "seal",
            message: texts.err_empty,
        }];
        return answer(
            language,
            &uri,
            StatusCode::UNPROCESSABLE_ENTITY,
            "",
            &errors,
            None,
        );
    }
    check_seal(&core, language, &uri, posted.seal).await
}

async fn check_seal(core: &Core, language: Language, uri: &Uri, seal: String) -> Response {
    let texts = texts(language.lang);
    if seal.chars().count() > MAX_SEAL_CHARS {
        let errors = [FormError {
            field: "seal",
            message: texts.err_long,
        }];
        return answer(
            language,
            uri,
            StatusCode::UNPROCESSABLE_ENTITY,
            "",
            &errors,
            None,
        );
    }
    let answered = core
        .upstreams
        .render()
        .verify_seal(
            core.upstreams
                .request(VerifySealRequest { seal: seal.clone() }, None),
        )
        .await;
    match answered {
        Ok(answered) => {
            let answered = answered.into_inner();
            let checked = Checked {
                verdict: answered.verdict(),
                data: answered.data,
            };
            answer(language, uri, StatusCode::OK, &seal, &[], Some(checked))
        }
        Err(status) => {
            tracing::warn!(code = ?status.code(), "a seal could not be verified");
            unavailable(language, uri, None)
        }
    }
}

fn result(texts: &Texts, checked: &Checked) -> Markup {
    let (class, title, body) = match checked.verdict {
        Verdict::Valid => ("valid", texts.valid, texts.valid_body),
        Verdict::Revoked => ("revoked", texts.revoked, texts.revoked_body),
        _ => ("invalid", texts.invalid, texts.invalid_body),
    };
    html! {
        section #verdict class=(format!("verdict {class}")) role="status" data-verdict=(class) {
            h2 { (title) }
            p { (body) }
            @if let Some(data) = checked.data.as_ref().filter(|_| checked.verdict != Verdict::Invalid) {
                dl.summary {
                    dt { (texts.agency) } dd #sealed-agency { (data.agency) }
                    dt { (texts.kind) } dd { (data.kind) }
                    dt { (texts.number) } dd #sealed-number { (data.number) }
                    @if !data.holder_name.is_empty() { dt { (texts.holder) } dd #sealed-holder { (data.holder_name) } }
                    @if !data.date_of_birth.is_empty() { dt { (texts.born) } dd { (data.date_of_birth) } }
                    dt { (texts.issued) } dd { (data.issued_on) }
                    @if !data.valid_until.is_empty() { dt { (texts.expires) } dd { (data.valid_until) } }
                }
            }
        }
    }
}

fn answer(
    language: Language,
    uri: &Uri,
    status: StatusCode,
    seal: &str,
    errors: &[FormError],
    checked: Option<Checked>,
) -> Response {
    let lang = language.lang;
    let texts = texts(lang);
    let action = format!("/verify{}", crate::portal::shell::page::lang_suffix(uri));
    let content = html! {
        (view::error_summary(lang, errors))
        @if let Some(checked) = checked.as_ref() {
            (result(texts, checked))
        }
        p { (texts.intro) }
        form method="post" action=(action) enctype="multipart/form-data" {
            div.field.govuk-form-group {
                label.govuk-label for="seal" { (texts.seal_label) }
                p.help.govuk-hint #seal-help { (texts.seal_help) }
                textarea.govuk-textarea #seal name="seal" rows="4" maxlength=(MAX_SEAL_CHARS) aria-describedby="seal-help" { (seal) }
            }
            div.actions { button type="submit" { (texts.check) } }
        }
        h2 { (texts.or_pdf) }
        form method="post" action=(action) enctype="multipart/form-data" {
            div.field.govuk-form-group {
                label.govuk-label for="pdf" { (texts.pdf_label) }
                input #pdf type="file" name="pdf" accept="application/pdf";
            }
            div.actions { button.secondary type="submit" { (texts.check_pdf) } }
        }
        p { a href="/verify/keys.json" { (texts.keys) } }
    };
    let frame = Frame {
        lang,
        uri,
        site: None,
        title: texts.title,
    };
    page(language, status, view::layout(&frame, html! {}, content))
}

/// `GET /verify/keys.json`: `{"keys": [{agency, key_id, public_key_pem, signing}]}`.
pub async fn keys(State(core): State<Core>) -> Response {
    let answered = core
        .upstreams
        .render()
        .list_seal_keys(core.upstreams.request(ListSealKeysRequest {}, None))
        .await;
    match answered {
        Ok(answered) => {
            let keys: Vec<serde_json::Value> = answered
                .into_inner()
                .keys
                .into_iter()
                .map(|key| {
                    serde_json::json!({
                        "agency": key.agency,
                        "key_id": key.key_id,
                        "public_key_pem": key.public_key_pem,
                        "signing": key.signing,
                    })
                })
                .collect();
            (
                [(header::CACHE_CONTROL, "public, max-age=300")],
                Json(serde_json::json!({ "algorithm": "ES256", "keys": keys })),
            )
                .into_response()
        }
        Err(status) => {
            tracing::warn!(code = ?status.code(), "the seal keys could not be listed");
            (
                StatusCode::SERVICE_UNAVAILABLE,
                "the keys cannot be read right now",
            )
                .into_response()
        }
    }
}
