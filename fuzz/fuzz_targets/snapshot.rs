//! Snapshot files (`docs/snapshot.md`): a validated snapshot or an error, never a panic.
#![no_main]

use std::path::Path;

use libfuzzer_sys::fuzz_target;
use tally::snapshot::Snapshot;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    let _ = Snapshot::parse(Path::new("fuzz.snapshot.json"), text);
});
