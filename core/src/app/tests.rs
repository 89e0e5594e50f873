//! The customer app's screens, following the seeds' customer steps in simulated time. The
//! words are compared with what the resources say (`en`), never spelled out here: the
//! wording is the translators' and may change; which sentence shows where is tested.

mod ends;
mod links;
mod permissions;
mod privacy;

use std::time::{Duration, Instant};

use super::*;
use crate::join::JoinInputError;
use crate::l10n::{Arg, Texts};
use crate::link_stats::LinkStats;
use crate::pin::Pin;
use crate::session::{Ended, SessionState};
use crate::signal::{
    CameraControl, CustomerMessage, EndReason, Eula, JoinResponse, ServerToCustomer,
};

const TECHNICIAN: &str = "Tess Technician";
const EULA_TEXT: &str = "You agree that the technician sees your camera.";

fn pin() -> Pin {
    Pin::from_digits("123456").unwrap()
}

fn joined(version: &str) -> JoinResponse {
    JoinResponse {
        session_id: "s1".into(),
        customer_token: "token-1".into(),
        technician_name: TECHNICIAN.into(),
        customer_name: "Carl Customer".into(),
        eula: Eula {
            version: version.into(),
            text: EULA_TEXT.into(),
        },
    }
}

/// A first start: tutorial not seen, permissions not asked, English.
fn first_start() -> AppConfig {
    AppConfig {
        session: SessionConfig::default(),
        join: JoinConfig::new(["support.example", "RescueMobile.com", "oty.com"], false).unwrap(),
        locales: vec!["en-GB".into()],
        organisation: "Example Support".into(),
        tutorial_seen: false,
        permissions: None,
        allow_without_microphone: true,
    }
}

/// A later start: tutorial seen, camera and microphone granted.
fn later_start() -> AppConfig {
    AppConfig {
        tutorial_seen: true,
        permissions: Some((true, true)),
        ..first_start()
    }
}

fn en() -> Texts {
    Texts::for_locales(&["en"])
}

fn with_technician(id: &str) -> String {
    en().format(id, &[("technician", Arg::Text(TECHNICIAN))])
}

/// The app under test with its own simulated clock, keeping what came out.
struct Sim {
    app: CustomerApp,
    now: Instant,
    screens: Vec<Screen>,
    commands: Vec<Command>,
    effects: Vec<Effect>,
    events: Vec<SessionEvent>,
}

impl Sim {
    fn new(config: AppConfig, stored: Option<EulaRecord>) -> Sim {
        let now = Instant::now();
        let mut sim = Sim {
            app: CustomerApp::new(config, stored, now),
            now,
            screens: vec![],
            commands: vec![],
            effects: vec![],
            events: vec![],
        };
        sim.drain();
        sim
    }

    fn intent(&mut self, intent: Intent) -> Result<(), NotNow> {
        let result = self.app.handle_input(AppInput::Intent(intent), self.now);
        self.drain();
        result
    }

    fn tap(&mut self, intent: Intent) {
        let shown = self.app.screen().name();
        if let Err(e) = self.intent(intent.clone()) {
            panic!("{intent:?} on {shown}: {e}");
        }
    }

    fn world(&mut self, input: Input) {
        self.app
            .handle_input(AppInput::Session(input), self.now)
            .expect("the world's inputs are never refused");
        self.drain();
    }

    fn server(&mut self, message: ServerToCustomer) {
        self.world(Input::FromServer(message));
    }

    /// Advances simulated time, firing every deadline on the way.
    fn wait(&mut self, duration: Duration) {
        let end = self.now + duration;
        loop {
            let AppOutput::Timeout(at) = self.app.poll_output() else {
                unreachable!("drained")
            };
            if at > end {
                break;
            }
            self.now = at.max(self.now);
            self.world(Input::Timeout);
        }
        self.now = end;
    }

