//! The few controls the screens are made of, each drawn from the model's own type ([`Button`],
//! [`Toggle`], [`Quality`]) and noted in [`Widgets`] with its words and its place, for the
//! screen log (`screen_log.rs`).

use eframe::egui::{
    self, Align2, Color32, CornerRadius, FontId, Rect, Sense, Stroke, StrokeKind, Ui, vec2,
};
use lens_core::app::{Button, Quality, Toggle};

/// What kind of control a person sees.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Role {
    Button,
    /// A button that stays pressed (`on`).
    Toggle,
    TextField,
}

impl Role {
    pub fn name(self) -> &'static str {
        match self {
            Role::Button => "button",
            Role::Toggle => "toggle",
            Role::TextField => "text_field",
        }
    }
}

/// A rectangle in physical pixels from the window's top-left corner.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PixelRect {
    pub left: i32,
    pub top: i32,
    pub width: i32,
    pub height: i32,
}

/// One control as drawn.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Widget {
    pub role: Role,
    pub label: String,
    pub enabled: bool,
    pub on: Option<bool>,
    pub pixels: PixelRect,
}

/// The controls drawn in one frame, in drawing order.
#[derive(Debug, Default)]
pub struct Widgets {
    list: Vec<Widget>,
}

impl Widgets {
    pub fn list(&self) -> &[Widget] {
        &self.list
    }

    pub fn note(
        &mut self,
        ui: &Ui,
        role: Role,
        label: &str,
        enabled: bool,
        on: Option<bool>,
        rect: Rect,
    ) {
        let scale = ui.ctx().pixels_per_point();
        let pixels = PixelRect {
            left: (rect.left() * scale).round() as i32,
            top: (rect.top() * scale).round() as i32,
            width: (rect.width() * scale).round() as i32,
            height: (rect.height() * scale).round() as i32,
        };
        self.list.push(Widget {
            role,
            label: label.to_owned(),
            enabled,
            on,
            pixels,
        });
    }
}

/// Big enough to hit with a finger on a touch screen, and to read from a step back.
const BUTTON_SIZE: egui::Vec2 = vec2(140.0, 40.0);

/// Draws `button` (greyed out when it cannot be pressed); true when pressed.
pub fn button(ui: &mut Ui, widgets: &mut Widgets, button: &Button) -> bool {
    let response = ui.add_enabled(
        button.enabled,
        egui::Button::new(button.label.as_str()).min_size(BUTTON_SIZE),
    );
    widgets.note(
        ui,
        Role::Button,
        &button.label,
        button.enabled,
        None,
        response.rect,
    );
    response.clicked()
}

/// Draws `toggle`, shown pressed while `on`; true when pressed.
pub fn toggle(ui: &mut Ui, widgets: &mut Widgets, toggle: &Toggle) -> bool {
    let response = ui.add_enabled(
        toggle.enabled,
        egui::Button::selectable(toggle.on, toggle.label.as_str()).min_size(BUTTON_SIZE),
    );
    widgets.note(
        ui,
        Role::Toggle,
        &toggle.label,
        toggle.enabled,
        Some(toggle.on),
        response.rect,
    );
    response.clicked()
}

/// The meter's bars, `quality.bars` of them lit, and the quality in words beside them.
pub fn quality(ui: &mut Ui, quality: &Quality) {
    ui.horizontal(|ui| {
        let width = 10.0 * f32::from(quality.max_bars);
        let (rect, _) = ui.allocate_exact_size(vec2(width, 22.0), Sense::hover());
        let painter = ui.painter();
        for bar in 0..quality.max_bars {
            let height = 6.0 + 4.0 * f32::from(bar);
            let left = rect.left() + 10.0 * f32::from(bar);
            let bar_rect = Rect::from_min_max(
                egui::pos2(left, rect.bottom() - height),
                egui::pos2(left + 7.0, rect.bottom()),
            );
            let colour = if bar < quality.bars {
                ui.visuals().selection.bg_fill
            } else {
                ui.visuals().widgets.inactive.bg_fill
            };
            painter.rect_filled(bar_rect, CornerRadius::same(1), colour);
        }
        ui.label(&quality.label);
    });
}

/// The local camera preview's place. The engine has no tap on the local picture before
/// media starts (the phones draw their platform's own camera preview there), so the desktop
/// draws the area and says in it that no picture is shown, rather than a blank box.
pub fn preview(ui: &mut Ui, label: &str) {
    let width = ui.available_width().min(420.0);
    let (rect, _) = ui.allocate_exact_size(vec2(width, width * 9.0 / 16.0), Sense::hover());
    let painter = ui.painter();
    painter.rect(
        rect,
        CornerRadius::same(6),
        Color32::from_gray(40),
        Stroke::new(1.0, Color32::from_gray(90)),
        StrokeKind::Inside,
    );
    painter.text(
        rect.center(),
        Align2::CENTER_CENTER,
        label,
        FontId::proportional(15.0),
        Color32::from_gray(200),
    );
}
