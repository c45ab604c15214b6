use laissez_render::config::Config;
use laissez_render::startup::Application;

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    // `laissez-render check|verify …` are offline tools; anything else runs the service.
    if let Some(code) = laissez_render::tools::run_if_asked()? {
        std::process::exit(code);
    }
    let Some(runtime) = laissez_kit::app::start::<Config>("render")? else {
        return Ok(());
    };
    if runtime.migrate_only {
        let schemas = laissez_render::startup::schemas();
        laissez_kit::db::migrate_only(&runtime.config.common.database, &schemas).await?;
        return Ok(());
    }
    let application = Application::build(runtime.config, runtime.shutdown).await?;
    application.run_until_stopped().await
}
