//! Event → notification: who is told, in which language, over which
//! channels, with which template variables. Adding an event is a template in
//! the catalog, an entry in [`NOTIFIED_EVENTS`] and an arm in [`map_event`].

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use laissez_catalog::format::Language;
use laissez_eventbus::{EnvelopeExt, HandlerError};
use laissez_proto::common::v1::Money;
use laissez_proto::events::v1::{
    AccountActivated, AccountRegistered, AppointmentBooked, AppointmentCancelled,
    AppointmentReminder, CaseDecided, CaseParty, CaseProgressed, CaseResubmitted, CaseSubmitted,
    CaseWithdrawn, Decision, Envelope, EventMessage, OrderCreated, OrderExpired, OrderPaid,
    OrderRefunded, PasswordResetRequested, SlipExpiring, SmsCodeRequested,
};
use sqlx::PgConnection;

use crate::catalogs::AgencyView;
use crate::config::LinksConfig;
use crate::domain::{ChannelPlan, Notification, format_time};
use crate::events::labels::{decision_label, language_from_proto};
use crate::store::facts::{self, AccountContact};

/// The purpose of a password-reset event that invites a new staff member.
const STAFF_INVITATION: &str = "staff_invitation";
/// The catalog template that words such an invitation.
pub const STAFF_INVITED_TEMPLATE: &str = "identity.staff.invited";

/// Every event type the service turns into messages (its queue bindings).
pub const NOTIFIED_EVENTS: &[&str] = &[
    AccountRegistered::EVENT_TYPE,
    AccountActivated::EVENT_TYPE,
    PasswordResetRequested::EVENT_TYPE,
    SmsCodeRequested::EVENT_TYPE,
    CaseSubmitted::EVENT_TYPE,
    CaseResubmitted::EVENT_TYPE,
    CaseWithdrawn::EVENT_TYPE,
    AppointmentBooked::EVENT_TYPE,
    AppointmentCancelled::EVENT_TYPE,
    AppointmentReminder::EVENT_TYPE,
    CaseDecided::EVENT_TYPE,
    CaseProgressed::EVENT_TYPE,
    OrderCreated::EVENT_TYPE,
    OrderPaid::EVENT_TYPE,
    OrderExpired::EVENT_TYPE,
    OrderRefunded::EVENT_TYPE,
    SlipExpiring::EVENT_TYPE,
];

/// What a mapping reads besides the event.
pub struct MappingContext<'a> {
    pub agency: AgencyView<'a>,
    pub links: &'a LinksConfig,
}

