//! Plan JSON (`terraform show -json`), any encoding: an error or a plan, never a panic.
#![no_main]

use std::path::Path;

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let _ = tally::terraform::plan::parse_plan(Path::new("fuzz.plan.json"), data);
});
