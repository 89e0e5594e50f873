//! Checking what the customer typed or tapped before there is a session.

use lens_core::join::JoinConfig;

use crate::error::ApiError;

/// The six-digit PIN in what the customer typed, pasted or tapped (a code in any common
/// grouping, or a session link), or `ApiError.InvalidPin` with a sentence for the customer.
///
/// For a Join button that lights up, or to route a link that opened the app. Links are
/// trusted only over https to `accepted_hosts` (the operator's domains, exactly);
/// `LensSession.join` applies the same rules with its server's host added.
#[uniffi::export]
pub fn parse_join_input(input: &str, accepted_hosts: Vec<String>) -> Result<String, ApiError> {
    let config = JoinConfig::new(accepted_hosts, false)?;
    let pin = lens_core::join::parse_join_input(input, &config)?;
    Ok(pin.as_str().to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_link_to_an_accepted_host() {
        assert_eq!(
            parse_join_input("https://oty.com/?code=123456", vec!["oty.com".into()]).unwrap(),
            "123456"
        );
    }

    #[test]
    fn a_bad_accepted_host_is_the_apps_fault() {
        assert!(matches!(
            parse_join_input("123456", vec!["https://oty.com".into()]),
            Err(ApiError::InvalidConfiguration { .. })
        ));
    }
}