/// The notification an event asks for; `None` when it tells no one
/// (an unknown event type, or a fact notify only records).
pub async fn map_event(
    envelope: &Envelope,
    context: &MappingContext<'_>,
    connection: &mut PgConnection,
) -> Result<Option<Notification>, HandlerError> {
    let agency = context.agency;
    let occurred_at = timestamp(envelope.occurred_at.as_ref()).unwrap_or_else(Utc::now);
    let notification = match envelope.event_type.as_str() {
        AccountRegistered::EVENT_TYPE => {
            let event: AccountRegistered = envelope.decode()?;
            let language = language_from_proto(event.language);
            facts::upsert_contact(connection, agency.code(), &contact_of(&event, language)).await?;
            if event.already_registered {
                // No template tells an owner about a repeated registration yet.
                return Ok(None);
            }
            let language = language.unwrap_or_else(|| agency.default_language());
            let by_sms = event.activation_channel == "sms";
            let display_name = non_empty(&event.display_name, &event.login_name);
            let mut values = base_values(agency, language);
            values.insert("display_name".into(), display_name);
            values.insert("login_name".into(), event.login_name.clone());
            values.insert(
                "portal_name".into(),
                agency.portal_name(&event.portal, language),
            );
            values.insert("activation_url".into(), event.activation_url.clone());
            values.insert(
                "activation_channel".into(),
                channel_name(by_sms, language).into(),
            );
            Notification {
                account_id: event.account_id,
                case_id: String::new(),
                email: event.email,
                mobile: event.mobile,
                language,
                channels: ChannelPlan {
                    email: !by_sms,
                    sms: by_sms,
                    in_app: false,
                },
                values,
                template: None,
            }
        }
        AccountActivated::EVENT_TYPE => {
            let event: AccountActivated = envelope.decode()?;
            let contact = facts::contact(connection, agency.code(), &event.account_id)
                .await?
                .unwrap_or_default();
            let language =
                Language::parse(&contact.language).unwrap_or_else(|| agency.default_language());
            let mut values = base_values(agency, language);
            values.insert("display_name".into(), contact.display_name.clone());
            values.insert(
                "portal_name".into(),
                agency.portal_name(&event.portal, language),
            );
            values.insert(
                "login_url".into(),
                login_url(context.links, agency.code(), &event.portal),
            );
            Notification {
                account_id: event.account_id,
                case_id: String::new(),
                email: contact.email,
                mobile: contact.mobile,
                language,
                channels: ChannelPlan::EMAIL_AND_IN_APP,
                values,
                template: None,
            }
        }
        PasswordResetRequested::EVENT_TYPE => {
            let event: PasswordResetRequested = envelope.decode()?;
            let contact = facts::contact(connection, agency.code(), &event.account_id)
                .await?
                .unwrap_or_default();
            let language = language_from_proto(event.language)
                .or_else(|| Language::parse(&contact.language))
                .unwrap_or_else(|| agency.default_language());
            let fallback_name = event.email.split('@').next().unwrap_or_default().to_owned();
            let mut values = base_values(agency, language);
            values.insert(
                "display_name".into(),
                non_empty(&contact.display_name, &fallback_name),
            );
            values.insert("reset_url".into(), event.reset_url.clone());
            values.insert("purpose".into(), purpose_label(&event.purpose, language));
            values.insert(
                "expires_in_minutes".into(),
                event.expires_in_minutes.to_string(),
            );
            Notification {
                account_id: event.account_id,
                case_id: String::new(),
                email: event.email,
                mobile: String::new(),
                language,
                // A reset link belongs in the mailbox only, never in a shared inbox.
                channels: ChannelPlan::EMAIL_ONLY,
                values,
                template: (event.purpose == STAFF_INVITATION).then_some(STAFF_INVITED_TEMPLATE),
            }
        }
        SmsCodeRequested::EVENT_TYPE => {
            let event: SmsCodeRequested = envelope.decode()?;
            let language =
                language_from_proto(event.language).unwrap_or_else(|| agency.default_language());
            let mut values = base_values(agency, language);
            values.insert("code".into(), event.code.clone());
            values.insert("purpose".into(), purpose_label(&event.purpose, language));
            values.insert(
                "expires_in_minutes".into(),
                event.expires_in_minutes.to_string(),
            );
            Notification {
                account_id: event.account_id,
                case_id: String::new(),
                email: String::new(),
                mobile: event.mobile,
                language,
                channels: ChannelPlan::SMS_ONLY,
                values,
                template: None,
            }
        }
        CaseSubmitted::EVENT_TYPE => {
            let event: CaseSubmitted = envelope.decode()?;
            let party = event.party.clone().unwrap_or_default();
            facts::upsert_case(
                connection,
                agency.code(),
                &event.case_id,
                &party.applicant_masked_name,
                &event.receipt_number,
            )
            .await?;
            let language = party_language(&party, agency);
            let submitted_at = timestamp(event.submitted_at.as_ref()).unwrap_or(occurred_at);
            let mut values = case_values(agency, language, &party, &event.receipt_number);
            values.insert("group_number".into(), event.group_number.clone());
            values.insert(
                "application_type_name".into(),
                agency.application_type_name(&event.application_type, language),
            );
            values.insert(
                "submitted_at".into(),
                format_time(submitted_at, agency.time_zone()),
            );
            values.insert("express".into(), yes_no(event.express, language).into());
            case_notification(party, event.case_id, language, values)
        }
        CaseResubmitted::EVENT_TYPE => {
            let event: CaseResubmitted = envelope.decode()?;
            let party = event.party.clone().unwrap_or_default();
            let language = party_language(&party, agency);
            let at = timestamp(event.resubmitted_at.as_ref()).unwrap_or(occurred_at);
            let mut values = case_values(agency, language, &party, &event.receipt_number);
            values.insert("round".into(), event.round.to_string());
            values.insert("resubmitted_at".into(), format_time(at, agency.time_zone()));
            values.insert("applicant_reply".into(), event.applicant_reply.clone());
            case_notification(party, event.case_id, language, values)
        }
        CaseWithdrawn::EVENT_TYPE => {
            let event: CaseWithdrawn = envelope.decode()?;
            let party = event.party.clone().unwrap_or_default();
            let language = party_language(&party, agency);
            let at = timestamp(event.withdrawn_at.as_ref()).unwrap_or(occurred_at);
            let mut values = case_values(agency, language, &party, &event.receipt_number);
            values.insert("withdrawn_at".into(), format_time(at, agency.time_zone()));
            case_notification(party, event.case_id, language, values)
        }
        AppointmentBooked::EVENT_TYPE => {
            let event: AppointmentBooked = envelope.decode()?;
            let (party, language, mut values) =
                appointment_message(&event, agency, occurred_at, connection).await?;
            let previous = timestamp(event.previous_starts_at.as_ref());
            values.insert(
                "moved".into(),
                if previous.is_some() { "yes" } else { "" }.into(),
            );
            values.insert(
                "previous_starts_at".into(),
                previous
                    .map(|at| format_time(at, agency.time_zone()))
                    .unwrap_or_default(),
            );
            values.insert("reason".into(), event.reason.clone());
            case_notification(party, event.case_id, language, values)
        }
        AppointmentCancelled::EVENT_TYPE => {
            let event: AppointmentCancelled = envelope.decode()?;
            let (party, language, mut values) =
                appointment_message(&event, agency, occurred_at, connection).await?;
            let no_show = event.reason == "no_show";
            values.insert("no_show".into(), if no_show { "yes" } else { "" }.into());
            values.insert(
                "reason".into(),
                if no_show { "" } else { &event.reason }.into(),
            );
            case_notification(party, event.case_id, language, values)
        }
        AppointmentReminder::EVENT_TYPE => {
            let event: AppointmentReminder = envelope.decode()?;
            let (party, language, values) =
                appointment_message(&event, agency, occurred_at, connection).await?;
            case_notification(party, event.case_id, language, values)
        }
        CaseProgressed::EVENT_TYPE => {
            let event: CaseProgressed = envelope.decode()?;
            let party = event.party.clone().unwrap_or_default();
            let language = party_language(&party, agency);
            let at = timestamp(event.at.as_ref()).unwrap_or(occurred_at);
            let mut values = case_values(agency, language, &party, &event.receipt_number);
            values.insert(
                "application_type_name".into(),
                agency.application_type_name(&event.application_type, language),
            );
            // One flag per state the templates speak of; any other state
            // (a stage added later) has no message.
            let states = [
                "in_production",
                "issued",
                "ready_for_pickup",
                "collected",
                "cancelled",
                "awaiting_dispatch",
                "dispatched",
                "delivered",
            ];
            if !states.contains(&event.state.as_str()) {
                return Ok(None);
            }
            for state in states {
                let flag = if state == event.state { "yes" } else { "" };
                values.insert(state.into(), flag.into());
            }
            values.insert("production_due_on".into(), event.production_due_on.clone());
            values.insert("permit_number".into(), event.permit_number.clone());
            values.insert(
                "permit_valid_until".into(),
                event.permit_valid_until.clone(),
            );
            values.insert("collect_by".into(), event.collect_by.clone());
            values.insert("tracking_number".into(), event.tracking_number.clone());
            values.insert("at".into(), format_time(at, agency.time_zone()));
            values.insert("reason".into(), event.reason.clone());
            // Cancelled without a reason by the job: never collected.
            let uncollected = event.state == "cancelled"
                && event.reason.is_empty()
                && !event.collect_by.is_empty();
            values.insert(
                "uncollected".into(),
                if uncollected { "yes" } else { "" }.into(),
            );
            case_notification(party, event.case_id, language, values)
        }
        CaseDecided::EVENT_TYPE => {
            let event: CaseDecided = envelope.decode()?;
            let case = facts::case(connection, agency.code(), &event.case_id)
                .await?
                .unwrap_or_default();
            let language =
                language_from_proto(event.language).unwrap_or_else(|| agency.default_language());
            let decided_at = timestamp(event.decided_at.as_ref()).unwrap_or(occurred_at);
            let decision = Decision::try_from(event.decision).unwrap_or(Decision::Unspecified);
            let mut values = base_values(agency, language);
            values.insert("applicant_name".into(), case.applicant_name.clone());
            values.insert("receipt_number".into(), event.receipt_number.clone());
            values.insert("group_number".into(), event.group_number.clone());
            values.insert(
                "application_type_name".into(),
                agency.application_type_name(&event.application_type, language),
            );
            values.insert("decision".into(), decision_label(decision, language).into());
            values.insert("comment".into(), event.comment.clone());
            values.insert(
                "decided_at".into(),
                format_time(decided_at, agency.time_zone()),
            );
            Notification {
                account_id: event.account_id,
                case_id: event.case_id,
                email: event.email,
                mobile: event.mobile,
                language,
                channels: ChannelPlan::EMAIL_AND_IN_APP,
                values,
                template: None,
            }
        }
        OrderCreated::EVENT_TYPE => {
            let event: OrderCreated = envelope.decode()?;
            let mut told = Payer::of(connection, agency, &event.account_id).await?;
            told.values
                .insert("receipt_numbers".into(), event.receipt_numbers.join(", "));
            let amount = match event.amount.as_ref() {
                Some(amount) => written_money(amount),
                None => by_tariff(told.language).to_owned(),
            };
            told.values.insert("amount".into(), amount);
            let method = if event.method.is_empty() {
                String::new()
            } else {
                agency.payment_method_name(&event.method, told.language)
            };
            told.values.insert("method".into(), method);
            let expires_at = timestamp(event.expires_at.as_ref())
                .map(|at| format_time(at, agency.time_zone()))
                .unwrap_or_default();
            told.values.insert("expires_at".into(), expires_at);
            told.notification(event.account_id, &event.case_ids)
        }
        OrderPaid::EVENT_TYPE => {
            let event: OrderPaid = envelope.decode()?;
            let mut told = Payer::of(connection, agency, &event.account_id).await?;
            let paid_at = timestamp(event.paid_at.as_ref()).unwrap_or(occurred_at);
            told.values
                .insert("receipt_numbers".into(), event.receipt_numbers.join(", "));
            told.values.insert(
                "amount".into(),
                event.amount.as_ref().map(written_money).unwrap_or_default(),
            );
            told.values
                .insert("paid_at".into(), format_time(paid_at, agency.time_zone()));
            told.notification(event.account_id, &event.case_ids)
        }
        OrderExpired::EVENT_TYPE => {
            let event: OrderExpired = envelope.decode()?;
            let mut told = Payer::of(connection, agency, &event.account_id).await?;
            told.values
                .insert("receipt_numbers".into(), event.receipt_numbers.join(", "));
            // A method: its slip or account expired (the order waits);
            // none: the order itself expired.
            let slip = !event.method.is_empty();
            let flag = |on: bool| if on { "yes" } else { "" }.to_owned();
            told.values.insert("slip_expired".into(), flag(slip));
            told.values.insert("order_expired".into(), flag(!slip));
            told.notification(event.account_id, &event.case_ids)
        }
        SlipExpiring::EVENT_TYPE => {
            let event: SlipExpiring = envelope.decode()?;
            let mut told = Payer::of(connection, agency, &event.account_id).await?;
            told.values
                .insert("receipt_numbers".into(), event.receipt_numbers.join(", "));
            told.values.insert(
                "amount".into(),
                event.amount.as_ref().map(written_money).unwrap_or_default(),
            );
            told.values.insert(
                "method".into(),
                agency.payment_method_name(&event.method, told.language),
            );
            let expires_at = timestamp(event.expires_at.as_ref())
                .map(|at| format_time(at, agency.time_zone()))
                .unwrap_or_default();
            told.values.insert("expires_at".into(), expires_at);
            told.notification(event.account_id, &event.case_ids)
        }
        OrderRefunded::EVENT_TYPE => {
            let event: OrderRefunded = envelope.decode()?;
            let mut told = Payer::of(connection, agency, &event.account_id).await?;
            told.values.insert(
                "amount".into(),
                event.amount.as_ref().map(written_money).unwrap_or_default(),
            );
            told.values.insert("reason".into(), event.reason.clone());
            told.notification(event.account_id, &event.case_ids)
        }
        _ => return Ok(None),
    };
    Ok(Some(notification))
}

