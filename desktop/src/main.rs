//! `lens`: the desktop customer app, the reference shell over lens-engine. Without a command
//! it opens a window that draws the app model's screens (`window/`); `lens join
//! <PIN-or-link>` runs headless: it prints every state change, runs the synthetic camera and
//! microphone, and ends cleanly on Ctrl-C or when the technician ends.

mod cli;
mod eula_file;
mod locale;
mod prompt;
mod tutorial_file;
mod window;

use std::process::ExitCode;
use std::sync::Arc;
use std::time::Duration;

use clap::Parser;
use lens_core::session::{Ended, SessionEvent, SessionState};
use lens_core::signal::EndReason;
use lens_engine::media::list_devices;
use lens_engine::network_watch::AddressWatch;
use lens_engine::{Engine, EngineConfig};

use cli::{Cli, Command, JoinArgs};
use eula_file::EulaFile;
use prompt::Terminal;
use std::io::IsTerminal;

fn main() -> ExitCode {
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_env("LENS_LOG")
                .unwrap_or_else(|_| "warn".into()),
        )
        .with_writer(std::io::stderr)
        // Colours for a person at a terminal; plain lines in a file or a pipe.
        .with_ansi(std::io::stderr().is_terminal())
        .init();
    let cli = Cli::parse();
    let Some(Command::Join(args)) = cli.command else {
        return window::run(cli.window);
    };
    let runtime = match lens_engine::runtime::build() {
        Ok(runtime) => runtime,
        Err(e) => {
            eprintln!("lens: {e}");
            return ExitCode::FAILURE;
        }
    };
    let code = runtime.block_on(join(args));
    // The stdin command reader sits in a blocking read that only a new line would end;
    // everything that matters was closed by `join`, so do not wait for it.
    runtime.shutdown_background();
    code
}

async fn join(args: JoinArgs) -> ExitCode {
    if args.list_devices {
        print_devices();
        return ExitCode::SUCCESS;
    }
    let server = args.server_url();
    let config = match EngineConfig::new(
        server.clone(),
        &args.app.accept_host,
        args.app.media_config(),
    ) {
        Ok(mut config) => {
            config.session.connect_timeout = Duration::from_secs(args.app.connect_timeout_secs);
            config.session.media_reconnect_grace =
                Duration::from_secs(args.app.media_reconnect_grace_secs);
            config
        }
        Err(e) => {
            eprintln!("lens: {e}");
            return ExitCode::from(2);
        }
    };
    let store = match args.app.eula_path() {
        Some(path) => Arc::new(EulaFile::new(path)),
        None => {
            eprintln!(
                "lens: no home directory to remember the licence acceptance in; pass --eula-store"
            );
            return ExitCode::from(2);
        }
    };
    let engine = Engine::start(config, store);
    engine.set_microphone_muted(args.muted);
    let mut events = engine.subscribe();
    // One reader for the whole run: first the licence prompt's answer, then, once media
    // runs, typed commands (`cli::TYPED_COMMANDS`).
    let mut terminal = Terminal::stdin();
    let mut reading_commands = false;
    let mut input_open = true;

    // The desktop has no permission dialogs: the synthetic sources are always allowed.
    if let Err(e) = engine.answer_permissions(!args.no_camera, !args.no_microphone) {
        eprintln!("lens: {e}");
        return ExitCode::from(2);
    }
    if let Err(e) = engine.join(&args.input) {
        eprintln!("lens: {e}");
        return ExitCode::from(2);
    }
    println!("server: {server}");

    let mut stats_tick = tokio::time::interval(Duration::from_secs(1));
    // A phone hears of a new network from the system; a desktop looks four times a second
    // (reading the interface list costs microseconds; a handover waits for this look).
    let mut network = AddressWatch::new();
    let mut network_tick = tokio::time::interval(Duration::from_millis(250));
    let mut leaving = false;
    loop {
        tokio::select! {
            event = events.recv() => match event {
                Some(SessionEvent::StateChanged(state)) => {
                    print_state(&state);
                    match state {
                        SessionState::NeedsEula { eula, technician_name } => {
                            let accepted = args.accept_eula || terminal.ask_eula(&eula, &technician_name).await;
                            let _ = if accepted { engine.accept_eula() } else { engine.decline_eula() };
                        }
                        SessionState::Connecting if !reading_commands => {
                            reading_commands = true;
                            println!("type pause, resume, mute, unmute or leave and Enter");
                        }
                        SessionState::Ended { reason } => {
                            print_stats(&engine);
                            engine.shutdown().await;
                            return exit_code(reason);
                        }
                        _ => {}
                    }
                }
                Some(SessionEvent::Reconnecting { attempt }) => println!("connection: reconnecting (attempt {attempt})"),
                Some(SessionEvent::Reconnected) => println!("connection: reconnected"),
                Some(SessionEvent::LinkStats(link)) => print_link(&link),
                Some(SessionEvent::DeviceProblem { device, problem, detail }) => {
                    println!("device: {} ({detail})", problem.describe(device));
                }
                Some(SessionEvent::TechnicianControl { control, refused }) => match refused {
                    None => println!("technician: {}", control.describe()),
                    Some(why) => println!("technician: {} – not done: {why}", control.describe()),
                },
                Some(SessionEvent::Transferred { technician_name }) => {
                    println!("technician: transferred to {technician_name}");
                }
                // The e2e tests read this line: how many technicians see the camera now.
                Some(SessionEvent::Watching { technicians }) => {
                    println!("watching: {technicians} technician(s)");
                }
                None => return ExitCode::FAILURE,
            },
            _ = stats_tick.tick(), if engine.state() == SessionState::Live => print_stats(&engine),
            _ = network_tick.tick() => if network.changed() {
                println!("network: the addresses changed");
                engine.network_changed();
            },
            line = terminal.next_line(), if reading_commands && input_open => match line {
                Some(command) => {
                    if run_command(&engine, command.trim()) == Typed::Leave {
                        leaving = true;
                    }
                }
                None => input_open = false, // end of input: no more commands
            },
            _ = tokio::signal::ctrl_c(), if !leaving => {
                leaving = true;
                println!("leaving the session");
                if engine.leave().is_err() {
                    return ExitCode::SUCCESS; // nothing to leave
                }
            }
        }
    }
}

