#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| lens_fuzz::server_join_body(data));
