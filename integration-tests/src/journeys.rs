//! The people of a journey and the steps they take, through the public
//! API only (each agency's journey is its own module):
//! the platform operator, an agency's staff (invited by e-mail, second
//! factor from an authenticator), and applicants (registered by SMS code or
//! e-mailed link). Every call is retried while the gateway says a service
//! is unavailable, with the same idempotency key, so a journey rides out a
//! service's restart the way a patient client would.

use std::sync::atomic::{AtomicU32, Ordering};
use std::time::Duration;

use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::api::{Answer, Api, Call};
use crate::calendar::Calendar;
use crate::outside::{MailBox, Phones, eventually, totp};
use crate::platform::{CAPTCHA, OPERATOR_LOGIN, OPERATOR_PASSWORD, Platform};

pub const PASSWORD: &str = "Tr4velling-Far";
pub const STAFF_PASSWORD: &str = "Staff-Passw0rd-9";
/// How long a call is retried while the platform answers 502/503/504 or
/// not at all (a service restarting).
const PATIENCE: Duration = Duration::from_secs(120);

/// Everything outside the platform that a journey uses.
#[derive(Clone)]
pub struct Outside {
    pub api: Api,
    pub mail: MailBox,
    pub phones: Phones,
    pub paysim: String,
    /// Brings a booked day (the one step not taken through the API).
    pub calendar: Calendar,
    sequence: std::sync::Arc<AtomicU32>,
    /// Each call's time by operation, when a benchmark asks for it.
    timings: Option<std::sync::Arc<Timings>>,
}

/// Call times by operation id (every attempt that got an answer).
#[derive(Default)]
pub struct Timings(std::sync::Mutex<std::collections::BTreeMap<String, Vec<Duration>>>);

impl Timings {
    fn record(&self, operation: &str, took: Duration) {
        self.0
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .entry(operation.to_owned())
            .or_default()
            .push(took);
    }

    /// Every operation's sorted times.
    pub fn sorted(&self) -> std::collections::BTreeMap<String, Vec<Duration>> {
        let mut all = self
            .0
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .clone();
        for times in all.values_mut() {
            times.sort();
        }
        all
    }
}

impl Outside {
    pub async fn of(platform: &Platform) -> Outside {
        Outside {
            api: Api::connect(&platform.gateway())
                .await
                .expect("the OpenAPI document"),
            mail: MailBox::new(platform.mail_url()),
            phones: Phones::new(platform.sms_url()),
            paysim: platform.paysim_url(),
            calendar: Calendar::of(platform),
            sequence: std::sync::Arc::new(AtomicU32::new(1)),
            timings: None,
        }
    }

    /// The same, recording every call's time by operation.
    pub fn timed(mut self, timings: std::sync::Arc<Timings>) -> Outside {
        self.timings = Some(timings);
        self
    }

    pub fn next(&self) -> u32 {
        self.sequence.fetch_add(1, Ordering::SeqCst)
    }

    /// Sends a call, again while the platform is unavailable (transport
    /// errors, 502, 503, 504), for up to two minutes.
    pub async fn send(&self, call: Call<'_>) -> Answer {
        let deadline = tokio::time::Instant::now() + PATIENCE;
        loop {
            let started = std::time::Instant::now();
            let answer = self.api.try_call(call.clone()).await;
            if let (Some(timings), Ok(_)) = (&self.timings, &answer) {
                timings.record(call.operation, started.elapsed());
            }
            match answer {
                Ok(answer)
                    if !matches!(
                        answer.status,
                        StatusCode::BAD_GATEWAY
                            | StatusCode::SERVICE_UNAVAILABLE
                            | StatusCode::GATEWAY_TIMEOUT
                    ) =>
                {
                    return answer;
                }
                Ok(answer) if tokio::time::Instant::now() > deadline => return answer,
                Err(error) if tokio::time::Instant::now() > deadline => {
                    panic!("{}: the gateway never answered: {error}", call.operation)
                }
                _ => tokio::time::sleep(Duration::from_millis(500)).await,
            }
        }
    }

