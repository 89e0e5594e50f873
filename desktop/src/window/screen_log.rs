//! `--screen-log FILE` (`LENS_SCREEN_LOG`): what the window shows, as a screen reader would
//! read it, one JSON object a line, so that a test (or support) reads the app's words from
//! the app and not from pixels. Two kinds of line:
//! - `{"screen":"licence","title":…,"accept":{"label":"Accept","enabled":true},…}`: every
//!   screen the app model published, in order, with all of its fields;
//! - `{"drawn":"licence","widgets":[{"role":"button","label":"Accept","enabled":true,
//!   "x":…,"y":…,"w":…,"h":…},…]}`: where the screen's controls are in the window, in
//!   physical pixels from its top-left corner, whenever that changes (what AccessKit would
//!   tell a screen reader, and where a person's pointer has to go).
//!
//! The JSON is written here from the fields: the model's types stay free of serialisation.

use std::fs::{File, OpenOptions};
use std::io::{self, Write};
use std::path::Path;
use std::sync::Mutex;

use lens_core::app::{Button, Quality, Screen, Toggle};
use serde_json::{Value, json};

use super::widgets::Widget;

pub struct ScreenLog {
    file: Mutex<File>,
}

impl ScreenLog {
    /// Appends to `path` (created if missing): one log can follow several runs.
    pub fn open(path: &Path) -> io::Result<ScreenLog> {
        let file = OpenOptions::new().create(true).append(true).open(path)?;
        Ok(ScreenLog {
            file: Mutex::new(file),
        })
    }

    pub fn screen(&self, screen: &Screen) {
        self.line(&screen_json(screen));
    }

    /// The controls of `screen_name` as drawn, in physical pixels.
    pub fn drawn(&self, screen_name: &str, widgets: &[Widget]) {
        let widgets: Vec<Value> = widgets.iter().map(widget_json).collect();
        self.line(&json!({ "drawn": screen_name, "widgets": widgets }));
    }

    /// One whole line per write, so that a reader never sees half an object. A failed write
    /// loses that line only; the window goes on.
    fn line(&self, value: &Value) {
        let mut text = value.to_string();
        text.push('\n');
        let mut file = self.file.lock().unwrap_or_else(|e| e.into_inner());
        if let Err(e) = file.write_all(text.as_bytes()) {
            tracing::warn!("screen log: {e}");
        }
    }
}

fn widget_json(widget: &Widget) -> Value {
    let mut value = json!({
        "role": widget.role.name(),
        "label": widget.label,
        "enabled": widget.enabled,
        "x": widget.pixels.left,
        "y": widget.pixels.top,
        "w": widget.pixels.width,
        "h": widget.pixels.height,
    });
    if let Some(on) = widget.on {
        value["on"] = json!(on);
    }
    value
}

fn button(button: &Button) -> Value {
    json!({ "label": button.label, "enabled": button.enabled })
}

fn toggle(toggle: &Toggle) -> Value {
    json!({ "label": toggle.label, "on": toggle.on, "enabled": toggle.enabled })
}

fn quality(quality: &Option<Quality>) -> Value {
    quality
        .as_ref()
        .map_or(Value::Null, |q| json!({ "bars": q.bars, "label": q.label }))
}

