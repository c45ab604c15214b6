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
use crate::portal::shell::i18n::Lang;
use crate::portal::shell::problems::{self, Problem};
use crate::portal::shell::request::csrf_token_field;
use crate::portal::staff::counter::{self, View};
use crate::portal::staff::desk::{Counter, Desk, StaffPosted};

pub struct Texts {
    pub title: &'static str,
    pub produced_intro: &'static str,
    pub permit_number: &'static str,
    pub permit_number_help: &'static str,
    pub produce: &'static str,
    pub produced: &'static str,
    pub collect_intro: &'static str,
    pub collect_by: &'static str,
    pub holder: &'static str,
    pub proxy: &'static str,
    pub who: &'static str,
    pub id_number: &'static str,
    pub id_number_help: &'static str,
    pub name: &'static str,
    pub relationship: &'static str,
    pub pickup_card: &'static str,
    pub pickup_card_help: &'static str,
    pub collect: &'static str,
    pub collected: &'static str,
    pub collected_at: &'static str,
    pub err_permit_number: &'static str,
    pub err_permit_taken: &'static str,
    pub err_who: &'static str,
    pub err_id_number: &'static str,
    pub err_not_holder: &'static str,
    pub err_name: &'static str,
    pub err_relationship: &'static str,
    pub err_pickup_card: &'static str,
    pub err_wrong_card: &'static str,
    pub err_state: &'static str,
    pub dispatch_intro: &'static str,
    pub delivery_address: &'static str,
    pub tracking_number: &'static str,
    pub tracking_number_help: &'static str,
    pub dispatch: &'static str,
    pub dispatched: &'static str,
    pub dispatched_at: &'static str,
    pub deliver_intro: &'static str,
    pub deliver: &'static str,
    pub delivered: &'static str,
    pub delivered_at: &'static str,
    pub err_tracking_number: &'static str,
}

static ZH_HANT: Texts = Texts {
    title: "製證與領證",
    produced_intro: "證件製作完成後，在此登記；案件隨即進入下一階段。",
    permit_number: "證號",
    permit_number_help: "證件上印的號碼（如有），英文字母、數字與連字號。",
    produce: "製證完成",
    produced: "已登記製證完成。",
    collect_intro: "交付證件前，請核對領取人的身分證件；代領人須出示領證卡。",
    collect_by: "最後領取日",
    holder: "本人領取",
    proxy: "代領",
    who: "領取人",
    id_number: "證件號碼",
    id_number_help: "本人須出示申請時所填的證件。",
    name: "代領人姓名",
    relationship: "與申請人的關係",
    pickup_card: "領證卡號碼",
    pickup_card_help: "領證卡上印的收件編號。",
    collect: "登記領取",
    collected: "已登記領取。",
    collected_at: "領取時間",
    err_permit_number: "證號只含英文字母、數字與連字號，最多 40 個字元",
    err_permit_taken: "本機關已有其他案件使用此證號",
    err_who: "請選擇本人領取或代領",
    err_id_number: "請填寫證件號碼（英文字母、數字與連字號，最多 40 個字元）",
    err_not_holder: "此證件號碼與申請時所填不符",
    err_name: "請填寫代領人姓名（最多 100 個字元）",
    err_relationship: "請填寫與申請人的關係（最多 40 個字元）",
    err_pickup_card: "請填寫領證卡號碼",
    err_wrong_card: "此領證卡不屬於這個案件",
    err_state: "案件狀態已改變，請重新查詢。",
    dispatch_intro: "申請人選擇郵寄證件：交予速遞後，登記追蹤編號。",
    delivery_address: "郵寄地址",
    tracking_number: "追蹤編號",
    tracking_number_help: "速遞單上的編號，英文字母、數字與連字號。",
    dispatch: "登記寄出",
    dispatched: "已登記寄出。",
    dispatched_at: "寄出時間",
    deliver_intro: "速遞確認送達後，在此登記；案件隨即完結。",
    deliver: "登記送達",
    delivered: "已登記送達。",
    delivered_at: "送達時間",
    err_tracking_number: "請填寫追蹤編號（英文字母、數字與連字號，最多 40 個字元）",
};