/// The account an order belongs to, as notify knows it (registration
/// kept its contact and language), and the values every payment message
/// has.
struct Payer {
    contact: AccountContact,
    language: Language,
    values: BTreeMap<String, String>,
}

impl Payer {
    async fn of(
        connection: &mut PgConnection,
        agency: AgencyView<'_>,
        account_id: &str,
    ) -> Result<Self, HandlerError> {
        let contact = facts::contact(connection, agency.code(), account_id)
            .await?
            .unwrap_or_default();
        let language =
            Language::parse(&contact.language).unwrap_or_else(|| agency.default_language());
        let values = base_values(agency, language);
        Ok(Self {
            contact,
            language,
            values,
        })
    }

    fn notification(self, account_id: String, case_ids: &[String]) -> Notification {
        Notification {
            account_id,
            case_id: case_ids.first().cloned().unwrap_or_default(),
            email: self.contact.email,
            mobile: self.contact.mobile,
            language: self.language,
            channels: ChannelPlan::EMAIL_AND_IN_APP,
            values: self.values,
            template: None,
        }
    }
}

/// An amount as the catalog writes it (`TWD 1000`, `MOP 402.30`).
fn written_money(money: &Money) -> String {
    laissez_catalog::format::written_amount(money.minor_units, &money.currency)
}

