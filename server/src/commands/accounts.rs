//! The operator's account commands: `add-technician`, `api-key` and `group`. Each opens the
//! database only for its own work ([`with_database`]).

use std::io::{BufRead, IsTerminal};

use anyhow::Context;
use clap::Subcommand;
use lens_server::accounts::api_keys;
use lens_server::accounts::groups::{self, GroupChange, Permission};
use lens_server::accounts::technicians::{self, Upserted};
use lens_server::flow::access;

use crate::{DatabaseArg, with_database};

#[derive(clap::Args)]
pub(crate) struct AddTechnicianArgs {
    #[arg(long, env = "LENS_TECHNICIAN_EMAIL")]
    email: String,
    /// The name customers see.
    #[arg(long, env = "LENS_TECHNICIAN_NAME")]
    name: String,
    /// The password (visible in the process list; prefer --password-stdin).
    #[arg(
        long,
        env = "LENS_TECHNICIAN_PASSWORD",
        // Never print the secret in --help.
        hide_env_values = true,
        conflicts_with = "password_stdin"
    )]
    password: Option<String>,
    /// Read the password from the first line of standard input.
    #[arg(long, env = "LENS_PASSWORD_STDIN")]
    password_stdin: bool,
    /// The technician's group, by name or id (new accounts: the Default group).
    #[arg(long, env = "LENS_TECHNICIAN_GROUP")]
    group: Option<String>,
    /// Make the technician an admin (manages groups and technicians).
    #[arg(long, conflicts_with = "no_admin")]
    admin: bool,
    /// Take the admin role away.
    #[arg(long)]
    no_admin: bool,
    #[command(flatten)]
    database: DatabaseArg,
}

#[derive(Subcommand)]
pub(crate) enum ApiKeyCommand {
    /// Create a key and print it; it is shown only this once (the database keeps its hash).
    Create {
        /// Who uses the key, e.g. the chat system's name.
        #[arg(long)]
        name: String,
        /// A technician group (name or id) whose technicians the key may act for; repeat
        /// for several. The key acts for nobody else.
        #[arg(long = "group", value_name = "GROUP", required = true)]
        groups: Vec<String>,
        #[command(flatten)]
        database: DatabaseArg,
    },
    /// Let a key also act for the technicians of more groups (keys made before keys had
    /// groups act for nobody until scoped).
    Scope {
        #[arg(long)]
        name: String,
        #[arg(long = "group", value_name = "GROUP", required = true)]
        groups: Vec<String>,
        #[command(flatten)]
        database: DatabaseArg,
    },
    /// List the keys (names, dates and groups, never the keys).
    List {
        #[command(flatten)]
        database: DatabaseArg,
    },
    /// Revoke a key: requests with it are refused from now on.
    Revoke {
        #[arg(long)]
        name: String,
        #[command(flatten)]
        database: DatabaseArg,
    },
}

#[derive(Subcommand)]
pub(crate) enum GroupCommand {
    /// Create a group (every permission unless --permissions says otherwise).
    Add(GroupAddArgs),
    /// List the groups with their permissions and timeouts.
    List(GroupListArgs),
    /// Change a group's name, permissions or timeouts.
    Set(GroupSetArgs),
}

#[derive(clap::Args)]
pub(crate) struct GroupSettings {
    /// Comma-separated permissions the group has: start_lens_sessions,
    /// start_private_sessions, use_pin, use_email, use_link, invite_technicians
    /// (an empty value: none).
    #[arg(long, value_name = "LIST")]
    permissions: Option<String>,
    /// PIN validity in seconds (0: the server's --pin-ttl-secs).
    #[arg(long)]
    pin_ttl_secs: Option<i64>,
    /// How long a customer may wait for Start, in seconds (0: the server's setting).
    #[arg(long)]
    waiting_timeout_secs: Option<i64>,
    /// How long a session may stay on hold, in seconds (0: the server's setting).
    #[arg(long)]
    idle_timeout_secs: Option<i64>,
}

#[derive(clap::Args)]
pub(crate) struct GroupAddArgs {
    name: String,
    #[command(flatten)]
    settings: GroupSettings,
    #[command(flatten)]
    database: DatabaseArg,
}

#[derive(clap::Args)]
pub(crate) struct GroupListArgs {
    #[command(flatten)]
    database: DatabaseArg,
}

#[derive(clap::Args)]
pub(crate) struct GroupSetArgs {
    /// The group's name or id.
    group: String,
    /// A new name.
    #[arg(long)]
    rename: Option<String>,
    #[command(flatten)]
    settings: GroupSettings,
    #[command(flatten)]
    database: DatabaseArg,
}

pub(crate) async fn add_technician(args: AddTechnicianArgs) -> anyhow::Result<()> {
    let password = match (args.password, args.password_stdin) {
        (Some(password), false) => password,
        (None, true) => read_password_from_stdin()?,
        (None, false) => anyhow::bail!("give the password with --password or --password-stdin"),
        (Some(_), true) => unreachable!("clap refuses both"),
    };
    let admin = match (args.admin, args.no_admin) {
        (true, _) => Some(true),
        (_, true) => Some(false),
        _ => None,
    };
    let outcome = with_database(&args.database, async |db| {
        let group = match &args.group {
            Some(name) => Some(groups::find(db, name).await?.with_context(|| {
                format!("there is no group {name:?} (see `lens-server group list`)")
            })?),
            None => None,
        };
        // The explicit create-or-reset of the operator; the address is matched in any case.
        let (id, outcome) = technicians::upsert(db, &args.email, &args.name, &password).await?;
        access::assign(db, id, group.as_ref().map(|g| g.id.as_str()), admin).await?;
        Ok(outcome)
    })
    .await?;
    let email = technicians::normalized_email(&args.email);
    match outcome {
        Upserted::Created => println!("Technician {email} created."),
        Upserted::PasswordReset => {
            println!("Technician {email} updated: new password set, signed out everywhere.")
        }
    }
    Ok(())
}

