//! Secrets and identifiers. Everything here draws from the operating system's CSPRNG
//! directly: these values are bearer credentials (cookies, customer tokens) or must not be
//! guessable (PINs, session ids).

use rand::TryRngCore;
use rand::rngs::OsRng;
use rand::{Rng, RngCore};
use sha2::{Digest, Sha256};

/// A generator backed by the OS CSPRNG. `OsRng` is fallible; a failing OS RNG leaves the
/// process unable to do anything safely, so panicking is the right answer.
fn os_rng() -> impl Rng {
    OsRng.unwrap_err()
}

/// A 256-bit bearer token as 64 hex digits (cookies, customer tokens).
pub fn random_token() -> String {
    let mut bytes = [0u8; 32];
    os_rng().fill_bytes(&mut bytes);
    hex(&bytes)
}

/// A 128-bit identifier as 32 hex digits (session ids). Unguessable, so knowing one id does
/// not reveal others.
pub fn random_id() -> String {
    let mut bytes = [0u8; 16];
    os_rng().fill_bytes(&mut bytes);
    hex(&bytes)
}

/// A uniformly random six-digit PIN, leading zeros included.
pub fn random_pin() -> String {
    format!("{:06}", os_rng().random_range(0..1_000_000u32))
}

/// A password for the demo technician: 20 characters from an alphabet without look-alikes
/// (about 115 bits).
pub fn random_password() -> String {
    const ALPHABET: &[u8] = b"abcdefghijkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789";
    let mut rng = os_rng();
    (0..20)
        .map(|_| ALPHABET[rng.random_range(0..ALPHABET.len())] as char)
        .collect()
}

/// How tokens are stored: a plain SHA-256 is enough because the tokens carry 256 bits of
/// entropy (no dictionary to attack), and it keeps a per-request look-up cheap.
pub fn sha256_hex(data: &[u8]) -> String {
    hex(&Sha256::digest(data))
}

fn hex(bytes: &[u8]) -> String {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    let mut out = String::with_capacity(bytes.len() * 2);
    for b in bytes {
        out.push(DIGITS[usize::from(b >> 4)] as char);
        out.push(DIGITS[usize::from(b & 0xf)] as char);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shapes() {
        assert_eq!(random_token().len(), 64);
        assert_eq!(random_id().len(), 32);
        assert_ne!(random_token(), random_token());
        for _ in 0..200 {
            let pin = random_pin();
            assert!(
                pin.len() == 6 && pin.bytes().all(|b| b.is_ascii_digit()),
                "{pin}"
            );
        }
        assert_eq!(random_password().len(), 20);
    }

    #[test]
    fn sha256_is_the_standard_one() {
        assert_eq!(
            sha256_hex(b"abc"),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
    }
}
