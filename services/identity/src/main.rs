use laissez_identity::config::Config;
use laissez_identity::startup::Application;

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let Some(runtime) = laissez_kit::app::start::<Config>("identity")? else {
        return Ok(());
    };
    if runtime.migrate_only {
        let schemas = laissez_identity::startup::schemas();
        laissez_kit::db::migrate_only(&runtime.config.common.database, &schemas).await?;
        return Ok(());
    }
    let application = Application::build(runtime.config, runtime.shutdown).await?;
    application.run_until_stopped().await
}