    fn drain(&mut self) {
        loop {
            match self.app.poll_output() {
                AppOutput::Screen(screen) => {
                    assert_ne!(self.screens.last(), Some(&screen), "a screen repeated");
                    self.screens.push(screen);
                }
                AppOutput::Command(command) => self.commands.push(command),
                AppOutput::Effect(effect) => self.effects.push(effect),
                AppOutput::Event(event) => self.events.push(event),
                AppOutput::Timeout(_) => break,
            }
        }
    }

    fn screen(&self) -> &Screen {
        let screen = self.app.screen();
        assert_eq!(Some(screen), self.screens.last(), "the last queued screen");
        screen
    }

    fn name(&self) -> &'static str {
        self.screen().name()
    }

    fn took_commands(&mut self) -> Vec<Command> {
        std::mem::take(&mut self.commands)
    }

    fn took_effects(&mut self) -> Vec<Effect> {
        std::mem::take(&mut self.effects)
    }

    fn started_media(&self) -> bool {
        self.commands
            .iter()
            .any(|c| matches!(c, Command::StartMedia { .. }))
    }

    fn typed(&mut self, text: &str) {
        self.tap(Intent::Typed { text: text.into() });
    }

    /// A later start with the PIN typed and joined, the session resolved: the licence.
    fn at_licence() -> Sim {
        let mut sim = Sim::new(later_start(), None);
        sim.typed("123456");
        sim.tap(Intent::Join);
        sim.world(Input::Resolved(joined("v1")));
        sim.world(Input::SignallingConnected);
        assert_eq!(sim.name(), "licence");
        sim
    }

    /// Accepted, started, connected: live.
    fn live() -> Sim {
        let mut sim = Sim::at_licence();
        sim.tap(Intent::Accept { at_unix_ms: 1 });
        sim.server(ServerToCustomer::start());
        sim.world(Input::PeerConnected);
        assert_eq!(sim.name(), "live");
        sim.took_commands();
        sim.took_effects();
        sim
    }
}

/// The fields of the screen, or a failure naming the screen that showed instead.
macro_rules! shown {
    ($sim:expr, $pattern:pat => $body:expr) => {
        match $sim.screen() {
            $pattern => $body,
            other => panic!("expected {}, got {other:#?}", stringify!($pattern)),
        }
    };
}
use shown;

fn live_controls(sim: &Sim) -> LiveControls {
    shown!(sim, Screen::Live { controls, .. } => controls.clone())
}

// ---- seed 000: first start, tutorial, permissions, PIN typed, licence, live, ended ----

