//! AWS Organizations tag-policy JSON: errors with file:line, never a panic.
#![no_main]

use std::path::Path;

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    let _ = tally::policy::org::parse(Path::new("fuzz.org-policy.json"), text);
});
