//! Same inputs, same bytes, whatever the hash order (each process seeds its own) or the
//! concurrency: every report format, the export's CSV and Parquet, on one core
//! (`taskset -c 0`: one HCL parser thread, one cost-reader thread) and on all of them.
//! Region order against live AWS is in `faults.rs`.

use std::path::Path;
use std::process::Command;

use crate::costs::{sample, scratch, FOCUS_SAMPLE};
use crate::support::{tally_under, Run};

const EXAMPLE: &str = "terraform-examples/acme";
const ONE_CORE: &[&str] = &["taskset", "-c", "0"];

fn run(wrapper: &[&str], args: &[&str]) -> Run {
    tally_under(wrapper, args, &[])
}

/// The test is only meaningful where pinning really leaves one core.
fn pinning_works() {
    let out = Command::new("taskset").args(["-c", "0", "nproc"]).output().expect("taskset runs");
    assert_eq!(String::from_utf8_lossy(&out.stdout).trim(), "1", "taskset -c 0 leaves one CPU");
}

#[test]
fn reports_are_byte_identical_on_one_core_and_on_all() {
    pinning_works();
    let plan = format!("{EXAMPLE}/plan.json");
    let commands: Vec<Vec<&str>> = vec![
        vec!["audit", EXAMPLE],
        vec!["lint", EXAMPLE],
        vec!["plan", &plan, "--code", EXAMPLE],
        vec!["budgets", EXAMPLE],
    ];
    for command in &commands {
        for format in ["table", "json", "markdown", "sarif", "github", "junit"] {
            let mut args = command.clone();
            args.extend(["--format", format]);
            let one = run(ONE_CORE, &args);
            let all = run(&[], &args);
            assert!(!one.stdout.is_empty(), "{args:?}: {}", one.stderr);
            assert_eq!(one.code, all.code, "{args:?}");
            assert!(
                crate::support::without_times(&one.stdout) == crate::support::without_times(&all.stdout),
                "{args:?}: one core and all cores differ"
            );
        }
    }
}

#[test]
fn exports_are_byte_identical_on_one_core_and_on_all() {
    pinning_works();
    let dir = scratch("determinism-export");
    let focus = sample(FOCUS_SAMPLE);
    let focus = focus.to_str().expect("UTF-8 path");
    for format in ["csv", "parquet"] {
        let mut outs = Vec::new();
        for (name, wrapper) in [("one", ONE_CORE), ("all", &[][..])] {
            let out = dir.join(format!("{name}.{format}"));
            let out_s = out.to_str().expect("UTF-8 path");
            let args = [
                "export",
                "--costs",
                focus,
                "--month",
                "2024-09",
                "--owner-tag",
                "application",
                "--allocate",
                "proportional",
                "--by-resource",
                "--format",
                format,
                "-o",
                out_s,
            ];
            let r = run(wrapper, &args);
            assert_eq!(r.code, 0, "{args:?}: {}", r.stderr);
            outs.push(std::fs::read(Path::new(&out)).expect("export written"));
        }
        assert!(!outs[0].is_empty());
        assert!(outs[0] == outs[1], "{format}: one core and all cores differ");
    }
}