    /// Signs in at a portal that shows a captcha (the platform's captchas
    /// all take [`CAPTCHA`]); `totp` for staff who enrolled one.
    pub async fn sign_in_with_captcha(
        &self,
        agency: &str,
        portal: &str,
        login: &str,
        password: &str,
        totp_code: &str,
    ) -> Answer {
        let issued = self
            .send(
                Call::new("IdentityService.CreateCaptcha")
                    .param("agency", agency)
                    .param("portal", portal)
                    .body(json!({})),
            )
            .await
            .ok();
        self.send(
            Call::new("IdentityService.Login")
                .param("agency", agency)
                .param("portal", portal)
                .body(json!({
                    "login_name": login,
                    "password": password,
                    "totp_code": totp_code,
                    "pre_session": issued["pre_session"],
                    "captcha_id": issued["captcha_id"],
                    "captcha_answer": CAPTCHA,
                })),
        )
        .await
    }

    /// Enrols an authenticator for a staff session that has none yet;
    /// returns its secret (the session has passed a second factor after).
    pub async fn enrol_authenticator(&self, session: &str) -> String {
        let begun = self
            .send(
                Call::new("IdentityService.BeginTotpEnrolment")
                    .token(session)
                    .body(json!({})),
            )
            .await
            .ok();
        let secret = begun["secret"].as_str().expect("a TOTP secret").to_owned();
        self.send(
            Call::new("IdentityService.ConfirmTotpEnrolment")
                .token(session)
                .body(json!({"code": totp(&secret)})),
        )
        .await
        .ok();
        secret
    }

    /// The platform operator, signed in and enrolled.
    pub async fn operator(&self) -> String {
        let session = Self::session_of(
            self.sign_in_with_captcha("platform", "staff", OPERATOR_LOGIN, OPERATOR_PASSWORD, "")
                .await,
        );
        self.enrol_authenticator(&session).await;
        session
    }

    /// A staff member of `agency` with `roles`: invited by the operator,
    /// password set from the e-mailed link, signed in, authenticator
    /// enrolled. Returns the session.
    pub async fn staff(&self, operator: &str, agency: &str, login: &str, roles: &[&str]) -> String {
        let email = self.staff_invitation(operator, agency, login, roles).await;
        let token = self.mail.token_for(&email, "token=").await;
        self.send(Call::new("IdentityService.ResetPassword").body(json!({
            "token": token,
            "new_password": STAFF_PASSWORD,
            "new_password_confirmation": STAFF_PASSWORD,
        })))
        .await
        .ok();
        let session = Self::session_of(
            self.sign_in_with_captcha(agency, "staff", login, STAFF_PASSWORD, "")
                .await,
        );
        self.enrol_authenticator(&session).await;
        session
    }

    /// The operator invites a member of staff (the invitation is e-mailed);
    /// returns the address it goes to.
    pub async fn staff_invitation(
        &self,
        operator: &str,
        agency: &str,
        login: &str,
        roles: &[&str],
    ) -> String {
        let email = format!("{login}@agency.example");
        self.send(
            Call::new("IdentityService.CreateStaffAccount")
                .token(operator)
                .key(format!("staff-{agency}-{login}"))
                .body(json!({
                    "agency": agency,
                    "login_name": login,
                    "email": email,
                    "display_name": login,
                    "roles": roles,
                })),
        )
        .await
        .ok();
        email
    }

    /// Registers `login` at a portal with the platform's applicant password.
    pub async fn register(
        &self,
        agency: &str,
        portal: &str,
        login: &str,
        language: &str,
        fields: Value,
    ) {
        let registered = self
            .send(
                Call::new("IdentityService.Register")
                    .param("agency", agency)
                    .param("portal", portal)
                    .key(format!("register-{agency}-{login}"))
                    .body(json!({
                        "login_name": login,
                        "password": PASSWORD,
                        "password_confirmation": PASSWORD,
                        "language": language,
                        "fields": fields,
                    })),
            )
            .await;
        assert_eq!(registered.status, 201, "{}", registered.text());
    }

    /// Activates `login` with the code the phone `mobile` received.
    pub async fn activate_by_sms(&self, agency: &str, portal: &str, login: &str, mobile: &str) {
        let code = self.phones.code_for(mobile).await;
        self.send(
            Call::new("IdentityService.Activate")
                .param("agency", agency)
                .param("portal", portal)
                .body(json!({"login_name": login, "sms_code": code})),
        )
        .await
        .ok();
    }

    /// Activates an account with the token of the link e-mailed to `email`.
    pub async fn activate_by_mail(&self, agency: &str, portal: &str, email: &str) {
        let token = self.mail.token_for(email, "token=").await;
        self.send(
            Call::new("IdentityService.Activate")
                .param("agency", agency)
                .param("portal", portal)
                .body(json!({"token": token})),
        )
        .await
        .ok();
    }

