//! The six-digit session PIN.

use std::fmt;

/// Number of digits in a Lens PIN.
pub const PIN_DIGITS: usize = 6;

/// A syntactically valid PIN: exactly six ASCII digits. Whether a session has it is the
/// server's business.
#[derive(Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Pin(String);

impl Pin {
    /// Accepts exactly six ASCII digits and nothing else; use
    /// [`crate::join::parse_join_input`] for what a person typed.
    pub fn from_digits(digits: &str) -> Option<Pin> {
        (digits.len() == PIN_DIGITS && digits.bytes().all(|b| b.is_ascii_digit()))
            .then(|| Pin(digits.to_owned()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for Pin {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

// PINs are short-lived secrets: keep them out of Debug output that may reach logs.
impl fmt::Debug for Pin {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Pin(******)")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_six_ascii_digits() {
        assert_eq!(Pin::from_digits("123456").unwrap().as_str(), "123456");
        for bad in ["12345", "1234567", "12345a", "١٢٣٤٥٦", ""] {
            assert!(Pin::from_digits(bad).is_none(), "{bad}");
        }
    }

    #[test]
    fn debug_hides_the_digits() {
        assert_eq!(
            format!("{:?}", Pin::from_digits("123456").unwrap()),
            "Pin(******)"
        );
    }
}