#[test]
fn seed_000_first_start_tutorial_permissions_pin_licence_waiting() {
    let en = en();
    let mut sim = Sim::new(first_start(), None);
    assert_eq!(sim.screens.len(), 1, "the first output is the first screen");
    shown!(sim, Screen::Tutorial { step, steps, progress, title, next, skip, .. } => {
        assert_eq!((*step, *steps), (1, 3));
        assert_eq!(progress, "Step 1 of 3");
        assert_eq!(title, &en.get("tutorial-1-title"));
        assert_eq!(next.label, en.get("tutorial-next"));
        assert_eq!(skip.label, en.get("tutorial-skip"));
    });
    assert!(sim.intent(Intent::Join).is_err(), "no PIN field yet");

    sim.tap(Intent::TutorialNext);
    shown!(sim, Screen::Tutorial { step: 2, body, .. } => assert_eq!(body, &en.get("tutorial-2-body")));
    sim.tap(Intent::TutorialNext);
    shown!(sim, Screen::Tutorial { step: 3, next, .. } => assert_eq!(next.label, en.get("tutorial-ok")));
    assert!(sim.effects.is_empty(), "not seen before the end");
    sim.tap(Intent::TutorialNext);
    assert_eq!(sim.took_effects(), vec![Effect::SaveTutorialSeen]);

    // The customer is told why before the system asks (seed 000 step 7: tap OK).
    shown!(sim, Screen::Permissions { title, allow, .. } => {
        assert_eq!(title, &en.get("permissions-title"));
        assert!(allow.enabled);
    });
    sim.tap(Intent::AllowPermissions);
    assert_eq!(sim.took_effects(), vec![Effect::RequestPermissions]);
    sim.tap(Intent::PermissionsAnswered {
        camera: true,
        microphone: true,
    });

    // The PIN, typed digit by digit, checked as it grows.
    shown!(sim, Screen::EnterPin { organisation, input, problem, join, .. } => {
        assert_eq!(organisation, &en.format("enter-pin-organisation", &[("organisation", Arg::Text("Example Support"))]));
        assert!(organisation.contains("Example Support"));
        assert_eq!(input, "");
        assert_eq!(problem, &None, "an empty field is not a mistake");
        assert!(!join.enabled);
    });
    for typed in ["1", "12", "123", "123 4", "123 45"] {
        sim.typed(typed);
        let found = typed.chars().filter(char::is_ascii_digit).count();
        let expected = en.join_input_error(&JoinInputError::WrongLength { found });
        shown!(sim, Screen::EnterPin { input, problem, join, .. } => {
            assert_eq!(input, typed);
            assert_eq!(problem.as_deref(), Some(expected.as_str()), "after {typed:?}");
            assert!(!join.enabled);
        });
        assert!(sim.intent(Intent::Join).is_err(), "Join is disabled");
    }
    sim.typed("123 45x");
    shown!(sim, Screen::EnterPin { problem, .. } =>
        assert_eq!(problem, &Some(en.join_input_error(&JoinInputError::NotDigits))));
    sim.typed("123 456");
    shown!(sim, Screen::EnterPin { problem, join, .. } => {
        assert_eq!(problem, &None);
        assert!(join.enabled);
    });
    assert!(
        sim.commands.is_empty(),
        "nothing reaches the server while typing"
    );

    sim.tap(Intent::Join);
    assert_eq!(sim.took_commands(), vec![Command::ResolvePin(pin())]);
    shown!(sim, Screen::Joining { title, .. } => assert_eq!(title, &en.get("joining-title")));

    sim.world(Input::Resolved(joined("v1")));
    sim.world(Input::SignallingConnected);
    shown!(sim, Screen::Licence { intro, text, accept, decline, .. } => {
        assert_eq!(intro, &with_technician("licence-intro"));
        assert_eq!(text, EULA_TEXT);
        assert!(accept.enabled && decline.enabled);
    });

    sim.tap(Intent::Accept { at_unix_ms: 1_700 });
    assert!(sim.took_commands().contains(&Command::SaveEula(EulaRecord {
        version: "v1".into(),
        accepted_at_unix_ms: 1_700
    })));
    // The preview shows; nothing leaves the phone (seed 000 step 8).
    shown!(sim, Screen::Waiting { title, body, preview, leave } => {
        assert_eq!(title, &en.get("waiting-title"));
        assert_eq!(body, &with_technician("waiting-body"));
        assert!(*preview);
        assert!(leave.enabled);
    });
    // The shell runs the camera for the preview, not the microphone.
    assert_eq!(
        sim.screen().media(),
        MediaUse {
            camera: true,
            talking: false
        }
    );
    sim.wait(Duration::from_secs(10 * 60));
    assert_eq!(sim.name(), "waiting");
    assert!(
        !sim.screen().under_way(),
        "waiting for the technician: nothing under way"
    );
    assert!(!sim.started_media());
}

