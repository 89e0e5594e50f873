//! One drawing per [`Screen`]: the model's words and buttons, laid out top to bottom. What
//! a button does is the model's [`Intent`]; nothing is decided here.

use std::time::{SystemTime, UNIX_EPOCH};

use eframe::egui::{self, Key, RichText, ScrollArea, Ui};
use lens_core::app::{Intent, LiveControls, Screen};

use super::widgets::{self, Role, Widgets};

/// What a screen's drawing needs besides the screen.
pub struct Drawing<'a> {
    pub widgets: &'a mut Widgets,
    pub pin: &'a mut PinField,
    /// The words inside the preview area (see [`widgets::preview`]).
    pub preview_label: &'a str,
    /// The screen is drawn for the first time (the PIN field takes the keyboard then).
    pub first_frame: bool,
}

/// The PIN field's text. While the customer types, the field is the truth and every change
/// goes to the model ([`Intent::Typed`]); otherwise the model's `input` is (a PIN from a
/// link, an empty field after Back to start).
#[derive(Debug, Default)]
pub struct PinField {
    text: String,
}

/// Draws `screen`; the customer's action, if they took one in this frame.
pub fn draw(ui: &mut Ui, screen: &Screen, drawing: &mut Drawing) -> Option<Intent> {
    let mut intent = None;
    let mut press = |pressed: bool, what: Intent| {
        if pressed {
            intent = Some(what);
        }
    };
    let widgets = &mut *drawing.widgets;
    match screen {
        Screen::Tutorial {
            progress,
            title,
            body,
            skip,
            next,
            ..
        } => {
            ui.label(RichText::new(progress).weak());
            text(ui, title, body);
            ui.horizontal(|ui| {
                press(widgets::button(ui, widgets, skip), Intent::TutorialSkip);
                press(widgets::button(ui, widgets, next), Intent::TutorialNext);
            });
        }
        Screen::Permissions { title, body, allow } => {
            text(ui, title, body);
            press(
                widgets::button(ui, widgets, allow),
                Intent::AllowPermissions,
            );
        }
        Screen::PermissionsRefused {
            title,
            body,
            open_settings,
            try_again,
            without_microphone,
        } => {
            text(ui, title, body);
            ui.horizontal_wrapped(|ui| {
                press(
                    widgets::button(ui, widgets, open_settings),
                    Intent::OpenSettings,
                );
                press(
                    widgets::button(ui, widgets, try_again),
                    Intent::AllowPermissions,
                );
                if let Some(without) = without_microphone {
                    press(
                        widgets::button(ui, widgets, without),
                        Intent::JoinWithoutMicrophone,
                    );
                }
            });
        }
        Screen::EnterPin {
            title,
            organisation,
            prompt,
            input,
            problem,
            join,
        } => {
            heading(ui, title);
            ui.label(RichText::new(organisation).weak());
            ui.add_space(8.0);
            ui.label(prompt);
            let field = drawing
                .pin
                .show(ui, widgets, prompt, input, drawing.first_frame);
            if let Some(text) = field.typed {
                intent = Some(Intent::Typed { text });
            }
            if let Some(problem) = problem {
                ui.label(RichText::new(problem).color(ui.visuals().warn_fg_color));
            }
            ui.add_space(8.0);
            let pressed = widgets::button(ui, widgets, join);
            if (pressed || field.submitted) && join.enabled {
                intent = Some(Intent::Join);
            }
        }
        Screen::Joining { title, body } => {
            text(ui, title, body);
            spinner(ui, screen);
        }
        Screen::Licence {
            title,
            intro,
            text: licence,
            accept,
            decline,
        } => {
            text(ui, title, intro);
            // The buttons stay in view however long the text is.
            let height = (ui.available_height() - 70.0).max(120.0);
            egui::Frame::group(ui.style()).show(ui, |ui| {
                ScrollArea::vertical()
                    .max_height(height)
                    .auto_shrink([false, true])
                    .show(ui, |ui| ui.label(licence));
            });
            ui.add_space(8.0);
            ui.horizontal(|ui| {
                press(
                    widgets::button(ui, widgets, accept),
                    Intent::Accept {
                        at_unix_ms: unix_ms_now(),
                    },
                );
                press(widgets::button(ui, widgets, decline), Intent::Decline);
            });
        }
        Screen::Waiting {
            title,
            body,
            preview,
            leave,
        }
        | Screen::OnHold {
            title,
            body,
            preview,
            leave,
        }
        | Screen::Connecting {
            title,
            body,
            preview,
            leave,
        } => {
            text(ui, title, body);
            spinner(ui, screen);
            if *preview {
                widgets::preview(ui, drawing.preview_label);
            }
            ui.add_space(8.0);
            press(widgets::button(ui, widgets, leave), Intent::Leave);
        }
        Screen::Live {
            title,
            preview,
            video_paused_note,
            quality,
            notice,
            controls,
        } => {
            heading(ui, title);
            if let Some(quality) = quality {
                widgets::quality(ui, quality);
            }
            for note in [video_paused_note, notice].into_iter().flatten() {
                ui.label(RichText::new(note).color(ui.visuals().warn_fg_color));
            }
            if *preview {
                widgets::preview(ui, drawing.preview_label);
            }
            ui.add_space(8.0);
            if let Some(action) = live_controls(ui, widgets, controls) {
                intent = Some(action);
            }
        }
        Screen::Reconnecting { title, body, leave } => {
            text(ui, title, body);
            spinner(ui, screen);
            press(widgets::button(ui, widgets, leave), Intent::Leave);
        }
        Screen::Ended {
            title,
            reason,
            back,
        } => {
            text(ui, title, reason);
            press(widgets::button(ui, widgets, back), Intent::BackToStart);
        }
    }
    intent
}

