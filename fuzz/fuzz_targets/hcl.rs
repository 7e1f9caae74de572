//! Terraform code: the input is one `main.tf` in an otherwise empty module directory; loading it
//! parses, expands `count`/`for_each` and evaluates effective tags. Must never panic.
#![no_main]

use std::path::PathBuf;
use std::sync::OnceLock;

use libfuzzer_sys::fuzz_target;
use tally::terraform::hcl::{load_code, CodeOptions};

fn dir() -> &'static PathBuf {
    static DIR: OnceLock<PathBuf> = OnceLock::new();
    DIR.get_or_init(|| {
        let dir = std::env::temp_dir().join(format!("tally-fuzz-hcl-{}", std::process::id()));
        std::fs::create_dir_all(&dir).expect("temp dir");
        dir
    })
}

fuzz_target!(|data: &[u8]| {
    let dir = dir();
    std::fs::write(dir.join("main.tf"), data).expect("write main.tf");
    let _ = load_code(dir, &CodeOptions::default());
});