#[test]
fn seed_000_live_controls_technician_pause_hold_reconnect_and_end() {
    let en = en();
    let mut sim = Sim::at_licence();
    sim.tap(Intent::Accept { at_unix_ms: 1 });
    assert!(
        sim.intent(Intent::SetMuted { muted: true }).is_err(),
        "no controls before live"
    );

    sim.server(ServerToCustomer::start());
    assert!(sim.took_commands().contains(&Command::StartMedia {
        camera: true,
        microphone: true,
        ice: Default::default(),
    }));
    shown!(sim, Screen::Connecting { body, preview: true, .. } =>
        assert_eq!(body, &with_technician("connecting-body")));
    sim.world(Input::PeerConnected);
    shown!(sim, Screen::Live { title, preview: true, video_paused_note: None, quality: None, notice: None, controls } => {
        assert_eq!(title, &with_technician("live-title"));
        assert_eq!(controls.mute, Toggle { label: en.get("live-mute"), on: false, enabled: true });
        assert_eq!(controls.pause_video.label, en.get("live-pause-video"));
        assert_eq!(controls.torch.label, en.get("live-torch-on"));
    });
    assert_eq!(
        sim.screen().media(),
        MediaUse {
            camera: true,
            talking: true
        }
    );

    // Seed 004: the lead invited two colleagues; the customer reads how many watch.
    for peer in ["c1", "c2"] {
        sim.server(ServerToCustomer::CollaboratorJoined {
            peer: peer.into(),
            technician_name: "Ian Internal".into(),
            talk: true,
            ice: Default::default(),
        });
    }
    shown!(sim, Screen::Live { title, .. } =>
        assert_eq!(title, &format!("{TECHNICIAN} and 2 more technicians are watching")));
    sim.server(ServerToCustomer::CollaboratorLeft { peer: "c2".into() });
    shown!(sim, Screen::Live { title, .. } =>
        assert_eq!(title, &format!("{TECHNICIAN} and one more technician are watching")));
    sim.server(ServerToCustomer::CollaboratorLeft { peer: "c1".into() });
    shown!(sim, Screen::Live { title, .. } =>
        assert_eq!(title, &with_technician("live-title")));

    // Mute: the shell's microphone, the switch turns.
    sim.tap(Intent::SetMuted { muted: true });
    assert_eq!(
        sim.took_effects(),
        vec![Effect::SetMicrophoneMuted { muted: true }]
    );
    assert_eq!(
        live_controls(&sim).mute,
        Toggle {
            label: en.get("live-unmute"),
            on: true,
            enabled: true
        }
    );

    // Pause: through the session, which tells the technician.
    sim.tap(Intent::SetVideoPaused { paused: true });
    let commands = sim.took_commands();
    assert!(commands.contains(&Command::SetVideoPaused { paused: true }));
    assert!(commands.iter().any(|c| matches!(
        c,
        Command::Send(CustomerMessage::MediaState {
            video_paused: true,
            ..
        })
    )));
    shown!(sim, Screen::Live { video_paused_note, controls, .. } => {
        assert_eq!(video_paused_note, &Some(with_technician("live-video-paused-by-you")));
        assert!(controls.pause_video.on);
        assert_eq!(controls.pause_video.label, en.get("live-resume-video"));
    });
    sim.tap(Intent::SetVideoPaused { paused: false });
    shown!(sim, Screen::Live { video_paused_note: None, .. } => {});

    sim.tap(Intent::SetTorch { on: true });
    sim.tap(Intent::SwitchCamera);
    assert_eq!(
        sim.took_effects(),
        vec![Effect::SetTorch { on: true }, Effect::SwitchCamera]
    );
    assert_eq!(
        live_controls(&sim).torch,
        Toggle {
            label: en.get("live-torch-off"),
            on: true,
            enabled: true
        }
    );

    // The quality indicator follows the engine's figures.
    sim.world(Input::MediaStats(LinkStats {
        quality: 4,
        ..LinkStats::default()
    }));
    shown!(sim, Screen::Live { quality, .. } =>
        assert_eq!(quality, &Some(Quality { bars: 4, max_bars: 5, label: en.get("quality-4") })));

    // The technician pauses: the switch shows paused, the note says by whom.
    sim.server(ServerToCustomer::CameraControl {
        control: CameraControl::PauseVideo,
    });
    shown!(sim, Screen::Live { video_paused_note, notice, controls, .. } => {
        assert_eq!(video_paused_note, &Some(with_technician("live-video-paused-by-technician")));
        assert_eq!(notice, &Some(en.technician_control(TECHNICIAN, CameraControl::PauseVideo, None)));
        assert!(controls.pause_video.on);
    });
    sim.server(ServerToCustomer::CameraControl {
        control: CameraControl::ResumeVideo,
    });
    shown!(sim, Screen::Live { video_paused_note: None, .. } => {});

    // On hold: media stops, the same session waits for the technician again.
    sim.took_commands();
    sim.took_effects();
    sim.server(ServerToCustomer::Hold);
    assert_eq!(sim.took_commands(), vec![Command::StopMedia]);
    assert_eq!(
        sim.took_effects(),
        vec![Effect::SetTorch { on: false }],
        "the torch the customer lit goes out with the media, though the preview goes on"
    );
    shown!(sim, Screen::OnHold { body, preview: true, .. } =>
        assert_eq!(body, &with_technician("on-hold-body")));
    assert_eq!(
        sim.screen().media(),
        MediaUse {
            camera: true,
            talking: false
        },
        "on hold: silent"
    );
    sim.server(ServerToCustomer::start());
    assert_eq!(sim.name(), "connecting");
    assert!(sim.screen().under_way());
    sim.world(Input::PeerConnected);
    assert_eq!(sim.name(), "live");
    assert!(!sim.screen().under_way());
    assert!(
        !live_controls(&sim).torch.on,
        "the torch went out with the camera"
    );

    // Passed to a colleague: on hold with the colleague's name, then their Start continues
    // the same session, whose screens name them from now on.
    sim.took_commands();
    sim.server(ServerToCustomer::Transferred {
        technician_name: "Bob Builder".into(),
    });
    assert_eq!(sim.took_commands(), vec![Command::StopMedia]);
    let bob = |id: &str| en.format(id, &[("technician", Arg::Text("Bob Builder"))]);
    shown!(sim, Screen::OnHold { title, body, preview: true, .. } => {
        assert_eq!(title, &en.get("transferred-title"));
        assert_eq!(body, &bob("transferred-body"));
    });
    sim.server(ServerToCustomer::start());
    shown!(sim, Screen::Connecting { body, .. } => assert_eq!(body, &bob("connecting-body")));
    sim.world(Input::PeerConnected);
    assert_eq!(sim.name(), "live");
    sim.server(ServerToCustomer::Hold);
    shown!(sim, Screen::OnHold { body, .. } => assert_eq!(body, &bob("on-hold-body")));
    sim.server(ServerToCustomer::start());
    sim.world(Input::PeerConnected);

    // Reconnecting, with the attempt, until the connection is back.
    sim.world(Input::SignallingLost);
    shown!(sim, Screen::Reconnecting { body, leave, .. } => {
        assert_eq!(body, &en.format("reconnecting-body", &[("attempt", Arg::Number(1))]));
        assert!(leave.enabled);
    });
    sim.wait(Duration::from_millis(600));
    sim.world(Input::SignallingLost);
    shown!(sim, Screen::Reconnecting { body, .. } =>
        assert_eq!(body, &en.format("reconnecting-body", &[("attempt", Arg::Number(2))])));
    sim.wait(Duration::from_millis(1100));
    assert!(sim.took_commands().contains(&Command::ConnectSignalling {
        token: "token-1".into()
    }));
    assert_eq!(sim.name(), "reconnecting");
    assert!(sim.screen().under_way());
    sim.world(Input::SignallingConnected);
    assert_eq!(sim.name(), "live");

    // The technician ends: the reason in words, and the way back to a new PIN.
    sim.server(ServerToCustomer::End {
        reason: EndReason::TechnicianEnded,
    });
    shown!(sim, Screen::Ended { title, reason, back } => {
        assert_eq!(title, &en.get("ended-title"));
        assert_eq!(reason, &en.ended(Ended::Session(EndReason::TechnicianEnded)));
        assert_eq!(back.label, en.get("ended-back"));
    });
    assert_eq!(
        sim.screen().media(),
        MediaUse {
            camera: false,
            talking: false
        }
    );
    sim.tap(Intent::BackToStart);
    shown!(sim, Screen::EnterPin { input, problem: None, join, .. } => {
        assert_eq!(input, "");
        assert!(!join.enabled);
    });
    sim.took_commands();
    sim.typed("654321");
    sim.tap(Intent::Join);
    assert_eq!(
        sim.took_commands(),
        vec![Command::ResolvePin(Pin::from_digits("654321").unwrap())]
    );
    assert_eq!(sim.name(), "joining");
    assert!(sim.screen().under_way());
}