/// Each toggle asks for the other position than the one it shows.
fn live_controls(ui: &mut Ui, widgets: &mut Widgets, controls: &LiveControls) -> Option<Intent> {
    let mut intent = None;
    ui.horizontal_wrapped(|ui| {
        if widgets::toggle(ui, widgets, &controls.mute) {
            intent = Some(Intent::SetMuted {
                muted: !controls.mute.on,
            });
        }
        if widgets::toggle(ui, widgets, &controls.pause_video) {
            intent = Some(Intent::SetVideoPaused {
                paused: !controls.pause_video.on,
            });
        }
        if widgets::button(ui, widgets, &controls.switch_camera) {
            intent = Some(Intent::SwitchCamera);
        }
        if widgets::toggle(ui, widgets, &controls.torch) {
            intent = Some(Intent::SetTorch {
                on: !controls.torch.on,
            });
        }
    });
    ui.add_space(8.0);
    if widgets::button(ui, widgets, &controls.leave) {
        intent = Some(Intent::Leave);
    }
    intent
}

fn heading(ui: &mut Ui, title: &str) {
    ui.heading(RichText::new(title).strong());
}

fn text(ui: &mut Ui, title: &str, body: &str) {
    heading(ui, title);
    ui.label(body);
    ui.add_space(6.0);
}

/// What the PIN field did in one frame.
struct FieldResult {
    /// The field's whole text, when the customer changed it.
    typed: Option<String>,
    /// Enter was pressed in the field.
    submitted: bool,
}

impl PinField {
    fn show(
        &mut self,
        ui: &mut Ui,
        widgets: &mut Widgets,
        label: &str,
        model_input: &str,
        first_frame: bool,
    ) -> FieldResult {
        let id = ui.make_persistent_id("pin");
        let focused = ui.memory(|m| m.has_focus(id));
        if (first_frame || !focused) && self.text != model_input {
            self.text = model_input.to_owned();
        }
        let response = ui.add(
            egui::TextEdit::singleline(&mut self.text)
                .id(id)
                .font(egui::FontId::monospace(28.0))
                .desired_width(220.0)
                .hint_text("123 456"),
        );
        if first_frame {
            response.request_focus();
        }
        widgets.note(ui, Role::TextField, label, true, None, response.rect);
        FieldResult {
            typed: response.changed().then(|| self.text.clone()),
            submitted: response.lost_focus() && ui.input(|i| i.key_pressed(Key::Enter)),
        }
    }
}

fn unix_ms_now() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_millis() as i64)
}

/// The activity indicator, where the core says something is under way.
fn spinner(ui: &mut Ui, screen: &Screen) {
    if screen.under_way() {
        ui.spinner();
    }
}
