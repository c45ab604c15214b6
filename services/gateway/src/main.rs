use laissez_gateway::config::Config;
use laissez_gateway::startup::Application;

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let Some(runtime) = laissez_kit::app::start::<Config>("gateway")? else {
        return Ok(());
    };
    if runtime.migrate_only {
        tracing::info!("the gateway keeps no database: nothing to migrate");
        return Ok(());
    }
    let application = Application::build(runtime.config, runtime.shutdown).await?;
    application.run_until_stopped().await
}
