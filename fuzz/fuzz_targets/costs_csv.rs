//! CUR / FOCUS CSV: the input is one `.csv` file read by `tally::costs::read_costs` (format
//! detection from the header, amounts, dates, aggregation). An error or records, never a panic.
//! Read twice: keeping every tag and resource id (audit), and keeping only the owner tag
//! (`export` without `--by-resource`); both must account for the same money.
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
    let all = ReadOptions { tag_keys: vec!["team".into()], threads: Some(1), ..ReadOptions::default() };
    let owner_only = ReadOptions {
        keep_resource_ids: false,
        only_tags: Some(vec!["team".into()]),
        ..all.clone()
    };
    // The sum of every line (`None` if it overflows); `None` outside when the file is refused.
    let total = |opts: &ReadOptions| {
        read_costs(file, opts).ok().map(|data| {
            let _ = data.as_of();
            let lines = data.lines(tally::costs::CostBasis::Effective);
            let mut amounts = lines.iter().map(|l| l.amount);
            amounts.next().and_then(|first| amounts.try_fold(first, |sum, a| sum.checked_add(a)))
        })
    };
    // Folding more lines into one record may overflow a sum the other read kept apart, so
    // only two accepted reads are compared.
    if let (Some(all), Some(owner_only)) = (total(&all), total(&owner_only)) {
        assert_eq!(all, owner_only, "the same money whatever the tags kept");
    }
});
