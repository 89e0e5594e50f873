//! The words of the phone's notification while a session runs (Android's foreground service
//! must show one; it tells the customer that the technician can see the camera). They are not
//! a screen: the system draws them, outside the app, for as long as the service runs.

use crate::l10n::Texts;

/// The notification's channel name (shown in the system settings), title, body and the label
/// of its Leave button, in the device's language.
#[derive(Debug, Clone, PartialEq, Eq)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
pub struct LiveNotification {
    pub channel_name: String,
    pub title: String,
    pub body: String,
    pub leave: String,
}

impl LiveNotification {
    /// In the best language for `locales` (BCP 47 tags, most preferred first).
    pub fn for_locales<S: AsRef<str>>(locales: &[S]) -> LiveNotification {
        let texts = Texts::for_locales(locales);
        LiveNotification {
            channel_name: texts.get("notification-channel"),
            title: texts.get("notification-title"),
            body: texts.get("notification-body"),
            leave: texts.get("notification-leave"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::LiveNotification;

    #[test]
    fn the_notification_says_the_technician_can_see_the_camera_in_the_devices_language() {
        let english = LiveNotification::for_locales(&["en-GB"]);
        assert_eq!(english.title, "Your technician can see your camera");
        assert_eq!(english.leave, "Leave");
        let german = LiveNotification::for_locales(&["de-AT", "en"]);
        assert_eq!(german.title, "Ihr Techniker kann Ihre Kamera sehen");
        assert_eq!(german.leave, "Verlassen");
        let dutch = LiveNotification::for_locales(&["nl_BE"]);
        assert_eq!(dutch.title, "Uw technicus kan uw camera zien");
        // A language Lens does not ship reads English.
        assert_eq!(LiveNotification::for_locales(&["fr-FR"]), english);
    }
}
