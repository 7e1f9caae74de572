//! HCL policy files (`tag` blocks, `rule` overrides, `prohibited_tags`) and rule files
//! (`rules/<ID>.hcl`): errors with file:line, never a panic.
#![no_main]

use std::path::Path;

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    let _ = tally::policy::tags::parse_hcl(Path::new("fuzz.policy.hcl"), text);
    let _ = tally::policy::parse_rule_file(Path::new("FUZZ001.hcl"), text);
});
