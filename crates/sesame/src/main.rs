//! The `sesame` binary: `serve` runs the identity server; `app create` and `user create`
//! provision it from scripts (JSON on stdout). Every flag also reads a `SESAME_*` variable.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use anyhow::{Context, Result};
use clap::{Args, Parser, Subcommand, ValueEnum};
use serde_json::json;
use sesame_core::clock::{Clock, SystemClock};
use sesame_core::crypto::password::PasswordHasherPool;
use sesame_core::model::ApplicationType;
use sesame_core::manage::seed::ensure_management_api;
use sesame_core::provider::{Provider, DEFAULT_MANAGEMENT_API};
use sesame_core::provision::{self, NewApplication, NewUserInput};
use sesame_connectors::DiscordEndpoints;
use sesame_core::store::Store;

const GC_INTERVAL: Duration = Duration::from_secs(600);
/// How often a node picks up signing keys rotated on another node; rotation grace periods
/// must exceed it.
const KEY_RELOAD_INTERVAL: Duration = Duration::from_secs(30);

#[derive(Parser)]
#[command(name = "sesame", version, about = "A Logto-compatible identity server")]
struct Cli {
    #[command(flatten)]
    database: DatabaseArgs,
    #[command(subcommand)]
    command: Command,
}

#[derive(Args)]
struct DatabaseArgs {
    /// Directory of the embedded SQLite database.
    #[arg(long, global = true, env = "SESAME_DATA_DIR", default_value = "./sesame-data")]
    data_dir: PathBuf,
    /// `sqlite://…` or `postgres://…`; overrides --data-dir.
    #[arg(long, global = true, env = "SESAME_DATABASE_URL")]
    database_url: Option<String>,
}

#[derive(Subcommand)]
enum Command {
    /// Run the server.
    Serve(ServeArgs),
    /// Manage applications.
    App {
        #[command(subcommand)]
        command: AppCommand,
    },
    /// Manage users.
    User {
        #[command(subcommand)]
        command: UserCommand,
    },
    /// Apply database migrations and exit.
    Migrate,
}

#[derive(Args)]
struct ServeArgs {
    #[arg(long, env = "SESAME_LISTEN", default_value = "127.0.0.1:3001")]
    listen: SocketAddr,
    /// Public base URL; the issuer is `{endpoint}/oidc`.
    #[arg(long, env = "SESAME_ENDPOINT", default_value = "http://localhost:3001")]
    endpoint: String,
    /// Log format.
    #[arg(long, env = "SESAME_LOG_FORMAT", value_enum, default_value_t = LogFormat::Text)]
    log_format: LogFormat,
    /// Base URL replacing `https://email.{region}.amazonaws.com` for the AWS SES connector
    /// (regional or private endpoints, test doubles).
    #[arg(long, env = "SESAME_SES_ENDPOINT")]
    ses_endpoint: Option<url::Url>,
    /// Base URL replacing `https://discord.com/` for the Discord connector.
    #[arg(long, env = "SESAME_DISCORD_ENDPOINT")]
    discord_endpoint: Option<url::Url>,
}

#[derive(Clone, Copy, ValueEnum)]
enum LogFormat {
    Text,
    Json,
}

#[derive(Subcommand)]
enum AppCommand {
    /// Create an application; prints `{"id", "secret"}`.
    Create {
        #[arg(long)]
        name: String,
        #[arg(long = "type", value_enum)]
        app_type: AppTypeArg,
        #[arg(long = "redirect-uri")]
        redirect_uris: Vec<String>,
        #[arg(long = "post-logout-redirect-uri")]
        post_logout_redirect_uris: Vec<String>,
        /// Give a machine-to-machine app the "Logto Management API access" role.
        #[arg(long)]
        management_api: bool,
    },
}

#[derive(Clone, Copy, ValueEnum)]
enum AppTypeArg {
    Traditional,
    Spa,
    Native,
    MachineToMachine,
}

impl From<AppTypeArg> for ApplicationType {
    fn from(arg: AppTypeArg) -> Self {
        match arg {
            AppTypeArg::Traditional => Self::Traditional,
            AppTypeArg::Spa => Self::Spa,
            AppTypeArg::Native => Self::Native,
            AppTypeArg::MachineToMachine => Self::MachineToMachine,
        }
    }
}

#[derive(Subcommand)]
enum UserCommand {
    /// Create a user; prints `{"id"}`.
    Create {
        #[arg(long)]
        username: Option<String>,
        #[arg(long)]
        password: Option<String>,
        #[arg(long)]
        email: Option<String>,
        #[arg(long)]
        phone: Option<String>,
        #[arg(long)]
        name: Option<String>,
    },
}

#[tokio::main]
async fn main() -> Result<()> {
    let cli = Cli::parse();
    match cli.command {
        Command::Serve(args) => serve(&cli.database, args).await,
        Command::App { command } => create_app(&cli.database, command).await,
        Command::User { command } => create_user(&cli.database, command).await,
        Command::Migrate => open_store(&cli.database).await.map(|_| ()),
    }
}

