use laissez_review::config::Config;
use laissez_review::startup::Application;

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let Some(runtime) = laissez_kit::app::start::<Config>("review")? else {
        return Ok(());
    };
    if runtime.migrate_only {
        let schemas = laissez_review::startup::schemas();
        laissez_kit::db::migrate_only(&runtime.config.common.database, &schemas).await?;
        return Ok(());
    }
    let application = Application::build(runtime.config, runtime.shutdown).await?;
    application.run_until_stopped().await
}
