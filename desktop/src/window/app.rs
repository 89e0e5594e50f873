//! The window's frame loop: take the next screen the engine published, draw it, hand the
//! customer's action back as an [`Intent`].

use std::collections::VecDeque;
use std::sync::{Arc, Mutex};

use eframe::egui::{self, TextStyle, Ui};
use lens_core::app::Screen;
use lens_engine::Engine;

use super::screen_log::ScreenLog;
use super::screens::{self, Drawing, PinField};
use super::screenshot::Screenshots;
use super::widgets::{Widget, Widgets};

/// Screens published by the engine and not drawn yet, oldest first (filled by the task in
/// `mod.rs`, which wakes the window).
pub type Incoming = Arc<Mutex<VecDeque<Screen>>>;

pub struct LensWindow {
    pub engine: Arc<Engine>,
    pub incoming: Incoming,
    pub screen_log: Option<Arc<ScreenLog>>,
    pub screenshots: Option<Screenshots>,
    pub preview_label: String,
    /// The screen on display, and whether this frame is the first of its kind (the previous
    /// screen had another name).
    shown: Option<Screen>,
    first_frame: bool,
    pin: PinField,
    /// The screen and its controls as last written to the screen log.
    logged: Option<(Screen, Vec<Widget>)>,
}

impl LensWindow {
    pub fn new(
        engine: Arc<Engine>,
        incoming: Incoming,
        screen_log: Option<Arc<ScreenLog>>,
        screenshots: Option<Screenshots>,
        preview_label: String,
    ) -> LensWindow {
        LensWindow {
            engine,
            incoming,
            screen_log,
            screenshots,
            preview_label,
            shown: None,
            first_frame: false,
            pin: PinField::default(),
            logged: None,
        }
    }

    /// Text large enough to read from a step back, as on a phone (egui's defaults suit
    /// dense tools).
    pub fn set_style(ctx: &egui::Context) {
        ctx.all_styles_mut(|style| {
            for (text_style, size) in [
                (TextStyle::Heading, 24.0),
                (TextStyle::Body, 16.0),
                (TextStyle::Button, 17.0),
                (TextStyle::Monospace, 16.0),
                (TextStyle::Small, 13.0),
            ] {
                if let Some(font) = style.text_styles.get_mut(&text_style) {
                    font.size = size;
                }
            }
            style.spacing.item_spacing = egui::vec2(10.0, 10.0);
        });
    }

    /// Moves on to the next published screen. Without screenshots the window jumps to the
    /// newest (a person only needs the present); with them it shows each in turn, so that
    /// each kind of screen is photographed as it first showed.
    fn advance(&mut self) {
        if self.screenshots.as_mut().is_some_and(|s| s.busy()) {
            return;
        }
        let mut incoming = self.incoming.lock().unwrap_or_else(|e| e.into_inner());
        let next = if self.screenshots.is_some() {
            incoming.pop_front()
        } else {
            let last = incoming.pop_back();
            incoming.clear();
            last
        };
        if let Some(screen) = next {
            self.first_frame = self.shown.as_ref().map(Screen::name) != Some(screen.name());
            self.shown = Some(screen);
        }
    }

    fn more_waiting(&self) -> bool {
        !self
            .incoming
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .is_empty()
    }
}

impl eframe::App for LensWindow {
    fn ui(&mut self, ui: &mut Ui, _frame: &mut eframe::Frame) {
        self.advance();
        let Some(screen) = self.shown.clone() else {
            return; // the engine's first screen comes at once; nothing to draw before it
        };
        let mut widgets = Widgets::default();
        let frame = egui::Frame::central_panel(ui.style()).inner_margin(24.0);
        let intent = egui::CentralPanel::default()
            .frame(frame)
            .show(ui, |ui| {
                ui.set_max_width(560.0);
                let mut drawing = Drawing {
                    widgets: &mut widgets,
                    pin: &mut self.pin,
                    preview_label: &self.preview_label,
                    first_frame: self.first_frame,
                };
                screens::draw(ui, &screen, &mut drawing)
            })
            .inner;
        if let Some(intent) = intent {
            self.engine.intent(intent);
        }
        // Once per screen drawn, and again when its controls move: a reader that saw the
        // screen published knows its controls are on display from this line on.
        let drawn = (screen.clone(), widgets.list().to_vec());
        if let Some(log) = &self.screen_log
            && self.logged.as_ref() != Some(&drawn)
        {
            log.drawn(screen.name(), widgets.list());
            self.logged = Some(drawn);
        }
        let ctx = ui.ctx().clone();
        if self.first_frame {
            if let Some(screenshots) = &mut self.screenshots {
                screenshots.take(&ctx, screen.name());
            }
            self.first_frame = false;
        }
        if self.more_waiting() {
            ctx.request_repaint();
        }
    }
}
