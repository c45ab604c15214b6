use laissez_intake::config::Config;
use laissez_intake::startup::Application;

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let Some(runtime) = laissez_kit::app::start::<Config>("intake")? else {
        return Ok(());
    };
    if runtime.migrate_only {
        let schemas = laissez_intake::startup::schemas();
        laissez_kit::db::migrate_only(&runtime.config.common.database, &schemas).await?;
        return Ok(());
    }
    let application = Application::build(runtime.config, runtime.shutdown).await?;
    application.run_until_stopped().await
}
