//! Fujian's exit and entry administration (fj-exit-entry), through the
//! public API only: the agent portal's applicant registered by SMS code,
//! a managed applicant, the port and entry date in the form, and the
//! port counter's part after approval.

use reqwest::StatusCode;
use serde_json::json;

use crate::api::Call;
use crate::journeys::{Outside, PASSWORD};
use crate::outside::{eventually, photo, scan, taiwan_id};

pub const FJ: &str = "fj-exit-entry";
pub const FJ_PORTAL: &str = "nia-app";

/// A Fujian applicant (a Taiwan resident applying through the agent
/// portal): registered with the SMS code the phone received.
pub struct FjApplicant {
    pub document: String,
    pub mobile: String,
    pub token: String,
}

pub async fn fj_applicant(out: &Outside) -> FjApplicant {
    let sequence = out.next();
    let document = taiwan_id(sequence);
    let mobile = format!("1381234{sequence:04}");
    out.send(
        Call::new("IdentityService.RequestSmsCode")
            .param("agency", FJ)
            .param("portal", FJ_PORTAL)
            .body(json!({"mobile": mobile, "purpose": "registration", "language": "LANGUAGE_ZH_HANS"})),
    )
    .await
    .ok();
    let code = out.phones.code_for(&mobile).await;
    let registered = out
        .send(
            Call::new("IdentityService.Register")
                .param("agency", FJ)
                .param("portal", FJ_PORTAL)
                .key(format!("register-{document}"))
                .body(json!({
                    "login_name": document,
                    "password": PASSWORD,
                    "password_confirmation": PASSWORD,
                    "language": "LANGUAGE_ZH_HANS",
                    "fields": {
                        "document_type": "tw_id_card",
                        "document_number": document,
                        "chinese_surname": "陳",
                        "chinese_given_name": "大文",
                        "validity_period": "2030-01-01",
                        "household_place": "kinmen",
                        "mobile": mobile,
                        "sms_code": code,
                        "user_agreement": "true",
                        "privacy_policy": "true",
                    },
                })),
        )
        .await;
    assert_eq!(registered.status, 201, "{}", registered.text());
    let session = out
        .send(
            Call::new("IdentityService.Login")
                .param("agency", FJ)
                .param("portal", FJ_PORTAL)
                .body(json!({"login_name": document, "password": PASSWORD})),
        )
        .await
        .ok();
    FjApplicant {
        document,
        mobile,
        token: session["session_token"]
            .as_str()
            .expect("a session")
            .to_owned(),
    }
}

/// One Fujian case at the end of its journey.
#[derive(Debug, Clone)]
pub struct FjCase {
    /// The applicant's session.
    pub token: String,
    /// The managed applicant the case is for.
    pub applicant_id: String,
    pub case_id: String,
    /// The uploaded photo.
    pub photo_id: String,
    pub receipt: String,
    pub order_id: String,
    pub counter_receipt: String,
}

/// A Fujian agency's desk: its reviewer, its port counter and a senior
/// reviewer.
pub struct FjDesk {
    /// The platform operator who invited them (signed in, second factor passed).
    pub operator: String,
    pub reviewer: String,
    pub counter: String,
    /// A senior reviewer: reads and verifies the agency's audit chain.
    pub auditor: String,
}

impl FjDesk {
    pub async fn open(out: &Outside) -> FjDesk {
        let operator = out.operator().await;
        FjDesk {
            operator: operator.clone(),
            reviewer: out.staff(&operator, FJ, "fj.reviewer", &["reviewer"]).await,
            counter: out.staff(&operator, FJ, "fj.counter", &["counter"]).await,
            auditor: out
                .staff(&operator, FJ, "fj.senior", &["senior_reviewer"])
                .await,
        }
    }

    /// Claims cases of the queue and approves each, until `case_id` is
    /// decided (other journeys' cases on the way are approved too).
    pub async fn approve(&self, out: &Outside, case_id: &str) {
        eventually(&format!("case {case_id} is approved"), 180, || async {
            let claim = out
                .send(
                    Call::new("ReviewService.ClaimNext")
                        .token(&self.reviewer)
                        .key(format!("claim-{}", uuid::Uuid::new_v4()))
                        .body(json!({"application_type": "one_time_taiwan_permit"})),
                )
                .await;
            if claim.status == StatusCode::CREATED {
                let claimed = claim.json()["case_id"].as_str()?.to_owned();
                let decided = out
                    .send(
                        Call::new("ReviewService.Decide")
                            .param("case_id", &claimed)
                            .token(&self.reviewer)
                            .key(format!("decide-{claimed}"))
                            .body(json!({"decision": "DECISION_APPROVED", "comment": "In order."})),
                    )
                    .await;
                assert!(
                    decided.status.is_success() || decided.status == StatusCode::CONFLICT,
                    "deciding {claimed}: {} {}",
                    decided.status,
                    decided.text()
                );
                if claimed == case_id {
                    return Some(());
                }
            }
            let seen = out
                .send(
                    Call::new("ReviewService.GetReviewCase")
                        .param("case_id", case_id)
                        .token(&self.reviewer),
                )
                .await;
            (seen.status.is_success() && seen.json()["state"] == "decided").then_some(())
        })
        .await;
    }
}

