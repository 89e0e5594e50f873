//! Refuses to build the engine on x86 without `nasm`.
//!
//! openh264-sys2 assembles openh264's SIMD kernels with nasm when it finds it and otherwise,
//! without a word, compiles only the plain C fallbacks: the encoder then takes about three
//! times the CPU (measured: `WelsDctT4_c`, `VAACalcSadBgd_c` and friends at the top of a
//! profile of a 720p session). A customer's battery should not depend on what happened to be
//! installed on the build machine, so the engine fails the build instead and says what to do.
//! ARM targets (the phones) use the C compiler's assembler and need nothing extra.

use std::process::Command;

fn main() {
    println!("cargo:rerun-if-changed=build.rs");
    println!("cargo:rerun-if-env-changed=OPENH264_NO_ASM");
    let arch = std::env::var("CARGO_CFG_TARGET_ARCH").unwrap_or_default();
    if !matches!(arch.as_str(), "x86" | "x86_64") {
        return;
    }
    if std::env::var_os("OPENH264_NO_ASM").is_some() {
        println!(
            "cargo:warning=OPENH264_NO_ASM is set: openh264 is built without SIMD and encodes about 3x slower"
        );
        return;
    }
    let nasm = Command::new(std::env::var("NASM").unwrap_or_else(|_| "nasm".into()))
        .arg("-v")
        .output();
    if !matches!(nasm, Ok(ref out) if out.status.success()) {
        panic!(
            "nasm is not installed: openh264 would be built without its SIMD code and encode \
             about 3x slower. Install it (`make deps`, or `apt-get install nasm`), or set \
             OPENH264_NO_ASM=1 to build the slow encoder on purpose."
        );
    }
}
