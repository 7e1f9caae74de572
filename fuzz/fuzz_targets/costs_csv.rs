//! CUR / FOCUS CSV: the input is one `.csv` file read by `tally::costs::read_costs` (format
//! detection from the header, amounts, dates, aggregation). An error or records, never a panic.
#![no_main]

use std::path::PathBuf;
use std::sync::OnceLock;

use libfuzzer_sys::fuzz_target;
use tally::costs::{read_costs, ReadOptions};

fn file() -> &'static PathBuf {
    static FILE: OnceLock<PathBuf> = OnceLock::new();
    FILE.get_or_init(|| {
        let dir = std::env::temp_dir().join(format!("tally-fuzz-costs-{}", std::process::id()));
        std::fs::create_dir_all(&dir).expect("temp dir");
        dir.join("costs.csv")
    })
}

fuzz_target!(|data: &[u8]| {
    let file = file();
    std::fs::write(file, data).expect("write costs.csv");
    let opts = ReadOptions { tag_keys: vec!["team".into()], keep_resource_ids: true, threads: Some(1) };
    if let Ok(data) = read_costs(file, &opts) {
        let _ = data.lines(tally::costs::CostBasis::Effective);
        let _ = data.as_of();
    }
});
