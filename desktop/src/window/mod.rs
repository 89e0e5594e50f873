//! `lens` without a command: the customer app in a window (eframe/egui over OpenGL). It draws
//! whatever [`Screen`](lens_core::app::Screen) the engine's app model publishes and sends the
//! customer's [`Intent`]s back; the flow, the words and every decision are the model's
//! (core/src/app), the same the phone apps draw.
//!
//! Threads: winit wants the main thread for the window; the engine runs on a tokio runtime
//! beside it. One task forwards the engine's updates: screens to the window (waking it),
//! effects to the desktop shell (`effects.rs`).

mod app;
mod effects;
mod screen_log;
mod screens;
mod screenshot;
mod widgets;

use std::collections::VecDeque;
use std::process::ExitCode;
use std::sync::{Arc, Mutex};

use eframe::egui;
use lens_core::app::{Intent, Screen};
use lens_core::l10n::Texts;
use lens_engine::{AppUpdate, Engine, EngineConfig};

use crate::cli::WindowArgs;
use crate::eula_file::EulaFile;
use crate::locale;
use crate::tutorial_file::TutorialFile;
use app::{Incoming, LensWindow};
use effects::Shell;
use screen_log::ScreenLog;
use screenshot::Screenshots;

/// Opens the window and runs until the customer closes it.
pub fn run(args: WindowArgs) -> ExitCode {
    let Some(eula_path) = args.app.eula_path() else {
        eprintln!(
            "lens: no home directory to remember the licence acceptance in; pass --eula-store"
        );
        return ExitCode::from(2);
    };
    let mut config = match EngineConfig::new(
        args.server.clone(),
        &args.app.accept_host,
        args.app.media_config(),
    ) {
        Ok(config) => config,
        Err(e) => {
            eprintln!("lens: {e}");
            return ExitCode::from(2);
        }
    };
    let tutorial = TutorialFile::beside(&eula_path);
    config.locales = locale::from_environment();
    config.tutorial_seen = tutorial.seen();
    if let Some(organisation) = args.organisation {
        config.organisation = organisation;
    }
    // `permissions` stays unknown: the model explains why it needs the camera and the
    // microphone, then asks the shell, which answers at once (effects.rs).
    let preview_label = Texts::for_locales(&config.locales).get("preview-desktop");

    let screen_log = match args.screen_log.as_deref().map(ScreenLog::open).transpose() {
        Ok(log) => log.map(Arc::new),
        Err(e) => {
            eprintln!("lens: cannot write the screen log: {e}");
            return ExitCode::from(2);
        }
    };
    let screenshots = match args
        .screenshot_dir
        .as_deref()
        .map(Screenshots::new)
        .transpose()
    {
        Ok(screenshots) => screenshots,
        Err(e) => {
            eprintln!("lens: cannot write screenshots: {e}");
            return ExitCode::from(2);
        }
    };

    let runtime = match lens_engine::runtime::build() {
        Ok(runtime) => runtime,
        Err(e) => {
            eprintln!("lens: {e}");
            return ExitCode::FAILURE;
        }
    };
    let engine = {
        let _inside = runtime.enter();
        Arc::new(Engine::start(config, Arc::new(EulaFile::new(eula_path))))
    };
    let incoming: Incoming = Arc::new(Mutex::new(VecDeque::new()));
    let shell = Shell { tutorial };

    let options = eframe::NativeOptions {
        viewport: egui::ViewportBuilder::default()
            .with_title("Lens")
            .with_app_id("lens")
            .with_inner_size([520.0, 720.0])
            .with_min_inner_size([360.0, 480.0]),
        renderer: eframe::Renderer::Glow,
        ..Default::default()
    };
    let result = eframe::run_native(
        "Lens",
        options,
        Box::new(|cc| {
            LensWindow::set_style(&cc.egui_ctx);
            runtime.spawn(forward_updates(
                engine.clone(),
                incoming.clone(),
                screen_log.clone(),
                shell,
                cc.egui_ctx.clone(),
            ));
            Ok(Box::new(LensWindow::new(
                engine.clone(),
                incoming,
                screen_log,
                screenshots,
                preview_label,
            )))
        }),
    );

    // The window is closed: a customer in a session leaves it (the technician is told),
    // and what is owed to the server is delivered before the process ends.
    if let Some(leave) = leave_intent(&engine.screen()) {
        engine.intent(leave);
    }
    runtime.block_on(engine.shutdown());
    runtime.shutdown_background();
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("lens: cannot open the window: {e}");
            ExitCode::FAILURE
        }
    }
}

/// The engine's updates, in order: each screen to the screen log and the window, each
/// effect to the shell.
async fn forward_updates(
    engine: Arc<Engine>,
    incoming: Incoming,
    screen_log: Option<Arc<ScreenLog>>,
    shell: Shell,
    ctx: egui::Context,
) {
    let mut updates = engine.subscribe_app();
    while let Some(update) = updates.recv().await {
        match update {
            AppUpdate::Screen(screen) => {
                if let Some(log) = &screen_log {
                    log.screen(&screen);
                }
                incoming
                    .lock()
                    .unwrap_or_else(|e| e.into_inner())
                    .push_back(screen);
                ctx.request_repaint();
            }
            AppUpdate::Effect(effect) => shell.carry_out(&engine, effect),
        }
    }
}

/// What closing the window means on `screen`: leaving, where the screen offers Leave.
fn leave_intent(screen: &Screen) -> Option<Intent> {
    match screen {
        Screen::Waiting { leave, .. }
        | Screen::Connecting { leave, .. }
        | Screen::OnHold { leave, .. }
        | Screen::Reconnecting { leave, .. } => leave.enabled.then_some(Intent::Leave),
        Screen::Live { controls, .. } => controls.leave.enabled.then_some(Intent::Leave),
        _ => None,
    }
}
