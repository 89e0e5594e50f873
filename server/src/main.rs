//! The `lens-server` command: `serve` runs the server, `add-technician` creates an account
//! or resets its password (and sets its group and admin role), `group` manages technician
//! groups, `api-key` manages the hand-off API's keys, `openapi` prints the hand-off API's
//! description. The commands themselves are in `commands/`.

mod commands;

use clap::{Parser, Subcommand};
use lens_server::config::DEFAULT_DATABASE_URL;
use lens_server::store::Db;
use tracing_subscriber::EnvFilter;

use commands::accounts::{self, AddTechnicianArgs, ApiKeyCommand, GroupCommand};
use commands::serve::{self, ServeArgs};

#[derive(Parser)]
#[command(
    name = "lens-server",
    version,
    about = "Lens visual remote support: session server and technician console"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Run the server and the technician console.
    // Boxed: the server's flags make it far larger than the other commands.
    Serve(Box<ServeArgs>),
    /// Create a technician account, or set a new name and password for an existing one.
    AddTechnician(AddTechnicianArgs),
    /// Manage the API keys of chat and contact-centre systems (the hand-off API).
    #[command(subcommand)]
    ApiKey(ApiKeyCommand),
    /// Print the hand-off API's OpenAPI description (docs/handoff-openapi.json).
    Openapi,
    /// Technician groups: their permissions and timeouts.
    #[command(subcommand)]
    Group(GroupCommand),
}

#[derive(clap::Args)]
pub(crate) struct DatabaseArg {
    /// Database URL: `sqlite://path?mode=rwc` (the default, an embedded file) or
    /// `postgres://user@host/db`. Without the flag, `LENS_DATABASE_URL`, then the
    /// conventional `DATABASE_URL`, then the embedded default.
    #[arg(long = "database", env = "LENS_DATABASE_URL")]
    url: Option<String>,
}

impl DatabaseArg {
    pub(crate) fn url(&self) -> String {
        self.url
            .clone()
            .or_else(|| std::env::var("DATABASE_URL").ok().filter(|u| !u.is_empty()))
            .unwrap_or_else(|| DEFAULT_DATABASE_URL.to_owned())
    }
}

/// Opens the database for one account command, runs `work` and closes the database again
/// whatever the outcome, so the command's answer is printed with everything written.
async fn with_database<T>(
    database: &DatabaseArg,
    work: impl AsyncFnOnce(&Db) -> anyhow::Result<T>,
) -> anyhow::Result<T> {
    let db = lens_server::store::open(&database.url()).await?;
    let result = work(&db).await;
    db.close().await;
    result
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    tracing_subscriber::fmt()
        .with_env_filter(
            EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("info")),
        )
        // Logs go to stderr; stdout carries only what a person or a test script reads.
        .with_writer(std::io::stderr)
        .init();
    match Cli::parse().command {
        Command::Serve(args) => serve::serve(*args).await,
        Command::AddTechnician(args) => accounts::add_technician(args).await,
        Command::ApiKey(command) => accounts::api_key(command).await,
        Command::Openapi => {
            print!("{}", lens_server::http::handoff_api::openapi_json_text());
            Ok(())
        }
        Command::Group(command) => accounts::group_command(command).await,
    }
}