    /// Signs in at a portal without a captcha; the session.
    pub async fn sign_in(&self, agency: &str, portal: &str, login: &str) -> String {
        Self::session_of(
            self.send(
                Call::new("IdentityService.Login")
                    .param("agency", agency)
                    .param("portal", portal)
                    .body(json!({"login_name": login, "password": PASSWORD})),
            )
            .await,
        )
    }

    /// Starts an application (notice accepted) with the body's other
    /// members (`applicant_id`, `applicant`, `permit_number`); the case id.
    pub async fn start_case(
        &self,
        token: &str,
        application_type: &str,
        notice_version: &str,
        mut body: Value,
    ) -> String {
        body["application_type"] = json!(application_type);
        body["notice_version"] = json!(notice_version);
        body["notice_accepted"] = json!(true);
        let key = format!("start-{}", uuid::Uuid::new_v4());
        self.create(
            Call::new("IntakeService.StartApplication")
                .token(token)
                .key(key)
                .body(body),
            "case_id",
        )
        .await
    }

    /// A centre's free slots from tomorrow for `days` days (waiting for
    /// intake to have opened them).
    pub async fn free_slots(&self, token: &str, centre: &str, days: u64) -> Vec<Value> {
        let today = chrono::Utc::now().date_naive();
        eventually(&format!("free slots at {centre}"), 60, || async {
            let found = self
                .send(
                    Call::new("AppointmentService.SearchSlots")
                        .param("centre", centre)
                        .query("from_date", (today + chrono::Days::new(1)).to_string())
                        .query("to_date", (today + chrono::Days::new(days)).to_string())
                        .query("only_free", "true")
                        .token(token),
                )
                .await
                .ok();
            let slots = found["slots"].as_array()?.clone();
            (!slots.is_empty()).then_some(slots)
        })
        .await
    }

    /// Creates something (answered 201) and returns the answer's `field`.
    pub async fn create(&self, call: Call<'_>, field: &str) -> String {
        let operation = call.operation;
        let answer = self.send(call).await;
        assert_eq!(answer.status, 201, "{operation}: {}", answer.text());
        answer.json()[field]
            .as_str()
            .unwrap_or_else(|| panic!("{operation}: no {field}"))
            .to_owned()
    }

    /// The session token of a successful sign-in.
    pub fn session_of(answer: Answer) -> String {
        answer.ok()["session_token"]
            .as_str()
            .expect("a session")
            .to_owned()
    }

    /// Uploads a PNG for `requirement` of a case (again while the platform
    /// answers 5xx); the document's id.
    pub async fn upload(
        &self,
        token: &str,
        case_id: &str,
        requirement: &str,
        content: Vec<u8>,
    ) -> String {
        let deadline = tokio::time::Instant::now() + PATIENCE;
        loop {
            let answer = self
                .api
                .upload(
                    Call::new("IntakeService.UploadDocument")
                        .param("case_id", case_id)
                        .query("requirement", requirement)
                        .query("file_name", format!("{requirement}.png"))
                        .token(token),
                    "image/png",
                    content.clone(),
                )
                .await;
            if answer.status.is_server_error() && tokio::time::Instant::now() < deadline {
                tokio::time::sleep(Duration::from_millis(500)).await;
                continue;
            }
            assert_eq!(answer.status, 201, "{requirement}: {}", answer.text());
            return answer.json()["document_id"]
                .as_str()
                .expect("a document id")
                .to_owned();
        }
    }

    /// Saves a draft's answers (and the express choice).
    pub async fn save_draft(&self, token: &str, case_id: &str, answers: &Value, express: bool) {
        let saved = self
            .send(
                Call::new("IntakeService.SaveDraft")
                    .param("case_id", case_id)
                    .token(token)
                    .body(json!({"answers_json": answers.to_string(), "express": express})),
            )
            .await;
        assert!(saved.status.is_success(), "{}", saved.text());
    }

    /// Submits one case as its own group; its receipt number.
    pub async fn submit(&self, token: &str, case_id: &str) -> String {
        let submitted = self
            .send(
                Call::new("IntakeService.Submit")
                    .token(token)
                    .key(format!("submit-{case_id}"))
                    .body(json!({"case_ids": [case_id]})),
            )
            .await;
        assert_eq!(submitted.status, 201, "{}", submitted.text());
        submitted.json()["cases"][0]["receipt_number"]
            .as_str()
            .expect("a receipt number")
            .to_owned()
    }

