//! A small SMTP server on loopback for tests (RFC 5321: EHLO/HELO, AUTH
//! PLAIN, MAIL, RCPT, DATA, RSET, NOOP, QUIT). It records every accepted
//! message, can reject recipients permanently (550) or every transaction
//! temporarily (451), and can go down (connections refused) and come back
//! on the same port.

use std::net::SocketAddr;
use std::sync::{Arc, Mutex, PoisonError};

use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};
use tokio::net::{TcpListener, TcpStream};
use tokio_util::sync::CancellationToken;

/// One accepted message, as received.
#[derive(Debug, Clone)]
pub struct ReceivedEmail {
    pub mail_from: String,
    pub recipients: Vec<String>,
    /// The DATA section, dot-unstuffed, lines joined with CRLF.
    pub data: String,
    /// The user of a successful `AUTH PLAIN` on the connection, if any.
    pub authenticated_as: Option<String>,
}

impl ReceivedEmail {
    /// The decoded view of the message (headers and text parts).
    pub fn parsed(&self) -> super::mime::ParsedEmail {
        super::mime::ParsedEmail::parse(&self.data)
    }
}

#[derive(Default)]
struct Behaviour {
    /// Recipients containing one of these strings get `550`.
    rejected_recipients: Vec<String>,
    /// Every MAIL FROM gets `451` while set.
    temporary_failure: bool,
}

#[derive(Default)]
struct Shared {
    received: Mutex<Vec<ReceivedEmail>>,
    behaviour: Mutex<Behaviour>,
    /// Cancelled by `go_down`, closing every open connection.
    running: Mutex<Option<CancellationToken>>,
}

fn lock<T>(mutex: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(PoisonError::into_inner)
}

pub struct TestSmtpServer {
    address: SocketAddr,
    shared: Arc<Shared>,
}

impl TestSmtpServer {
    pub async fn start() -> std::io::Result<Self> {
        let listener = TcpListener::bind("127.0.0.1:0").await?;
        let address = listener.local_addr()?;
        let server = Self {
            address,
            shared: Arc::default(),
        };
        server.serve(listener);
        Ok(server)
    }

    pub fn address(&self) -> SocketAddr {
        self.address
    }

    pub fn port(&self) -> u16 {
        self.address.port()
    }

    pub fn received(&self) -> Vec<ReceivedEmail> {
        lock(&self.shared.received).clone()
    }

    /// Answers `550` to RCPT TO for addresses containing `pattern`.
    pub fn reject_recipients_containing(&self, pattern: &str) {
        lock(&self.shared.behaviour)
            .rejected_recipients
            .push(pattern.to_owned());
    }

    /// Answers `451` to every MAIL FROM while `on`.
    pub fn fail_temporarily(&self, on: bool) {
        lock(&self.shared.behaviour).temporary_failure = on;
    }

    /// Closes the listener and every connection: connections are refused.
    pub fn go_down(&self) {
        if let Some(token) = lock(&self.shared.running).take() {
            token.cancel();
        }
    }

    /// Listens again on the same port.
    pub async fn come_back(&self) -> std::io::Result<()> {
        let listener = TcpListener::bind(self.address).await?;
        self.serve(listener);
        Ok(())
    }

    fn serve(&self, listener: TcpListener) {
        let token = CancellationToken::new();
        if let Some(previous) = lock(&self.shared.running).replace(token.clone()) {
            previous.cancel();
        }
        let shared = Arc::clone(&self.shared);
        tokio::spawn(async move {
            loop {
                tokio::select! {
                    () = token.cancelled() => break,
                    accepted = listener.accept() => {
                        let Ok((stream, _)) = accepted else { continue };
                        let shared = Arc::clone(&shared);
                        let token = token.clone();
                        tokio::spawn(async move {
                            tokio::select! {
                                () = token.cancelled() => {}
                                _ = session(stream, shared) => {}
                            }
                        });
                    }
                }
            }
            // The listener is dropped here: new connections are refused.
        });
    }
}

impl Drop for TestSmtpServer {
    fn drop(&mut self) {
        self.go_down();
    }
}

