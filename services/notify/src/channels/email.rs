//! Email over SMTP with lettre: TLS and credentials from the configuration,
//! a Message-ID derived from the delivery id, and replies sorted into
//! temporary (retry) and permanent (give up) failures.

use async_trait::async_trait;
use lettre::message::header::ContentType;
use lettre::message::{Mailbox, MultiPart, SinglePart};
use lettre::transport::smtp::authentication::Credentials;
use lettre::transport::smtp::client::{Tls, TlsParameters};
use lettre::transport::smtp::extension::ClientId;
use lettre::{AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};
use uuid::Uuid;

use crate::config::{SmtpConfig, SmtpTls};
use crate::domain::SendError;

/// One email ready to go.
#[derive(Debug, Clone)]
pub struct OutgoingEmail {
    pub delivery_id: Uuid,
    pub sender_name: String,
    pub sender_address: String,
    pub recipient: String,
    pub subject: String,
    pub text: String,
    pub html: Option<String>,
}

impl OutgoingEmail {
    /// Stable across attempts, so a receiver can drop a copy resent after a
    /// crash between the SMTP accept and the status update.
    pub fn message_id(&self) -> String {
        format!("<{}@notify.laissez>", self.delivery_id)
    }
}

/// Sends email; the SMTP relay in production, a fake in unit tests.
#[async_trait]
pub trait EmailTransport: Send + Sync + 'static {
    async fn send(&self, email: &OutgoingEmail) -> Result<(), SendError>;
}

/// Why the SMTP transport could not be built.
#[derive(Debug, thiserror::Error)]
#[error("smtp configuration: {0}")]
pub struct ConfigError(String);

/// The configured SMTP relay.
pub struct SmtpMailer {
    transport: AsyncSmtpTransport<Tokio1Executor>,
}

impl SmtpMailer {
    pub fn new(config: &SmtpConfig) -> Result<Self, ConfigError> {
        let tls_parameters = || {
            TlsParameters::new(config.host.clone()).map_err(|error| ConfigError(error.to_string()))
        };
        let tls = match config.tls {
            SmtpTls::None => Tls::None,
            SmtpTls::Starttls => Tls::Required(tls_parameters()?),
            SmtpTls::Tls => Tls::Wrapper(tls_parameters()?),
        };
        let mut builder =
            AsyncSmtpTransport::<Tokio1Executor>::builder_dangerous(config.host.as_str())
                .port(config.port)
                .tls(tls)
                .timeout(Some(config.timeout()));
        if !config.helo_name.is_empty() {
            builder = builder.hello_name(ClientId::Domain(config.helo_name.clone()));
        }
        if !config.username.is_empty() {
            builder = builder.credentials(Credentials::new(
                config.username.clone(),
                config.password.expose().to_owned(),
            ));
        }
        Ok(Self {
            transport: builder.build(),
        })
    }
}

#[async_trait]
impl EmailTransport for SmtpMailer {
    async fn send(&self, email: &OutgoingEmail) -> Result<(), SendError> {
        let message = build_message(email)?;
        match self.transport.send(message).await {
            Ok(_) => Ok(()),
            Err(error) => Err(classify(&error)),
        }
    }
}

/// A message that cannot be built (a malformed address) never will be.
pub fn build_message(email: &OutgoingEmail) -> Result<Message, SendError> {
    let invalid = |what: &str, error: &dyn std::fmt::Display| {
        SendError::Permanent(format!("invalid {what}: {error}"))
    };
    let from_address = email
        .sender_address
        .parse()
        .map_err(|error| invalid("sender address", &error))?;
    let from = Mailbox::new(
        Some(email.sender_name.clone()).filter(|name| !name.is_empty()),
        from_address,
    );
    let to: Mailbox = email
        .recipient
        .parse()
        .map_err(|error| invalid("recipient address", &error))?;
    let builder = Message::builder()
        .from(from)
        .to(to)
        .subject(email.subject.clone())
        .message_id(Some(email.message_id()));
    let plain = SinglePart::builder()
        .header(ContentType::TEXT_PLAIN)
        .body(email.text.clone());
    let built = match &email.html {
        Some(html) => builder.multipart(
            MultiPart::alternative().singlepart(plain).singlepart(
                SinglePart::builder()
                    .header(ContentType::TEXT_HTML)
                    .body(html.clone()),
            ),
        ),
        None => builder.singlepart(plain),
    };
    built.map_err(|error| invalid("message", &error))
}

/// 5xx replies are permanent; 4xx replies, refused connections, timeouts
/// and broken connections are worth another attempt.
fn classify(error: &lettre::transport::smtp::Error) -> SendError {
    if error.is_permanent() {
        SendError::Permanent(error.to_string())
    } else {
        SendError::Temporary(error.to_string())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn email(recipient: &str) -> OutgoingEmail {
        OutgoingEmail {
            delivery_id: Uuid::nil(),
            sender_name: "外交部駐澳門特派員公署".into(),
            sender_address: "macao@csm.mfa.gov.cn".into(),
            recipient: recipient.into(),
            subject: "送件成功".into(),
            text: "收件號 CSM1".into(),
            html: Some("<p>收件號 CSM1</p>".into()),
        }
    }

    #[test]
    fn messages_carry_a_stable_message_id() -> Result<(), SendError> {
        let message = build_message(&email("a@example.org"))?;
        let text = String::from_utf8_lossy(&message.formatted()).to_string();
        assert!(
            text.contains("Message-ID: <00000000-0000-0000-0000-000000000000@notify.laissez>"),
            "{text}"
        );
        assert!(text.contains("multipart/alternative"), "{text}");
        Ok(())
    }

    // The pooled transport spawns its reaper: it needs a runtime.
    #[tokio::test]
    async fn every_tls_mode_builds_a_transport() {
        for tls in [SmtpTls::None, SmtpTls::Starttls, SmtpTls::Tls] {
            let config = SmtpConfig {
                host: "smtp.example.org".into(),
                tls,
                username: "user".into(),
                password: laissez_kit::config::Secret::new("secret"),
                ..SmtpConfig::default()
            };
            assert!(SmtpMailer::new(&config).is_ok(), "{tls:?}");
        }
    }

    #[test]
    fn malformed_addresses_are_permanent() {
        assert!(matches!(
            build_message(&email("not an address")),
            Err(SendError::Permanent(_))
        ));
    }
}
