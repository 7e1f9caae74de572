//! `tally.hcl`: a config or every error with file:line, never a panic.
#![no_main]

use std::path::Path;

use libfuzzer_sys::fuzz_target;
use tally::config::Config;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    let _ = Config::parse(Path::new("fuzz/tally.hcl"), Path::new("fuzz"), text);
});