#[test]
fn seed_000_skipping_the_tutorial_saves_it_once_and_a_later_start_goes_to_the_pin() {
    let mut sim = Sim::new(first_start(), None);
    sim.tap(Intent::TutorialNext);
    sim.tap(Intent::TutorialSkip);
    assert_eq!(sim.took_effects(), vec![Effect::SaveTutorialSeen]);
    assert_eq!(sim.name(), "permissions");
    assert!(sim.intent(Intent::TutorialSkip).is_err());
    assert!(sim.effects.is_empty());

    let sim = Sim::new(later_start(), None);
    assert_eq!(
        sim.screens.iter().map(Screen::name).collect::<Vec<_>>(),
        ["enter_pin"]
    );
}

#[test]
fn a_button_the_screen_does_not_offer_is_refused_and_changes_nothing() {
    let mut sim = Sim::at_licence();
    sim.took_commands();
    let before = sim.screens.len();
    for intent in [
        Intent::Join,
        Intent::TutorialNext,
        Intent::Leave,
        Intent::SetTorch { on: true },
        Intent::BackToStart,
        Intent::Typed { text: "1".into() },
        Intent::OpenedLink {
            url: "lens://join/123456".into(),
        },
    ] {
        let refused = sim.intent(intent.clone()).expect_err("not offered");
        assert_eq!(refused.state, "licence", "{intent:?}");
    }
    assert_eq!(sim.screens.len(), before);
    assert!(sim.commands.is_empty() && sim.effects.is_empty());
    assert!(matches!(
        sim.app.session().state(),
        SessionState::NeedsEula { .. }
    ));
}

