//! Redis connections: one multiplexed, self-reconnecting manager per service.

use crate::config::RedisConfig;

#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error("redis url is invalid: {0}")]
    Url(#[source] redis::RedisError),
    #[error("connecting to redis failed: {0}")]
    Connect(#[source] redis::RedisError),
}

pub async fn connect(config: &RedisConfig) -> Result<redis::aio::ConnectionManager, Error> {
    let client = redis::Client::open(config.url.expose()).map_err(Error::Url)?;
    let manager_config = redis::aio::ConnectionManagerConfig::new()
        .set_connection_timeout(Some(std::time::Duration::from_secs(2)))
        .set_response_timeout(Some(std::time::Duration::from_secs(2)))
        .set_number_of_retries(2);
    redis::aio::ConnectionManager::new_with_config(client, manager_config)
        .await
        .map_err(Error::Connect)
}