async fn session(stream: TcpStream, shared: Arc<Shared>) -> std::io::Result<()> {
    let (reader, mut writer) = stream.into_split();
    let mut lines = BufReader::new(reader);
    writer
        .write_all(b"220 localhost laissez test SMTP ready\r\n")
        .await?;
    let mut mail_from: Option<String> = None;
    let mut recipients: Vec<String> = Vec::new();
    let mut authenticated_as: Option<String> = None;
    let mut line = String::new();
    loop {
        line.clear();
        if lines.read_line(&mut line).await? == 0 {
            return Ok(());
        }
        let command = line.trim_end_matches(['\r', '\n']);
        let verb = command
            .split_whitespace()
            .next()
            .unwrap_or_default()
            .to_ascii_uppercase();
        let argument = command.get(verb.len()..).unwrap_or_default().trim();
        let reply: String = match verb.as_str() {
            "EHLO" => "250-localhost\r\n250-8BITMIME\r\n250-SMTPUTF8\r\n250-AUTH PLAIN\r\n250 SIZE 20971520".into(),
            "HELO" => "250 localhost".into(),
            "AUTH" => match plain_user(argument) {
                Some(user) => {
                    authenticated_as = Some(user);
                    "235 2.7.0 authenticated".into()
                }
                None => "535 5.7.8 authentication failed".into(),
            },
            "NOOP" => "250 2.0.0 ok".into(),
            "RSET" => {
                mail_from = None;
                recipients.clear();
                "250 2.0.0 ok".into()
            }
            "QUIT" => {
                writer.write_all(b"221 2.0.0 bye\r\n").await?;
                return Ok(());
            }
            "MAIL" => {
                if lock(&shared.behaviour).temporary_failure {
                    "451 4.3.0 try again later".into()
                } else {
                    mail_from = Some(address_of(argument));
                    recipients.clear();
                    "250 2.1.0 ok".into()
                }
            }
            "RCPT" => {
                let recipient = address_of(argument);
                let rejected = lock(&shared.behaviour)
                    .rejected_recipients
                    .iter()
                    .any(|pattern| recipient.contains(pattern.as_str()));
                if mail_from.is_none() {
                    "503 5.5.1 need MAIL first".into()
                } else if rejected {
                    "550 5.1.1 mailbox unavailable".into()
                } else {
                    recipients.push(recipient);
                    "250 2.1.5 ok".into()
                }
            }
            "DATA" => {
                if mail_from.is_none() || recipients.is_empty() {
                    "503 5.5.1 need MAIL and RCPT first".into()
                } else {
                    writer.write_all(b"354 end with <CRLF>.<CRLF>\r\n").await?;
                    let data = read_data(&mut lines).await?;
                    let mut received = lock(&shared.received);
                    received.push(ReceivedEmail {
                        mail_from: mail_from.take().unwrap_or_default(),
                        recipients: std::mem::take(&mut recipients),
                        data,
                        authenticated_as: authenticated_as.clone(),
                    });
                    format!("250 2.0.0 queued as {}", received.len())
                }
            }
            _ => "502 5.5.2 command unrecognized".into(),
        };
        writer.write_all(format!("{reply}\r\n").as_bytes()).await?;
    }
}

async fn read_data<R: AsyncBufReadExt + Unpin>(lines: &mut R) -> std::io::Result<String> {
    let mut data = Vec::new();
    let mut line = String::new();
    loop {
        line.clear();
        if lines.read_line(&mut line).await? == 0 {
            break;
        }
        let content = line.trim_end_matches(['\r', '\n']);
        if content == "." {
            break;
        }
        data.push(content.strip_prefix('.').unwrap_or(content).to_owned());
    }
    Ok(data.join("\r\n"))
}

/// `PLAIN <base64(authzid NUL user NUL password)>` → the user, when a password is given.
fn plain_user(argument: &str) -> Option<String> {
    use base64::Engine;
    let mut words = argument.split_whitespace();
    if !words.next()?.eq_ignore_ascii_case("PLAIN") {
        return None;
    }
    let decoded = base64::engine::general_purpose::STANDARD
        .decode(words.next()?)
        .ok()?;
    let mut fields = decoded.split(|byte| *byte == 0).skip(1);
    let user = String::from_utf8(fields.next()?.to_vec()).ok()?;
    let password = fields.next()?;
    (!user.is_empty() && !password.is_empty()).then_some(user)
}

/// `FROM:<a@b> BODY=8BITMIME` → `a@b`.
fn address_of(argument: &str) -> String {
    let start = argument.find('<').map_or(0, |index| index + 1);
    let end = argument.find('>').unwrap_or(argument.len());
    argument.get(start..end).unwrap_or_default().to_owned()
}