/// Every field of the screen under its own name, with `"screen"` its [`Screen::name`].
pub fn screen_json(screen: &Screen) -> Value {
    let mut value = match screen {
        Screen::Tutorial {
            step,
            steps,
            progress,
            title,
            body,
            skip,
            next,
        } => json!({
            "step": step, "steps": steps, "progress": progress, "title": title, "body": body,
            "skip": button(skip), "next": button(next),
        }),
        Screen::Permissions { title, body, allow } => {
            json!({ "title": title, "body": body, "allow": button(allow) })
        }
        Screen::PermissionsRefused {
            title,
            body,
            open_settings,
            try_again,
            without_microphone,
        } => json!({
            "title": title, "body": body, "open_settings": button(open_settings),
            "try_again": button(try_again),
            "without_microphone": without_microphone.as_ref().map(button),
        }),
        Screen::EnterPin {
            title,
            organisation,
            prompt,
            input,
            problem,
            join,
        } => json!({
            "title": title, "organisation": organisation, "prompt": prompt, "input": input,
            "problem": problem, "join": button(join),
        }),
        Screen::Joining { title, body } => json!({ "title": title, "body": body }),
        Screen::Licence {
            title,
            intro,
            text,
            accept,
            decline,
        } => json!({
            "title": title, "intro": intro, "text": text, "accept": button(accept),
            "decline": button(decline),
        }),
        Screen::Waiting {
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
        }
        | Screen::OnHold {
            title,
            body,
            preview,
            leave,
        } => json!({ "title": title, "body": body, "preview": preview, "leave": button(leave) }),
        Screen::Live {
            title,
            preview,
            video_paused_note,
            quality: q,
            notice,
            controls,
        } => json!({
            "title": title, "preview": preview, "video_paused_note": video_paused_note,
            "quality": quality(q), "notice": notice,
            "mute": toggle(&controls.mute), "pause_video": toggle(&controls.pause_video),
            "switch_camera": button(&controls.switch_camera), "torch": toggle(&controls.torch),
            "leave": button(&controls.leave),
        }),
        Screen::Reconnecting { title, body, leave } => {
            json!({ "title": title, "body": body, "leave": button(leave) })
        }
        Screen::Ended {
            title,
            reason,
            back,
        } => json!({ "title": title, "reason": reason, "back": button(back) }),
    };
    value["screen"] = json!(screen.name());
    value
}

#[cfg(test)]
mod tests {
    use lens_core::app::LiveControls;

    use super::*;

    fn button(label: &str, enabled: bool) -> Button {
        Button {
            label: label.into(),
            enabled,
        }
    }

    fn toggle(label: &str, on: bool) -> Toggle {
        Toggle {
            label: label.into(),
            on,
            enabled: true,
        }
    }

    #[test]
    fn the_pin_screen_reads_as_the_customer_sees_it() {
        let screen = Screen::EnterPin {
            title: "Join a session".into(),
            organisation: "Support by \"Acme\"".into(),
            prompt: "Enter the six-digit PIN".into(),
            input: "12".into(),
            problem: Some("The code has six digits; this one has 2.".into()),
            join: button("Join", false),
        };
        let line = screen_json(&screen).to_string();
        let back: Value = serde_json::from_str(&line).unwrap();
        assert_eq!(back["screen"], "enter_pin");
        assert_eq!(back["organisation"], "Support by \"Acme\"");
        assert_eq!(back["input"], "12");
        assert_eq!(back["problem"], "The code has six digits; this one has 2.");
        assert_eq!(back["join"], json!({ "label": "Join", "enabled": false }));
        assert!(!line.contains('\n'), "one screen, one line");
    }

    #[test]
    fn live_controls_say_where_they_stand() {
        let screen = Screen::Live {
            title: "Tess is watching".into(),
            preview: true,
            video_paused_note: None,
            quality: Some(Quality {
                bars: 4,
                max_bars: 5,
                label: "Good connection".into(),
            }),
            notice: None,
            controls: LiveControls {
                mute: toggle("Unmute", true),
                pause_video: toggle("Pause video", false),
                switch_camera: button("Switch camera", false),
                torch: toggle("Torch on", false),
                leave: button("Leave", true),
            },
        };
        let value = screen_json(&screen);
        assert_eq!(value["screen"], "live");
        assert_eq!(
            value["quality"],
            json!({ "bars": 4, "label": "Good connection" })
        );
        assert_eq!(
            value["mute"],
            json!({ "label": "Unmute", "on": true, "enabled": true })
        );
        assert_eq!(value["notice"], Value::Null);
        assert_eq!(
            value["switch_camera"],
            json!({ "label": "Switch camera", "enabled": false })
        );
    }
}
