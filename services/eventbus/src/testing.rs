//! Test support: a TCP fault-injection proxy that stands between the event
//! bus and RabbitMQ, so a test can simulate a broker outage without stopping
//! the broker that other tests share.
//!
//! `cut()` drops every proxied connection (both sides see the socket close,
//! so RabbitMQ requeues unacked deliveries exactly as if the broker had
//! restarted or the network had failed) and refuses new connections until
//! `restore()`.

use std::io;
use std::net::SocketAddr;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, PoisonError};

use tokio::net::{TcpListener, TcpStream};
use tokio::task::JoinHandle;
use tokio_util::sync::CancellationToken;

#[derive(Debug)]
struct ProxyState {
    upstream: String,
    accepting: AtomicBool,
    /// Cancelled by `cut()` and replaced, so connections made after a
    /// restore get a fresh token.
    connections: Mutex<CancellationToken>,
}

impl ProxyState {
    fn connections_token(&self) -> CancellationToken {
        self.connections
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .clone()
    }
}

/// A TCP proxy to the broker with a kill switch.
#[derive(Debug)]
pub struct FaultProxy {
    address: SocketAddr,
    state: Arc<ProxyState>,
    acceptor: JoinHandle<()>,
}

impl FaultProxy {
    /// Listens on an ephemeral local port and forwards to `upstream`
    /// (`host:port`).
    pub async fn start(upstream: impl Into<String>) -> io::Result<Self> {
        let listener = TcpListener::bind("127.0.0.1:0").await?;
        let address = listener.local_addr()?;
        let state = Arc::new(ProxyState {
            upstream: upstream.into(),
            accepting: AtomicBool::new(true),
            connections: Mutex::new(CancellationToken::new()),
        });
        let acceptor = tokio::spawn(accept_loop(listener, Arc::clone(&state)));
        Ok(Self {
            address,
            state,
            acceptor,
        })
    }

    /// Starts a proxy in front of the broker of `amqp_url`.
    pub async fn in_front_of(amqp_url: &str) -> io::Result<Self> {
        let upstream = authority_host_port(amqp_url).unwrap_or("127.0.0.1:5672");
        Self::start(upstream).await
    }

    pub fn address(&self) -> SocketAddr {
        self.address
    }

    /// `amqp_url` with its host and port replaced by the proxy's.
    pub fn proxied_url(&self, amqp_url: &str) -> String {
        match authority_host_port(amqp_url) {
            Some(host_port) => amqp_url.replacen(host_port, &self.address.to_string(), 1),
            None => amqp_url.to_owned(),
        }
    }

    /// Drops all connections and refuses new ones: the broker is "down".
    pub fn cut(&self) {
        self.state.accepting.store(false, Ordering::SeqCst);
        let mut connections = self
            .state
            .connections
            .lock()
            .unwrap_or_else(PoisonError::into_inner);
        connections.cancel();
        *connections = CancellationToken::new();
    }

    /// Accepts connections again: the broker is "back".
    pub fn restore(&self) {
        self.state.accepting.store(true, Ordering::SeqCst);
    }

    /// Drops the current connections but keeps accepting new ones, like a
    /// process that dies and is restarted at once.
    pub fn drop_connections(&self) {
        self.cut();
        self.restore();
    }
}

impl Drop for FaultProxy {
    fn drop(&mut self) {
        self.acceptor.abort();
        self.state.connections_token().cancel();
    }
}

async fn accept_loop(listener: TcpListener, state: Arc<ProxyState>) {
    loop {
        let Ok((client, _)) = listener.accept().await else {
            continue;
        };
        if !state.accepting.load(Ordering::SeqCst) {
            // Closing at once looks like a refused connection to the client.
            drop(client);
            continue;
        }
        let cut = state.connections_token();
        let upstream = state.upstream.clone();
        tokio::spawn(async move {
            let Ok(server) = TcpStream::connect(&upstream).await else {
                return;
            };
            forward(client, server, cut).await;
        });
    }
}

async fn forward(mut client: TcpStream, mut server: TcpStream, cut: CancellationToken) {
    let _ = client.set_nodelay(true);
    let _ = server.set_nodelay(true);
    tokio::select! {
        () = cut.cancelled() => {}
        _ = tokio::io::copy_bidirectional(&mut client, &mut server) => {}
    }
    // Both sockets are dropped here, closing both sides.
}

/// `host:port` of an `amqp://user:pass@host:port/vhost` URL.
fn authority_host_port(url: &str) -> Option<&str> {
    let rest = &url[url.find("://")? + 3..];
    let authority = &rest[..rest.find('/').unwrap_or(rest.len())];
    Some(authority.rsplit('@').next().unwrap_or(authority))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn host_and_port_are_found() {
        assert_eq!(
            authority_host_port("amqp://guest:guest@127.0.0.1:5672/%2f"),
            Some("127.0.0.1:5672")
        );
        assert_eq!(
            authority_host_port("amqp://rabbit:5672"),
            Some("rabbit:5672")
        );
    }
}