static ZH_HANS: Texts = Texts {
    title: "制证与领证",
    produced_intro: "证件制作完成后，在此登记；案件随即进入下一阶段。",
    permit_number: "证号",
    permit_number_help: "证件上印的号码（如有），英文字母、数字与连字号。",
    produce: "制证完成",
    produced: "已登记制证完成。",
    collect_intro: "交付证件前，请核对领取人的身份证件；代领人须出示领证卡。",
    collect_by: "最后领取日",
    holder: "本人领取",
    proxy: "代领",
    who: "领取人",
    id_number: "证件号码",
    id_number_help: "本人须出示申请时所填的证件。",
    name: "代领人姓名",
    relationship: "与申请人的关系",
    pickup_card: "领证卡号码",
    pickup_card_help: "领证卡上印的收件编号。",
    collect: "登记领取",
    collected: "已登记领取。",
    collected_at: "领取时间",
    err_permit_number: "证号只含英文字母、数字与连字号，最多 40 个字符",
    err_permit_taken: "本机关已有其他案件使用此证号",
    err_who: "请选择本人领取或代领",
    err_id_number: "请填写证件号码（英文字母、数字与连字号，最多 40 个字符）",
    err_not_holder: "此证件号码与申请时所填不符",
    err_name: "请填写代领人姓名（最多 100 个字符）",
    err_relationship: "请填写与申请人的关系（最多 40 个字符）",
    err_pickup_card: "请填写领证卡号码",
    err_wrong_card: "此领证卡不属于这个案件",
    err_state: "案件状态已改变，请重新查询。",
    dispatch_intro: "申请人选择邮寄证件：交予速递后，登记追踪编号。",
    delivery_address: "邮寄地址",
    tracking_number: "追踪编号",
    tracking_number_help: "速递单上的编号，英文字母、数字与连字号。",
    dispatch: "登记寄出",
    dispatched: "已登记寄出。",
    dispatched_at: "寄出时间",
    deliver_intro: "速递确认送达后，在此登记；案件随即完结。",
    deliver: "登记送达",
    delivered: "已登记送达。",
    delivered_at: "送达时间",
    err_tracking_number: "请填写追踪编号（英文字母、数字与连字号，最多 40 个字符）",
};

static EN: Texts = Texts {
    title: "Production and collection",
    produced_intro: "Record here that the document is made; the case moves on to its next stage.",
    permit_number: "Document number",
    permit_number_help: "As printed on the document, if it has one: letters, digits and hyphens.",
    produce: "Production done",
    produced: "Production is recorded.",
    collect_intro: "Check the collector's identity document before handing over; a proxy shows the pickup card.",
    collect_by: "Collect by",
    holder: "The holder",
    proxy: "A proxy",
    who: "Who collects",
    id_number: "Identity document number",
    id_number_help: "The holder shows the document the application was filed with.",
    name: "Proxy's name",
    relationship: "Relationship to the applicant",
    pickup_card: "Pickup card number",
    pickup_card_help: "The receipt number printed on the pickup card.",
    collect: "Record collection",
    collected: "The collection is recorded.",
    collected_at: "Collected at",
    err_permit_number: "A document number has only letters, digits and hyphens, at most 40",
    err_permit_taken: "Another case of the agency has this document number",
    err_who: "Choose the holder or a proxy",
    err_id_number: "Enter the identity document number (letters, digits and hyphens, at most 40)",
    err_not_holder: "This is not the document number the application was filed with",
    err_name: "Enter the proxy's name (at most 100 characters)",
    err_relationship: "Enter the relationship to the applicant (at most 40 characters)",
    err_pickup_card: "Enter the pickup card number",
    err_wrong_card: "This pickup card does not belong to this case",
    err_state: "The case has moved on; look it up again.",
    dispatch_intro: "The applicant chose to have the document sent: record the courier's tracking number once it is handed over.",
    delivery_address: "Delivery address",
    tracking_number: "Tracking number",
    tracking_number_help: "As on the courier's waybill: letters, digits and hyphens.",
    dispatch: "Record dispatch",
    dispatched: "The dispatch is recorded.",
    dispatched_at: "Dispatched at",
    deliver_intro: "Record here that the courier delivered the document; the case ends.",
    deliver: "Record delivery",
    delivered: "The delivery is recorded.",
    delivered_at: "Delivered at",
    err_tracking_number: "Enter the tracking number (letters, digits and hyphens, at most 40)",
};

pub fn texts(lang: Lang) -> &'static Texts {
    match lang {
        Lang::ZhHant => &ZH_HANT,
        Lang::ZhHans => &ZH_HANS,
        Lang::En => &EN,
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