/// What an order without a published total costs.
fn by_tariff(language: Language) -> &'static str {
    match language {
        Language::ZhHant => "依收費標準於櫃檯繳納",
        Language::ZhHans => "依收费标准于柜台缴纳",
        Language::En => "the tariff, paid at the counter",
    }
}

fn contact_of(event: &AccountRegistered, language: Option<Language>) -> AccountContact {
    AccountContact {
        account_id: event.account_id.clone(),
        display_name: non_empty(&event.display_name, &event.login_name),
        email: event.email.clone(),
        mobile: event.mobile.clone(),
        language: language
            .map(|language| language.tag().to_owned())
            .unwrap_or_default(),
        portal: event.portal.clone(),
    }
}

fn base_values(agency: AgencyView<'_>, language: Language) -> BTreeMap<String, String> {
    let mut values = BTreeMap::new();
    values.insert("agency_name".to_owned(), agency.name(language).to_owned());
    values
}

fn case_values(
    agency: AgencyView<'_>,
    language: Language,
    party: &CaseParty,
    receipt_number: &str,
) -> BTreeMap<String, String> {
    let mut values = base_values(agency, language);
    values.insert("applicant_name".into(), party.applicant_masked_name.clone());
    values.insert("receipt_number".into(), receipt_number.to_owned());
    values
}