#[test]
fn typing_the_same_text_again_queues_no_screen_and_the_field_is_capped() {
    let mut sim = Sim::new(later_start(), None);
    sim.typed("12");
    let shown = sim.screens.len();
    sim.typed("12");
    assert_eq!(sim.screens.len(), shown, "only a changed screen is queued");

    let pasted = "7".repeat(crate::join::MAX_INPUT_BYTES + 100);
    sim.typed(&pasted);
    shown!(sim, Screen::EnterPin { input, problem, join, .. } => {
        assert_eq!(input.len(), crate::join::MAX_INPUT_BYTES);
        assert_eq!(problem, &Some(en().join_input_error(&JoinInputError::TooLong)));
        assert!(!join.enabled);
    });
}

#[test]
fn the_technicians_torch_and_a_failed_device_show_as_notices() {
    let en = en();
    let mut sim = Sim::live();
    sim.server(ServerToCustomer::CameraControl {
        control: CameraControl::TorchOn,
    });
    assert_eq!(
        sim.took_commands(),
        vec![Command::CameraControl(CameraControl::TorchOn)]
    );
    sim.world(Input::CameraControlResult {
        control: CameraControl::TorchOn,
        result: Ok(()),
    });
    shown!(sim, Screen::Live { notice, controls, .. } => {
        assert_eq!(notice, &Some(en.technician_control(TECHNICIAN, CameraControl::TorchOn, None)));
        assert!(controls.torch.on, "the technician turned it on");
    });

    sim.world(Input::CameraControlResult {
        control: CameraControl::SwitchCamera,
        result: Err("This phone has one camera".into()),
    });
    shown!(sim, Screen::Live { notice, .. } => assert_eq!(notice, &Some(en.technician_control(
        TECHNICIAN, CameraControl::SwitchCamera, Some("This phone has one camera")))));

    sim.world(Input::DeviceFailed {
        device: crate::signal::Device::Microphone,
        problem: crate::signal::DeviceProblem::Busy,
        detail: "held by another app".into(),
    });
    shown!(sim, Screen::Live { notice, .. } => assert_eq!(notice, &Some(en.device_problem(
        crate::signal::Device::Microphone, crate::signal::DeviceProblem::Busy))));
}