pub(crate) async fn api_key(command: ApiKeyCommand) -> anyhow::Result<()> {
    match command {
        ApiKeyCommand::Create {
            name,
            groups,
            database,
        } => {
            let key = with_database(&database, async |db| {
                api_keys::create(db, &name, &groups).await
            })
            .await?;
            println!(
                "API key {:?} created. It is shown only this once:",
                name.trim()
            );
            println!("{key}");
        }
        ApiKeyCommand::List { database } => {
            let keys = with_database(&database, async |db| api_keys::list(db).await).await?;
            for key in keys {
                let state = if key.revoked_at.is_some() {
                    "revoked"
                } else {
                    "live"
                };
                // A key without groups is refused for every agent; say so where it is seen.
                let groups = if key.groups.is_empty() {
                    "no groups: acts for nobody (api-key scope)".to_owned()
                } else {
                    format!("groups {}", key.groups.join(", "))
                };
                println!(
                    "{}\t{state}\tcreated {}\t{groups}",
                    key.name, key.created_at
                );
            }
        }
        ApiKeyCommand::Scope {
            name,
            groups,
            database,
        } => {
            let scoped = with_database(&database, async |db| {
                api_keys::scope(db, &name, &groups).await
            })
            .await?;
            anyhow::ensure!(scoped, "there is no live API key named {:?}", name.trim());
            println!(
                "API key {:?} now also acts for {}.",
                name.trim(),
                groups.join(", ")
            );
        }
        ApiKeyCommand::Revoke { name, database } => {
            let revoked =
                with_database(&database, async |db| api_keys::revoke(db, &name).await).await?;
            anyhow::ensure!(revoked, "there is no live API key named {:?}", name.trim());
            println!("API key {:?} revoked.", name.trim());
        }
    }
    Ok(())
}

fn read_password_from_stdin() -> anyhow::Result<String> {
    let stdin = std::io::stdin();
    if stdin.is_terminal() {
        eprint!("Password: ");
    }
    let mut line = String::new();
    stdin
        .lock()
        .read_line(&mut line)
        .context("reading the password from standard input")?;
    Ok(line.trim_end_matches(['\r', '\n']).to_owned())
}

fn group_change(settings: &GroupSettings, name: Option<String>) -> anyhow::Result<GroupChange> {
    let permissions = settings
        .permissions
        .as_deref()
        .map(|list| {
            list.split(',')
                .filter(|p| !p.trim().is_empty())
                .map(|p| {
                    Permission::parse(p).with_context(|| {
                        let known: Vec<_> = Permission::ALL.iter().map(|p| p.name()).collect();
                        format!("unknown permission {p:?}; known: {}", known.join(", "))
                    })
                })
                .collect::<anyhow::Result<Vec<_>>>()
        })
        .transpose()?;
    // 0 means "the server's setting", stored as no value.
    let timeout = |secs: Option<i64>| secs.map(|s| (s != 0).then_some(s));
    Ok(GroupChange {
        name,
        permissions,
        pin_ttl_secs: timeout(settings.pin_ttl_secs),
        waiting_timeout_secs: timeout(settings.waiting_timeout_secs),
        idle_timeout_secs: timeout(settings.idle_timeout_secs),
        // Relay-only is set in the admin area, where the server knows whether a TURN server
        // is configured (without one, a relay-only call cannot connect).
        relay_only: None,
        // The External tab's options are set in the admin area with the approved list.
        invite_approved: None,
        invite_unlisted: None,
    })
}

pub(crate) async fn group_command(command: GroupCommand) -> anyhow::Result<()> {
    match command {
        GroupCommand::Add(args) => {
            let change = group_change(&args.settings, Some(args.name))?;
            let group = with_database(&args.database, async |db| {
                Ok(groups::create(db, &change).await?)
            })
            .await?;
            print_group(&group);
        }
        GroupCommand::List(args) => {
            let list = with_database(&args.database, async |db| groups::list(db).await).await?;
            for group in list {
                print_group(&group);
            }
        }
        GroupCommand::Set(args) => {
            let change = group_change(&args.settings, args.rename)?;
            let group = with_database(&args.database, async |db| {
                let group = groups::find(db, &args.group)
                    .await?
                    .with_context(|| format!("there is no group {:?}", args.group))?;
                Ok(groups::update(db, &group.id, &change).await?)
            })
            .await?;
            print_group(&group);
        }
    }
    Ok(())
}

/// One line per group: name, id, permissions, timeouts (scripts read it too).
fn print_group(group: &groups::Group) {
    let permissions: Vec<_> = group.permissions.iter().map(|p| p.name()).collect();
    let secs = |s: Option<i64>| s.map_or("server".to_owned(), |s| format!("{s}s"));
    println!(
        "{}\tid={}\tpermissions={}\tpin_ttl={}\twaiting_timeout={}\tidle_timeout={}",
        group.name,
        group.id,
        permissions.join(","),
        secs(group.pin_ttl_secs),
        secs(group.waiting_timeout_secs),
        secs(group.idle_timeout_secs),
    );
}