fn case_notification(
    party: CaseParty,
    case_id: String,
    language: Language,
    values: BTreeMap<String, String>,
) -> Notification {
    Notification {
        account_id: party.account_id,
        case_id,
        email: party.email,
        mobile: party.mobile,
        language,
        channels: ChannelPlan::EMAIL_AND_IN_APP,
        values,
        template: None,
    }
}

fn party_language(party: &CaseParty, agency: AgencyView<'_>) -> Language {
    language_from_proto(party.language).unwrap_or_else(|| agency.default_language())
}

fn timestamp(value: Option<&prost_types::Timestamp>) -> Option<DateTime<Utc>> {
    let value = value?;
    DateTime::from_timestamp(value.seconds, u32::try_from(value.nanos).unwrap_or(0))
}

fn non_empty(value: &str, fallback: &str) -> String {
    if value.trim().is_empty() {
        fallback.to_owned()
    } else {
        value.to_owned()
    }
}

/// The sign-in page of the portal the account belongs to.
fn login_url(links: &LinksConfig, agency: &str, portal: &str) -> String {
    format!(
        "{}/portal/{agency}/{portal}/login",
        links.portal_base_url.trim_end_matches('/')
    )
}

fn channel_name(by_sms: bool, language: Language) -> &'static str {
    match (by_sms, language) {
        (true, Language::ZhHant) => "簡訊",
        (true, Language::ZhHans) => "短信",
        (true, Language::En) => "SMS",
        (false, Language::ZhHant) => "電子郵件",
        (false, Language::ZhHans) => "电子邮件",
        (false, Language::En) => "email",
    }
}