    /// A reviewer claims from the queue of `application_type` until the
    /// claim is `case_id` (one journey per queue), then decides it.
    pub async fn claim_and_decide(
        &self,
        reviewer: &str,
        application_type: &str,
        case_id: &str,
        decision: &str,
        comment: &str,
    ) {
        eventually(&format!("{case_id} is claimed"), 120, || async {
            let claim = self
                .send(
                    Call::new("ReviewService.ClaimNext")
                        .token(reviewer)
                        .key(format!("claim-{}", uuid::Uuid::new_v4()))
                        .body(json!({"application_type": application_type})),
                )
                .await;
            (claim.status == StatusCode::CREATED && claim.json()["case_id"] == case_id)
                .then_some(())
        })
        .await;
        let decided = self
            .send(
                Call::new("ReviewService.Decide")
                    .param("case_id", case_id)
                    .token(reviewer)
                    .key(format!("decide-{case_id}-{}", uuid::Uuid::new_v4()))
                    .body(json!({"decision": decision, "comment": comment})),
            )
            .await;
        assert!(decided.status.is_success(), "{}", decided.text());
    }

    /// The counter finds a case's order by its receipt number.
    pub async fn order_at_counter(&self, counter: &str, receipt: &str) -> Value {
        eventually(&format!("the order of {receipt}"), 120, || async {
            let found = self
                .send(
                    Call::new("PaymentService.FindOrders")
                        .query("receipt_number", receipt)
                        .token(counter),
                )
                .await;
            found.status.is_success().then(|| found.json())?["orders"]
                .as_array()?
                .first()
                .cloned()
        })
        .await
    }

    /// The cashier takes `amount` for an order with `method`.
    pub async fn pay_at_counter(
        &self,
        counter: &str,
        order_id: &str,
        method: &str,
        amount: &Value,
        counter_receipt: &str,
    ) {
        let paid = self
            .send(
                Call::new("PaymentService.RecordCounterPayment")
                    .param("order_id", order_id)
                    .token(counter)
                    .key(format!("take-{order_id}"))
                    .body(json!({
                        "method": method,
                        "amount": amount,
                        "counter_receipt": counter_receipt,
                    })),
            )
            .await;
        assert_eq!(paid.status, 201, "{}", paid.text());
    }

    /// A counter call on a case (production, dispatch, delivery, …).
    pub async fn at_counter(&self, counter: &str, operation: &str, case_id: &str, body: Value) {
        let answer = self
            .send(
                Call::new(operation)
                    .param("case_id", case_id)
                    .token(counter)
                    .body(body),
            )
            .await;
        assert!(
            answer.status.is_success() || answer.status == StatusCode::CONFLICT,
            "{operation}: {}",
            answer.text()
        );
    }

    /// The counter hands the document to a proxy (name, ID number,
    /// relationship, the pickup card with the receipt number); the case as
    /// its applicant then sees it, collected.
    pub async fn collect_by_proxy(
        &self,
        counter: &str,
        token: &str,
        case_id: &str,
        proxy: (&str, &str, &str),
        pickup_card: &str,
    ) -> Value {
        let (name, id_number, relationship) = proxy;
        self.at_counter(
            counter,
            "IntakeService.RecordCollection",
            case_id,
            json!({"collector": {
                "kind": "proxy", "name": name, "id_number": id_number,
                "relationship": relationship, "pickup_card": pickup_card,
            }}),
        )
        .await;
        self.case_reaches(token, case_id, "CASE_STATE_COLLECTED")
            .await
    }

    /// A case as its applicant sees it.
    pub async fn case(&self, token: &str, case_id: &str) -> Value {
        self.send(
            Call::new("IntakeService.GetCase")
                .param("case_id", case_id)
                .token(token),
        )
        .await
        .ok()
    }

    /// Waits until the applicant sees the case in `state`.
    pub async fn case_reaches(&self, token: &str, case_id: &str, state: &str) -> Value {
        eventually(&format!("case {case_id} reaches {state}"), 120, || async {
            let case = self.case(token, case_id).await;
            (case["state"] == state).then_some(case)
        })
        .await
    }
}