#[test]
fn a_camera_without_a_torch_or_a_second_camera_offers_neither() {
    let en = en();
    let mut sim = Sim::live();
    let offered = |sim: &Sim| {
        let controls = live_controls(sim);
        (controls.torch.enabled, controls.switch_camera.enabled)
    };
    assert_eq!(offered(&sim), (true, true), "until the shell says");
    sim.tap(Intent::SetTorch { on: true });

    // Switched to the front camera: no torch there, so it shows off and cannot be pressed.
    sim.tap(Intent::CameraOpened {
        torch: false,
        another_camera: true,
    });
    assert_eq!(
        live_controls(&sim).torch,
        Toggle {
            label: en.get("live-torch-on"),
            on: false,
            enabled: false
        }
    );
    assert!(sim.intent(Intent::SetTorch { on: false }).is_err());
    assert_eq!(sim.took_effects(), vec![Effect::SetTorch { on: true }]);

    // Back on the back camera the app asks the shell to light the torch again, and it
    // shows lit.
    sim.tap(Intent::CameraOpened {
        torch: true,
        another_camera: true,
    });
    assert!(live_controls(&sim).torch.on);
    assert_eq!(sim.took_effects(), vec![Effect::SetTorch { on: true }]);

    // A camera that opens with the switch off stays dark: nothing is asked of the shell.
    sim.tap(Intent::SetTorch { on: false });
    assert_eq!(sim.took_effects(), vec![Effect::SetTorch { on: false }]);
    // A phone with one camera has nothing to switch to.
    sim.tap(Intent::CameraOpened {
        torch: true,
        another_camera: false,
    });
    assert_eq!(sim.took_effects(), vec![]);
    assert_eq!(offered(&sim), (true, false));
    assert!(sim.intent(Intent::SwitchCamera).is_err());
}

#[test]
fn the_technician_reads_what_the_camera_lacks() {
    let lacking = CameraAbilities {
        torch: false,
        another_camera: false,
    };
    assert_eq!(lacking.refusal(CameraControl::TorchOn), Some(NO_TORCH));
    assert_eq!(
        lacking.refusal(CameraControl::SwitchCamera),
        Some(NO_OTHER_CAMERA)
    );
    // Turning off what is not lit, and pause and resume (the session's), are never refused.
    for control in [
        CameraControl::TorchOff,
        CameraControl::PauseVideo,
        CameraControl::ResumeVideo,
    ] {
        assert_eq!(lacking.refusal(control), None, "{control:?}");
    }
    let unknown = CameraAbilities::default();
    assert_eq!(unknown.refusal(CameraControl::TorchOn), None);
    assert_eq!(unknown.refusal(CameraControl::SwitchCamera), None);
}

#[test]
fn the_events_still_pass_through_in_order_for_the_older_api() {
    let mut sim = Sim::at_licence();
    let states: Vec<_> = sim
        .events
        .iter()
        .filter_map(|e| match e {
            SessionEvent::StateChanged(s) => Some(s.name()),
            _ => None,
        })
        .collect();
    assert_eq!(states, ["resolving_pin", "needs_eula"]);
    // The older API's customer inputs go to the session as they are.
    sim.world(Input::AcceptEula { at_unix_ms: 3 });
    assert_eq!(sim.name(), "waiting");
}

#[test]
fn the_app_can_move_to_the_engines_driver_task() {
    fn send<T: Send>() {}
    send::<CustomerApp>();
}
