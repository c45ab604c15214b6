//! Exchanges and queues, declared idempotently on every (re)connect.
//!
//! ```text
//! <exchange> (topic) ──binding keys──► <exchange>.<consumer>       quorum, x-delivery-limit
//!                                         │ reject / limit reached
//!                                         ▼
//! <exchange>.dlx (direct) ──<queue>──► <exchange>.<consumer>.dlq
//!
//! transient handler error: republish to <queue>.retry.<n> (TTL = backoff n),
//! which dead-letters back to <queue> through the default exchange.
//! ```
//! Every name derives from the exchange name, so a test that picks a unique
//! exchange is isolated from every other test on the same broker.

use lapin::options::{
    ExchangeDeclareOptions, ExchangeDeleteOptions, QueueBindOptions, QueueDeclareOptions,
    QueueDeleteOptions,
};
use lapin::types::{AMQPValue, FieldTable, LongString};
use lapin::{Channel, ExchangeKind};

use crate::config::EventBusConfig;
use crate::error::Error;

/// The queues that belong to one consumer.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ConsumerQueues {
    /// Where the consumer reads from.
    pub main: String,
    /// Where messages end that could not be processed.
    pub dead_letter: String,
    /// Delay queues, one per configured backoff step.
    pub retry: Vec<String>,
}

impl ConsumerQueues {
    pub fn for_consumer(config: &EventBusConfig, consumer: &str) -> Self {
        let main = format!("{}.{consumer}", config.exchange);
        Self {
            dead_letter: format!("{main}.dlq"),
            retry: (0..config.retry_levels())
                .map(|level| format!("{main}.retry.{level}"))
                .collect(),
            main,
        }
    }
}

/// Name of the dead-letter exchange that goes with `config.exchange`.
pub fn dead_letter_exchange(config: &EventBusConfig) -> String {
    format!("{}.dlx", config.exchange)
}

/// Declares the event exchange and its dead-letter exchange.
pub async fn declare_exchanges(channel: &Channel, config: &EventBusConfig) -> Result<(), Error> {
    let durable = ExchangeDeclareOptions {
        durable: true,
        ..ExchangeDeclareOptions::default()
    };
    channel
        .exchange_declare(
            config.exchange.as_str().into(),
            ExchangeKind::Topic,
            durable,
            FieldTable::default(),
        )
        .await?;
    channel
        .exchange_declare(
            dead_letter_exchange(config).into(),
            ExchangeKind::Direct,
            durable,
            FieldTable::default(),
        )
        .await?;
    Ok(())
}

/// Declares a consumer's main, retry and dead-letter queues and binds the
/// main queue to `binding_keys` (topic patterns such as `intake.case.*`).
pub async fn declare_consumer(
    channel: &Channel,
    config: &EventBusConfig,
    consumer: &str,
    binding_keys: &[String],
) -> Result<ConsumerQueues, Error> {
    declare_exchanges(channel, config).await?;
    let queues = ConsumerQueues::for_consumer(config, consumer);
    let durable = QueueDeclareOptions {
        durable: true,
        ..QueueDeclareOptions::default()
    };

    let mut dead_letter_arguments = FieldTable::default();
    dead_letter_arguments.insert("x-queue-type".into(), text("quorum"));
    channel
        .queue_declare(
            queues.dead_letter.as_str().into(),
            durable,
            dead_letter_arguments,
        )
        .await?;
    channel
        .queue_bind(
            queues.dead_letter.as_str().into(),
            dead_letter_exchange(config).into(),
            queues.main.as_str().into(),
            QueueBindOptions::default(),
            FieldTable::default(),
        )
        .await?;

    let mut main_arguments = FieldTable::default();
    main_arguments.insert("x-queue-type".into(), text("quorum"));
    main_arguments.insert(
        "x-delivery-limit".into(),
        AMQPValue::LongLongInt(i64::from(config.delivery_limit)),
    );
    main_arguments.insert(
        "x-dead-letter-exchange".into(),
        text(&dead_letter_exchange(config)),
    );
    main_arguments.insert("x-dead-letter-routing-key".into(), text(&queues.main));
    channel
        .queue_declare(queues.main.as_str().into(), durable, main_arguments)
        .await?;
    for binding_key in binding_keys {
        channel
            .queue_bind(
                queues.main.as_str().into(),
                config.exchange.as_str().into(),
                binding_key.as_str().into(),
                QueueBindOptions::default(),
                FieldTable::default(),
            )
            .await?;
    }

    for (level, retry_queue) in queues.retry.iter().enumerate() {
        let delay_ms = config.retry_delay(u32::try_from(level + 1).unwrap_or(u32::MAX));
        let mut retry_arguments = FieldTable::default();
        retry_arguments.insert(
            "x-message-ttl".into(),
            AMQPValue::LongLongInt(i64::try_from(delay_ms.as_millis()).unwrap_or(i64::MAX)),
        );
        // Expired messages go back to the main queue by the default exchange.
        retry_arguments.insert("x-dead-letter-exchange".into(), text(""));
        retry_arguments.insert("x-dead-letter-routing-key".into(), text(&queues.main));
        channel
            .queue_declare(retry_queue.as_str().into(), durable, retry_arguments)
            .await?;
    }
    Ok(queues)
}

