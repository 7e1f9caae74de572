//! End-to-end runs of the command line: help text, exit codes, error messages.

use crate::support::tally;

#[test]
fn help_of_every_command() {
    for args in [&["--help"][..], &["audit", "--help"], &["collect", "--help"]] {
        let run = tally(args);
        assert_eq!(run.code, 0, "{args:?}: {}", run.stderr);
        insta::assert_snapshot!(format!("help {}", args.join(" ")), run.stdout);
    }
}

#[test]
fn unknown_flag_is_a_usage_error() {
    let run = tally(&["audit", "--no-such-flag"]);
    assert_eq!(run.code, 2);
    assert!(run.stderr.contains("--no-such-flag"), "{}", run.stderr);
}

#[test]
fn missing_directory_is_an_input_error() {
    let run = tally(&["audit", "does/not/exist"]);
    assert_eq!(run.code, 2);
    assert_eq!(run.stderr.trim(), "error: does/not/exist: not a directory");
}

#[test]
fn snapshot_amounts_must_be_decimal_strings() {
    let run = tally(&["audit", "--snapshot", "tests/fixtures/bad/float-amount.snapshot.json"]);
    assert_eq!(run.code, 2, "{}", run.stderr);
    assert!(
        run.stderr.starts_with("error: tests/fixtures/bad/float-amount.snapshot.json:"),
        "{}",
        run.stderr
    );
    assert!(!run.stderr.contains("panicked"), "{}", run.stderr);
}