/// Known purposes of codes and links in the reader's language; others as given.
fn purpose_label(purpose: &str, language: Language) -> String {
    let label = match (purpose, language) {
        ("reset", Language::ZhHant) => "重設密碼",
        ("reset", Language::ZhHans) => "重置密码",
        ("reset", Language::En) => "password reset",
        ("staff_invitation", Language::ZhHant) => "設定職員帳號密碼",
        ("staff_invitation", Language::ZhHans) => "设置职员账号密码",
        ("staff_invitation", Language::En) => "staff account set-up",
        ("registration", Language::ZhHant) => "註冊",
        ("registration", Language::ZhHans) => "注册",
        ("registration", Language::En) => "registration",
        ("login", Language::ZhHant) => "登入",
        ("login", Language::ZhHans) => "登录",
        ("login", Language::En) => "login",
        (other, _) => other,
    };
    label.to_owned()
}

fn yes_no(value: bool, language: Language) -> &'static str {
    match (value, language) {
        (true, Language::En) => "yes",
        (false, Language::En) => "no",
        (true, _) => "是",
        (false, _) => "否",
    }
}

/// What every appointment event carries.
trait AppointmentEvent {
    fn party(&self) -> Option<&CaseParty>;
    fn case_id(&self) -> &str;
    fn receipt_number(&self) -> &str;
    fn centre(&self) -> &str;
    fn starts_at(&self) -> Option<&prost_types::Timestamp>;
}

macro_rules! appointment_events {
    ($($event:ty),+) => {
        $(impl AppointmentEvent for $event {
            fn party(&self) -> Option<&CaseParty> {
                self.party.as_ref()
            }
            fn case_id(&self) -> &str {
                &self.case_id
            }
            fn receipt_number(&self) -> &str {
                &self.receipt_number
            }
            fn centre(&self) -> &str {
                &self.centre
            }
            fn starts_at(&self) -> Option<&prost_types::Timestamp> {
                self.starts_at.as_ref()
            }
        })+
    };
}

appointment_events!(AppointmentBooked, AppointmentCancelled, AppointmentReminder);

/// Who an appointment event tells, in which language, and what every
/// appointment message says: the case's receipt (the event's, else the
/// one notify recorded), the centre in the reader's language and the time
/// in the agency's.
async fn appointment_message(
    event: &impl AppointmentEvent,
    agency: AgencyView<'_>,
    occurred_at: DateTime<Utc>,
    connection: &mut PgConnection,
) -> Result<(CaseParty, Language, BTreeMap<String, String>), HandlerError> {
    let party = event.party().cloned().unwrap_or_default();
    let language = party_language(&party, agency);
    let receipt = if event.receipt_number().is_empty() {
        facts::case(connection, agency.code(), event.case_id())
            .await?
            .unwrap_or_default()
            .receipt_number
    } else {
        event.receipt_number().to_owned()
    };
    let (centre_name, centre_address) = agency.centre(event.centre(), language);
    let mut values = case_values(agency, language, &party, &receipt);
    values.insert("centre_name".into(), centre_name);
    values.insert("centre_address".into(), centre_address);
    let starts_at = timestamp(event.starts_at()).unwrap_or(occurred_at);
    values.insert(
        "starts_at".into(),
        format_time(starts_at, agency.time_zone()),
    );
    Ok((party, language, values))
}
