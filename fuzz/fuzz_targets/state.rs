//! Terraform state v4 JSON, any encoding: an error or a state, never a panic.
#![no_main]

use std::path::Path;

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let _ = tally::terraform::state::parse_state(Path::new("fuzz.tfstate"), data);
});