/// Fujian, from the SMS registration to the permit collected at the port:
/// a managed applicant (an aunt: Fujian takes applications for oneself or "other"), the port and entry
/// date in the form, the acknowledgement, approval, payment at the port
/// counter, production and collection by proxy with the pickup card.
pub async fn fj_exit_entry(out: &Outside, desk: &FjDesk) -> FjCase {
    let applicant = fj_applicant(out).await;
    let token = applicant.token.as_str();
    let sequence = out.next();

    // A relative, as a managed applicant of the account.
    let relative_id = out
        .create(
            Call::new("IdentityService.CreateApplicant")
                .token(token)
                .key(format!("relative-{}", applicant.document))
                .body(json!({
                    "relationship": "RELATIONSHIP_OTHER",
                    "document_type": "tw_id_card",
                    "document_number": taiwan_id(5_000_000 + sequence),
                    "valid_long_term": true,
                    "valid_from": "2020-01-01",
                    "surname": "林",
                    "given_name": "美華",
                    "household_place": "kinmen",
                    "date_of_birth": "1960-02-03"
                })),
            "applicant_id",
        )
        .await;
    let started = out
        .send(
            Call::new("IntakeService.StartApplication")
                .token(token)
                .key(format!("start-{relative_id}"))
                .body(json!({
                    "application_type": "one_time_taiwan_permit",
                    "notice_version": "2024-04",
                    "notice_accepted": true,
                    "applicant_id": relative_id,
                })),
        )
        .await;
    assert_eq!(started.status, 201, "{}", started.text());
    let case = started.json();
    assert_eq!(case["applicant"]["name"], "林美華", "{case}");
    let case_id = case["case_id"].as_str().expect("a case id").to_owned();

    let photo_id = out.upload(token, &case_id, "photo", photo()).await;
    for requirement in [
        "tw_id_card_front",
        "tw_id_card_back",
        "tw_exit_entry_document",
    ] {
        out.upload(token, &case_id, requirement, scan()).await;
    }
    let entry = (chrono::Utc::now() + chrono::Duration::days(30))
        .format("%Y-%m-%d")
        .to_string();
    let answers = json!({
        "photo": photo_id,
        "port_of_entry": "xiamen_wutong",
        "planned_entry_date": entry,
    });
    out.save_draft(token, &case_id, &answers, false).await;
    let receipt = out.submit(token, &case_id).await;

    // The acknowledgement of submission, in the applicant's documents.
    eventually(
        &format!("the acknowledgement of {case_id}"),
        120,
        || async {
            let listed = out
                .send(Call::new("RenderService.ListDocuments").token(token))
                .await;
            listed
                .status
                .is_success()
                .then(|| listed.json())?
                .get("documents")?
                .as_array()?
                .iter()
                .find(|document| document["case_id"] == case_id.as_str())
                .cloned()
        },
    )
    .await;

    desk.approve(out, &case_id).await;

    // Payment at the port counter: the order opens once approved.
    out.case_reaches(token, &case_id, "CASE_STATE_AWAITING_PAYMENT")
        .await;
    let order = out.order_at_counter(&desk.counter, &receipt).await;
    let order_id = order["order_id"].as_str().expect("an order id").to_owned();
    let counter_receipt = format!("FJ-{receipt}");
    out.pay_at_counter(
        &desk.counter,
        &order_id,
        "port_counter",
        &json!({"minor_units": 20000, "currency": "CNY"}),
        &counter_receipt,
    )
    .await;
    out.case_reaches(token, &case_id, "CASE_STATE_IN_PRODUCTION")
        .await;

    let permit = format!("T{:07}", 1_000_000 + sequence);
    out.at_counter(
        &desk.counter,
        "IntakeService.CompleteProduction",
        &case_id,
        json!({"permit_number": permit}),
    )
    .await;
    out.case_reaches(token, &case_id, "CASE_STATE_READY_FOR_PICKUP")
        .await;
    let done = out
        .collect_by_proxy(
            &desk.counter,
            token,
            &case_id,
            ("陳大文", &applicant.document, "子"),
            &receipt,
        )
        .await;
    assert_eq!(
        done["lifecycle"]["permit_number"],
        permit.as_str(),
        "{done}"
    );
    FjCase {
        token: applicant.token.clone(),
        applicant_id: relative_id,
        case_id,
        photo_id,
        receipt,
        order_id,
        counter_receipt,
    }
}

/// `count` Fujian journeys started at once, in flight (for a fault to hit).
pub fn in_flight(
    out: &Outside,
    desk: &std::sync::Arc<FjDesk>,
    count: usize,
) -> Vec<tokio::task::JoinHandle<FjCase>> {
    (0..count)
        .map(|_| {
            let (out, desk) = (out.clone(), desk.clone());
            tokio::spawn(async move { fj_exit_entry(&out, &desk).await })
        })
        .collect()
}

/// Waits for journeys in flight; a journey's failure fails the caller.
pub async fn landed(journeys: Vec<tokio::task::JoinHandle<FjCase>>) -> Vec<FjCase> {
    let mut cases = Vec::with_capacity(journeys.len());
    for journey in journeys {
        cases.push(journey.await.unwrap_or_else(|panic| {
            std::panic::resume_unwind(panic.into_panic());
        }));
    }
    cases
}