async fn open_store(database: &DatabaseArgs) -> Result<Arc<dyn Store>> {
    let url = match &database.database_url {
        Some(url) => url.clone(),
        None => {
            std::fs::create_dir_all(&database.data_dir)
                .with_context(|| format!("cannot create data directory {}", database.data_dir.display()))?;
            sesame_store::sqlite_url_for_dir(&database.data_dir)
        }
    };
    sesame_store::connect(&url).await.context("cannot open the database")
}

fn init_logging(format: LogFormat) {
    let filter = tracing_subscriber::EnvFilter::try_from_env("SESAME_LOG")
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info"));
    let builder = tracing_subscriber::fmt().with_env_filter(filter).with_writer(std::io::stderr);
    match format {
        LogFormat::Text => builder.init(),
        LogFormat::Json => builder.json().init(),
    }
}

async fn serve(database: &DatabaseArgs, args: ServeArgs) -> Result<()> {
    init_logging(args.log_format);
    let store = open_store(database).await?;
    let clock: Arc<dyn Clock> = Arc::new(SystemClock);
    let mut provider = Provider::start(store.clone(), clock.clone(), &args.endpoint).await?;
    if let Some(base) = args.ses_endpoint {
        provider.connector_options = provider.connector_options.with_ses_base_url(base);
    }
    if let Some(base) = &args.discord_endpoint {
        provider.connector_options = provider.connector_options.with_discord_endpoints(DiscordEndpoints::under(base)?);
    }
    let provider = Arc::new(provider);
    let listener = tokio::net::TcpListener::bind(args.listen)
        .await
        .with_context(|| format!("cannot listen on {}", args.listen))?;
    // The decoy hash (one Argon2i, tens of milliseconds) is computed while already serving.
    let warming = provider.clone();
    tokio::spawn(async move {
        if let Err(err) = warming.passwords.warm_up().await {
            tracing::warn!(error = %err, "computing the decoy password hash failed");
        }
    });
    tracing::info!(listen = %args.listen, issuer = %provider.issuer, "sesame is serving");
    tokio::spawn(collect_garbage(store, clock));
    tokio::spawn(reload_keys(provider.clone()));
    sesame_server::serve(listener, sesame_server::AppState::new(provider), shutdown_signal()).await?;
    tracing::info!("sesame stopped");
    Ok(())
}

/// Expired codes, tokens, sessions and interactions are deleted so the database stays bounded.
async fn collect_garbage(store: Arc<dyn Store>, clock: Arc<dyn Clock>) {
    let mut ticks = tokio::time::interval(GC_INTERVAL);
    loop {
        ticks.tick().await;
        match store.purge_expired(clock.now_ms()).await {
            Ok(purged) => tracing::debug!(purged, "expired artifacts purged"),
            Err(err) => tracing::warn!(error = %err, "purging expired artifacts failed"),
        }
    }
}

async fn reload_keys(provider: Arc<Provider>) {
    let mut ticks = tokio::time::interval(KEY_RELOAD_INTERVAL);
    loop {
        ticks.tick().await;
        if let Err(err) = provider.keys.reload(provider.store.as_ref()).await {
            tracing::warn!(error = %err, "reloading signing keys failed");
        }
    }
}

async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut signal) => {
                signal.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => {},
        () = terminate => {},
    }
}

fn api_error(err: sesame_core::error::ApiError) -> anyhow::Error {
    anyhow::anyhow!("{}: {}", err.code, err.message)
}

async fn create_app(database: &DatabaseArgs, command: AppCommand) -> Result<()> {
    let AppCommand::Create { name, app_type, redirect_uris, post_logout_redirect_uris, management_api } = command;
    if management_api && !matches!(app_type, AppTypeArg::MachineToMachine) {
        anyhow::bail!("--management-api needs --type machine-to-machine");
    }
    let store = open_store(database).await?;
    let now = SystemClock.now_ms();
    let new = NewApplication { name, app_type: app_type.into(), redirect_uris, post_logout_redirect_uris };
    let (app, secret) = provision::create_application(store.as_ref(), new, now).await.map_err(api_error)?;
    if management_api {
        let role = ensure_management_api(store.as_ref(), DEFAULT_MANAGEMENT_API, now).await?;
        store.add_application_roles(&app.id, &[role]).await?;
    }
    let mut output = json!({ "id": app.id });
    if let Some(secret) = secret {
        output["secret"] = json!(secret);
    }
    println!("{output}");
    Ok(())
}

async fn create_user(database: &DatabaseArgs, command: UserCommand) -> Result<()> {
    let UserCommand::Create { username, password, email, phone, name } = command;
    let store = open_store(database).await?;
    let input = NewUserInput { username, password, email, phone, name };
    let user = provision::create_user(store.as_ref(), &PasswordHasherPool::new(1), input, SystemClock.now_ms())
        .await
        .map_err(api_error)?;
    println!("{}", json!({ "id": user.id }));
    Ok(())
}