/// Deletes a consumer's queues (tests and decommissioning).
pub async fn delete_consumer(
    channel: &Channel,
    config: &EventBusConfig,
    consumer: &str,
) -> Result<(), Error> {
    let queues = ConsumerQueues::for_consumer(config, consumer);
    for queue in std::iter::once(&queues.main)
        .chain(queues.retry.iter())
        .chain(std::iter::once(&queues.dead_letter))
    {
        channel
            .queue_delete(queue.as_str().into(), QueueDeleteOptions::default())
            .await?;
    }
    Ok(())
}

/// Deletes the event exchange and its dead-letter exchange.
pub async fn delete_exchanges(channel: &Channel, config: &EventBusConfig) -> Result<(), Error> {
    for exchange in [config.exchange.clone(), dead_letter_exchange(config)] {
        channel
            .exchange_delete(exchange.into(), ExchangeDeleteOptions::default())
            .await?;
    }
    Ok(())
}

/// Declares consumers' queues and bindings ahead of their consumers, on a
/// connection of its own: a test that starts publishers and consumers
/// together declares them first, so no event published before a consumer
/// has bound its queue is dropped as unroutable (deployed queues are
/// durable and outlive restarts, so only a first start has that race).
pub async fn declare_consumers(
    config: &EventBusConfig,
    consumers: &[(&str, &[&str])],
) -> Result<(), Error> {
    let connection = crate::broker::connect(config, "laissez-topology-setup").await?;
    let channel = connection.create_channel().await?;
    for (consumer, bindings) in consumers {
        let keys: Vec<String> = bindings.iter().map(|key| (*key).to_owned()).collect();
        declare_consumer(&channel, config, consumer, &keys).await?;
    }
    let _ = connection.close(200, "topology declared".into()).await;
    Ok(())
}

/// Deletes `consumers`' queues and the exchanges of `config` over a
/// connection of its own: tests and benchmarks that named their own topology
/// remove it when they stop, so the broker does not collect their quorum
/// queues.
pub async fn remove(config: &EventBusConfig, consumers: &[&str]) -> Result<(), Error> {
    let connection = crate::broker::connect(config, "laissez-topology-cleanup").await?;
    let channel = connection.create_channel().await?;
    for consumer in consumers {
        delete_consumer(&channel, config, consumer).await?;
    }
    delete_exchanges(&channel, config).await?;
    let _ = connection.close(200, "topology removed".into()).await;
    Ok(())
}

fn text(value: &str) -> AMQPValue {
    AMQPValue::LongString(LongString::from(value.to_owned()))
}
