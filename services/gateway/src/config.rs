//! The gateway's configuration.

use std::net::SocketAddr;

use laissez_kit::app::ServiceConfig;
use laissez_kit::config::CommonConfig;
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct HttpConfig {
    pub listen: SocketAddr,
    /// Largest request body accepted, checked before the body is read.
    pub max_body_bytes: usize,
}

/// gRPC addresses of the services the gateway calls.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ServicesConfig {
    pub identity: String,
    pub intake: String,
    pub review: String,
    pub payment: String,
    pub render: String,
    pub notify: String,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Config {
    #[serde(flatten)]
    pub common: CommonConfig,
    pub http: HttpConfig,
    pub services: ServicesConfig,
}

impl Default for Config {
    fn default() -> Self {
        Self {
            common: CommonConfig::for_service("gateway", 50060, 9080),
            http: HttpConfig {
                listen: SocketAddr::from(([127, 0, 0, 1], 8080)),
                max_body_bytes: 12 * 1024 * 1024,
            },
            services: ServicesConfig {
                identity: "http://127.0.0.1:50061".to_owned(),
                intake: "http://127.0.0.1:50062".to_owned(),
                review: "http://127.0.0.1:50063".to_owned(),
                payment: "http://127.0.0.1:50064".to_owned(),
                render: "http://127.0.0.1:50065".to_owned(),
                notify: "http://127.0.0.1:50066".to_owned(),
            },
        }
    }
}

impl ServiceConfig for Config {
    fn common(&self) -> &CommonConfig {
        &self.common
    }
}
