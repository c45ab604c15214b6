//! The agency administrator's reconciliation page
//! (`/portal/{agency}/staff/admin/reconciliation`): the results of the
//! daily job and of earlier runs, newest day first, each difference with
//! its transaction and both amounts; and a form to reconcile one
//! provider's day now (a corrected file, a notice applied since).

use axum::Form;
use axum::extract::{OriginalUri, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use laissez_proto::payment::v1::{ListReconciliationsRequest, ReconcileRequest, Reconciliation};
use maud::{Markup, html};
use serde::Deserialize;

use crate::core::Core;
use crate::core::csrf::CSRF_FORM_FIELD;
use crate::portal::applicant::parts::when;
use crate::portal::shell::i18n::Lang;
use crate::portal::shell::locale::texts;
use crate::portal::shell::problems::{self, Problem};
use crate::portal::shell::request::{csrf_token_field, query_value};
use crate::portal::shell::view;
use crate::portal::staff::desk::{Admins, Desk, Staff, StaffPosted, layout};

/// The providers a deployment's payment service knows (its connectors).
const PROVIDERS: &[&str] = &["card", "webatm", "egov", "bank", "cvs"];

texts! {
    pub struct Texts, fn texts, "admin-reconciliation" {
        title,
        intro,
        run_title,
        provider,
        day,
        day_help,
        run,
        ran,
        none,
        settled_rows,
        recorded_rows,
        matched,
        missing,
        extra,
        mismatched,
        run_at,
        actor,
        transaction,
        difference,
        settled,
        recorded,
        agrees,
        unavailable,
        err_provider,
        err_day,
    }
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct RunForm {
    csrf_token: String,
    provider: String,
    day: String,
}

csrf_token_field!(RunForm);

/// `GET /portal/{agency}/staff/admin/reconciliation`.
pub async fn page(
    State(core): State<Core>,
    Staff(desk, _): Staff<Admins>,
    OriginalUri(uri): OriginalUri,
) -> Response {
    let form = RunForm {
        day: chrono::Utc::now().date_naive().to_string(),
        ..RunForm::default()
    };
    let ran = query_value(&uri, "ran").is_some();
    render(&core, &desk, StatusCode::OK, &form, &[], ran).await
}

/// `POST /portal/{agency}/staff/admin/reconciliation`: one provider's day
/// now; back to the list, or the form with what is wrong.
pub async fn run(
    State(core): State<Core>,
    StaffPosted(desk, Form(form), _): StaffPosted<Admins, Form<RunForm>>,
) -> Response {
    let texts = texts(desk.lang());
    let mut problems = Vec::new();
    if !PROVIDERS.contains(&form.provider.as_str()) {
        problems.push(Problem::new("provider", texts.err_provider));
    }
    if chrono::NaiveDate::parse_from_str(form.day.trim(), "%Y-%m-%d").is_err() {
        problems.push(Problem::new("day", texts.err_day));
    }
    if !problems.is_empty() {
        return render(
            &core,
            &desk,
            StatusCode::UNPROCESSABLE_ENTITY,
            &form,
            &problems,
            false,
        )
        .await;
    }
    let answer = core
        .upstreams
        .payment()
        .reconcile(core.upstreams.request(
            ReconcileRequest {
                provider: form.provider.clone(),
                day: form.day.trim().to_owned(),
            },
            Some(desk.caller.token()),
        ))
        .await;
    match answer {
        Ok(_) => Redirect::to(&desk.link_with(&desk.uri, "admin/reconciliation", &[("ran", "1")]))
            .into_response(),
        Err(status) => {
            let problem = match status.code() {
                tonic::Code::InvalidArgument => {
                    let fields = laissez_kit::error::field_errors(&status);
                    if fields.iter().any(|error| error.field == "provider") {
                        Problem::new("provider", texts.err_provider)
                    } else {
                        Problem::new("day", texts.err_day)
                    }
                }
                tonic::Code::Unavailable | tonic::Code::FailedPrecondition => {
                    Problem::new("provider", texts.unavailable)
                }
                _ => return desk.refused(&status).into_response(),
            };
            render(
                &core,
                &desk,
                StatusCode::UNPROCESSABLE_ENTITY,
                &form,
                &[problem],
                false,
            )
            .await
        }
    }
}

async fn render(
    core: &Core,
    desk: &Desk,
    status: StatusCode,
    form: &RunForm,
    problems: &[Problem],
    ran: bool,
) -> Response {
    let lang = desk.lang();
    let texts = texts(lang);
    let listed = core
        .upstreams
        .payment()
        .list_reconciliations(core.upstreams.request(
            ListReconciliationsRequest {
                provider: String::new(),
                limit: 60,
            },
            Some(desk.caller.token()),
        ))
        .await;
    let runs = match listed {
        Ok(listed) => listed.into_inner().reconciliations,
        Err(status) => return desk.refused(&status).into_response(),
    };
    let content = html! {
        @if !problems.is_empty() { (problems::summary(lang, problems)) }
        @if ran { p.notice #ran role="status" { (texts.ran) } }
        p { (texts.intro) }
        h2 { (texts.run_title) }
        form #reconcile method="post" action=(desk.link(&desk.uri, "admin/reconciliation")) novalidate {
            input type="hidden" name=(CSRF_FORM_FIELD) value=(desk.csrf_token(core));
            div.field {
                label for="provider" { (texts.provider) }
                select #provider name="provider" {
                    @for provider in PROVIDERS {
                        option value=(provider) selected[form.provider == *provider] { (provider) }
                    }
                }
            }
            (problems::input("day", texts.day, "date", &form.day, Some(texts.day_help), problems))
            div.actions { button.primary type="submit" { (texts.run) } }
        }
        @if runs.is_empty() {
            p #no-runs { (texts.none) }
        }
        @for run in &runs { (run_section(desk, lang, run)) }
    };
    layout(core, desk, &desk.uri, status, texts.title, content)
}

fn run_section(desk: &Desk, lang: Lang, run: &Reconciliation) -> Markup {
    let texts = texts(lang);
    let kind = |kind: &str| match kind {
        "missing" => texts.missing,
        "extra" => texts.extra,
        _ => texts.mismatched,
    };
    html! {
        section.reconciliation id=(format!("run-{}-{}", run.provider, run.day)) {
            h3 { (run.day) " · " (run.provider) }
            dl.govuk-summary-list {
                @for (label, value) in [
                    (texts.settled_rows, run.settled_rows),
                    (texts.recorded_rows, run.recorded_rows),
                    (texts.matched, run.matched),
                    (texts.missing, run.missing),
                    (texts.extra, run.extra),
                    (texts.mismatched, run.mismatched),
                ] {
                    div.govuk-summary-list__row {
                        dt.govuk-summary-list__key { (label) }
                        dd.govuk-summary-list__value { (value) }
                    }
                }
                div.govuk-summary-list__row {
                    dt.govuk-summary-list__key { (texts.run_at) }
                    dd.govuk-summary-list__value { (when(&desk.site, run.run_at.as_ref()).unwrap_or_default()) " · " (texts.actor) " " (run.actor) }
                }
            }
            @if run.differences.is_empty() {
                p.agrees { (texts.agrees) }
            } @else {
                div.table-wrap tabindex="0" { table.differences {
                    thead { tr {
                        th scope="col" { (texts.transaction) }
                        th scope="col" { (texts.difference) }
                        th scope="col" { (texts.settled) }
                        th scope="col" { (texts.recorded) }
                    } }
                    tbody { @for difference in &run.differences { tr class=(difference.kind) {
                        td { code { (difference.transaction_id) } }
                        td { (kind(&difference.kind)) }
                        td.amount { (view::money(difference.settled.as_ref())) }
                        td.amount { (view::money(difference.recorded.as_ref())) }
                    } } }
                } }
            }
        }
    }
}
