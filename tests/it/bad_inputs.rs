//! The bad-input corpus (`tests/fixtures/bad/`): every file gives a clear message naming the
//! file (and line where there is one), exit 2, and never a panic. The messages are snapshotted.

use std::path::{Path, PathBuf};

use crate::support::{repo, tally};

const BAD: &str = "tests/fixtures/bad";

fn files(dir: &Path, out: &mut Vec<PathBuf>) {
    let mut entries: Vec<PathBuf> =
        std::fs::read_dir(dir).expect("bad corpus").map(|e| e.expect("entry").path()).collect();
    entries.sort();
    for path in entries {
        // A directory named tally.hcl is itself a bad input (a config that is not a file).
        if path.is_dir() && !path.ends_with("tally.hcl") {
            files(&path, out);
        } else {
            out.push(path);
        }
    }
}

/// The command that reads this kind of file.
fn command(rel: &str) -> Vec<String> {
    let (kind, _) = rel.trim_start_matches(&format!("{BAD}/")).split_once('/').expect("kind folder");
    let owned = |args: &[&str]| args.iter().map(|s| s.to_string()).collect();
    match kind {
        "state" => owned(&["audit", "--state", rel]),
        "plan" => owned(&["plan", rel]),
        "snapshot" => owned(&["audit", "--snapshot", rel]),
        "costs" => owned(&["audit", "--offline", "--costs", rel]),
        "exemptions" => owned(&["audit", "--offline", "--exemptions", rel]),
        "policy" => owned(&["audit", "--offline", "--policy", rel]),
        "config" => {
            let dir = rel.trim_end_matches("/tally.hcl");
            owned(&["audit", dir])
        }
        other => panic!("{rel}: no command for kind {other}"),
    }
}

#[test]
fn every_bad_input_is_a_clear_exit_2() {
    let mut all = Vec::new();
    files(&repo().join(BAD), &mut all);
    assert!(all.len() >= 150, "at least 150 bad inputs, found {}", all.len());
    let mut lines = Vec::new();
    for path in all {
        let rel = path.strip_prefix(repo()).expect("inside the repo").to_string_lossy().replace('\\', "/");
        let args = command(&rel);
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        let run = tally(&args);
        assert_eq!(run.code, 2, "{rel}: exit {}\nstdout: {}\nstderr: {}", run.code, run.stdout, run.stderr);
        assert!(!run.stderr.contains("panicked"), "{rel}: {}", run.stderr);
        let named = rel.trim_end_matches("/tally.hcl");
        assert!(run.stderr.contains(named), "{rel}: the message must name the file: {}", run.stderr);
        assert!(run.stdout.is_empty(), "{rel}: no report on an input error: {}", run.stdout);
        lines.push(format!("{rel}\n    {}", run.stderr.trim_end().replace('\n', "\n    ")));
    }
    insta::assert_snapshot!(lines.join("\n"));
}

/// Found by the `config` fuzz target (`fuzz/`): hcl-edit's parser backtracks exponentially on a
/// syntax error deep inside nested expressions; unguarded, this 1.1 KB `tally.hcl` took 50 s
/// (debug build). `hcl_syntax` bounds it: the run fails fast, naming the file and line.
#[test]
fn fuzz_config_parser_hang_fails_fast() {
    let started = std::time::Instant::now();
    let run = tally(&["audit", "tests/fixtures/fuzz/config-parser-hang", "--offline"]);
    assert_eq!(run.code, 2, "{}", run.stderr);
    assert!(run.stderr.contains("config-parser-hang/tally.hcl:1:"), "{}", run.stderr);
    assert!(started.elapsed() < std::time::Duration::from_secs(5), "took {:?}", started.elapsed());
}

/// The same pathology in Terraform code, 30 levels deep (over an hour unguarded): reported at the
/// deepest bracket, fast. A Terraform file that cannot be parsed makes the run partial (exit 3),
/// like any unreadable input of an audit.
#[test]
fn deeply_nested_syntax_error_in_code_fails_fast() {
    let started = std::time::Instant::now();
    let run = tally(&["lint", "tests/fixtures/fuzz/code-parser-hang"]);
    assert_eq!(run.code, 3, "{}", run.stderr);
    assert!(
        run.stdout.contains("main.tf:4:187: cannot parse: expressions nest 32 levels deep"),
        "{}",
        run.stdout
    );
    assert!(started.elapsed() < std::time::Duration::from_secs(5), "took {:?}", started.elapsed());
}
