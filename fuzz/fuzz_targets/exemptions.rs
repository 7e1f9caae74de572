//! The exemptions file: errors with file:line, never a panic.
#![no_main]

use std::path::Path;

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    let _ = tally::policy::exemptions::parse(Path::new("fuzz.exemptions.hcl"), text);
});