#[derive(PartialEq, Eq)]
enum Typed {
    Done,
    Leave,
}

/// One typed command (see `cli::TYPED_COMMANDS`); prints what it did.
fn run_command(engine: &Engine, command: &str) -> Typed {
    match command {
        "pause" | "p" => {
            engine.set_video_paused(true);
            println!("video: paused");
        }
        "resume" | "r" => {
            engine.set_video_paused(false);
            println!("video: resumed");
        }
        "mute" | "m" => {
            engine.set_microphone_muted(true);
            println!("microphone: muted");
        }
        "unmute" | "u" => {
            engine.set_microphone_muted(false);
            println!("microphone: on");
        }
        "leave" | "q" => {
            println!("leaving the session");
            return match engine.leave() {
                Ok(()) => Typed::Leave,
                Err(e) => {
                    println!("lens: {e}");
                    Typed::Done
                }
            };
        }
        "" => {}
        other => println!("unknown command {other:?}; type pause, resume, mute, unmute or leave"),
    }
    Typed::Done
}

/// `lens join --list-devices`.
fn print_devices() {
    let devices = list_devices();
    println!("cameras:");
    for camera in &devices.cameras {
        println!("  {}: {}", camera.index, camera.name);
    }
    println!("microphones:");
    for microphone in &devices.microphones {
        println!("  {}: {}", microphone.index, microphone.name);
    }
    for problem in &devices.problems {
        println!("note: {problem}");
    }
}

fn print_state(state: &SessionState) {
    match state {
        SessionState::NeedsEula {
            eula,
            technician_name,
        } => {
            println!(
                "state: needs_eula (version {}, technician {technician_name})",
                eula.version
            )
        }
        SessionState::WaitingForTechnician { technician_name } => {
            println!("state: waiting_for_technician ({technician_name})")
        }
        SessionState::Ended { reason } => println!("state: ended ({})", reason.describe()),
        other => println!("state: {}", other.name()),
    }
}

/// The per-second link figures, `key=value` like the stats line.
fn print_link(link: &lens_core::link_stats::LinkStats) {
    let rtt = link
        .rtt_ms
        .map_or_else(|| "-".to_owned(), |ms| ms.to_string());
    println!(
        "link: quality={}/5 sent_kbps={} received_kbps={} target_kbps={} estimate_kbps={} \
         resolution={}x{} fps={} rtt_ms={rtt} loss_permille={} path={}",
        link.quality,
        link.sent_kbps,
        link.received_kbps,
        link.target_kbps,
        link.estimate_kbps,
        link.width,
        link.height,
        link.fps,
        link.loss_permille,
        path_name(link.path)
    );
}

/// The path's wire name (direct, through_nat, relayed, unknown): one word for the tests.
fn path_name(path: lens_core::signal::MediaPath) -> &'static str {
    use lens_core::signal::MediaPath;
    match path {
        MediaPath::Unknown => "unknown",
        MediaPath::Direct => "direct",
        MediaPath::ThroughNat => "through_nat",
        MediaPath::Relayed => "relayed",
    }
}

/// One line of figures, the form the end-to-end tests read.
fn print_stats(engine: &Engine) {
    if let Some(stats) = engine.media_stats() {
        println!(
            "stats: video_frames_sent={} audio_frames_sent={} keyframe_requests={} \
             remote_audio_frames_decoded={} remote_audio_frames_shed={} voice_complexity={}",
            stats.video_frames_sent,
            stats.audio_frames_sent,
            stats.keyframe_requests,
            stats.remote_audio_frames_decoded,
            stats.remote_audio_frames_shed,
            stats.voice_complexity
        );
    }
}

fn exit_code(reason: Ended) -> ExitCode {
    match reason {
        Ended::Session(
            EndReason::TechnicianEnded | EndReason::CustomerLeft | EndReason::EulaDeclined,
        ) => ExitCode::SUCCESS,
        Ended::Session(_) => ExitCode::FAILURE,
        Ended::JoinRefused(_) | Ended::PermissionsDenied => ExitCode::from(3),
        Ended::ServerUnreachable => ExitCode::from(4),
    }
}
