//! One table of wire names per word of the protocol. serde, the server's database and the
//! console all spell a status or an end reason the way [`wire_names!`] lists it, so a name
//! cannot drift between the wire and the store.

/// A name that is not one of the type's wire names (a newer peer, or a damaged row).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown {kind} {name:?}")]
pub struct UnknownName {
    pub kind: &'static str,
    pub name: String,
}

/// Gives a field-less enum its wire names: `as_str`, `ALL`, `FromStr`, and the conversions
/// that `#[serde(into = "&'static str", try_from = "String")]` on the enum uses. Exported
/// for the server's own words (permissions, session methods, log events).
#[macro_export]
macro_rules! wire_names {
    ($type:ident, $kind:literal { $($variant:ident => $name:literal),+ $(,)? }) => {
        impl $type {
            /// Every value, in declaration order.
            pub const ALL: &'static [$type] = &[$($type::$variant),+];

            /// The wire name (JSON, the database, the console).
            pub fn as_str(self) -> &'static str {
                match self {
                    $($type::$variant => $name),+
                }
            }
        }

        impl std::str::FromStr for $type {
            type Err = $crate::signal::UnknownName;

            fn from_str(name: &str) -> Result<Self, Self::Err> {
                Self::ALL
                    .iter()
                    .copied()
                    .find(|value| value.as_str() == name)
                    .ok_or_else(|| $crate::signal::UnknownName {
                        kind: $kind,
                        name: name.to_owned(),
                    })
            }
        }

        impl From<$type> for &'static str {
            fn from(value: $type) -> Self {
                value.as_str()
            }
        }

        impl TryFrom<String> for $type {
            type Error = $crate::signal::UnknownName;

            fn try_from(name: String) -> Result<Self, Self::Error> {
                name.parse()
            }
        }
    };
}
