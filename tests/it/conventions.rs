//! The conventions of the tools tally's users already run: `NO_COLOR` and `--color` on stderr,
//! shell completions and a man page, SDK noise kept out of sight, cost files read without AWS,
//! unknown AWS profiles named, JUnit that agrees with `--fail-on`.

use crate::support::{tally, tally_with_env};

const EXAMPLE: &str = "terraform-examples/acme";
const COSTS: &str = "tests/fixtures/costs/cur-amortized.csv";

#[test]
fn no_color_keeps_escape_bytes_off_stderr_and_stdout() {
    // `support` sets NO_COLOR=1 on every run.
    let run = tally(&["-vv", "audit", EXAMPLE]);
    assert_eq!(run.code, 1, "{}", run.stderr);
    assert!(!run.stderr.is_empty(), "-vv logs something");
    assert!(!run.stderr.contains('\u{1b}'), "{}", run.stderr);
    assert!(!run.stdout.contains('\u{1b}'));
    let run = tally_with_env(&["-v", "--color", "never", "audit", EXAMPLE], &[("NO_COLOR", "")]);
    assert!(!run.stderr.contains('\u{1b}'), "{}", run.stderr);
    let run = tally(&["-v", "--color", "always", "audit", EXAMPLE]);
    assert!(run.stderr.contains('\u{1b}'), "--color always wins over NO_COLOR: {}", run.stderr);
}

#[test]
fn verbose_text_logs_say_when_each_line_happened() {
    // `-v` lines carry the seconds since the run started; a plain run's warnings do not.
    let run = tally(&["-v", "audit", EXAMPLE]);
    let lines: Vec<&str> = run.stderr.lines().filter(|l| !l.trim().is_empty()).collect();
    assert!(!lines.is_empty(), "-v logs something");
    for line in &lines {
        let (time, rest) = line.trim_start().split_once("s ").unwrap_or_else(|| panic!("no time: {line}"));
        let (secs, nanos) = time.split_once('.').unwrap_or_else(|| panic!("no time: {line}"));
        assert!(secs.bytes().all(|b| b.is_ascii_digit()) && nanos.len() == 9, "{line}");
        assert!(nanos.bytes().all(|b| b.is_ascii_digit()), "{line}");
        assert!(!rest.is_empty(), "{line}");
    }
    let run = tally(&["lint", "tests/fixtures/hcl/broken"]);
    assert!(run.stderr.contains("WARN"), "a partial run warns: {}", run.stderr);
    for line in run.stderr.lines() {
        assert!(!line.trim_start().starts_with(|c: char| c.is_ascii_digit()), "{}", run.stderr);
    }
}

#[test]
fn cost_files_alone_never_touch_aws() {
    for args in [
        &["audit", "--costs", COSTS][..],
        &["audit", "--costs", COSTS, "--format", "json"][..],
        &["report", "--costs", COSTS, "--format", "json"][..],
    ] {
        // An endpoint that would hang or refuse: the run must not need it.
        let run = tally_with_env(args, &[("AWS_REGION", "")]);
        // 3 is allowed: a review period the cost file does not cover is said as a diagnostic.
        assert!(run.code != 2, "{args:?}: exit {}: {}", run.code, run.stderr);
        assert!(!run.stderr.contains("IMDS") && !run.stderr.contains("imds"), "{args:?}: {}", run.stderr);
        assert!(!run.stderr.contains("no region"), "{args:?}: {}", run.stderr);
    }
}

#[test]
fn an_unknown_profile_is_named() {
    let run = tally(&["collect", "--profile", "nope"]);
    assert_eq!(run.code, 2, "{}", run.stderr);
    assert!(run.stderr.contains("AWS profile \"nope\" does not exist"), "{}", run.stderr);
}

#[test]
fn missing_credentials_are_said_in_plain_words_without_sdk_noise() {
    let run = tally_with_env(&["collect", "--region", "eu-west-1"], &[("AWS_ENDPOINT_URL", "")]);
    assert_eq!(run.code, 2, "{}", run.stderr);
    assert!(run.stderr.contains("no AWS credentials found"), "{}", run.stderr);
    assert!(!run.stderr.contains("WARN"), "SDK warnings stay below -vv: {}", run.stderr);
}

#[test]
fn completions_load_in_their_shells() {
    for shell in ["bash", "zsh", "fish", "elvish", "powershell"] {
        let run = tally(&["completions", shell]);
        assert_eq!(run.code, 0, "{shell}: {}", run.stderr);
        assert!(run.stdout.contains("tally"), "{shell}");
    }
    let script = tally(&["completions", "bash"]).stdout;
    let path = std::env::temp_dir().join(format!("tally-completion-{}.bash", std::process::id()));
    std::fs::write(&path, script).unwrap();
    let out = std::process::Command::new("bash")
        .arg("-c")
        .arg(format!("source {} && complete -p tally", path.display()))
        .output()
        .expect("bash runs");
    let _ = std::fs::remove_file(&path);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    assert!(String::from_utf8_lossy(&out.stdout).contains("tally"));
}

#[test]
fn the_man_page_covers_every_command() {
    let run = tally(&["man"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert!(run.stdout.starts_with(".ie") || run.stdout.contains(".TH tally"), "{}", &run.stdout[..200]);
    for command in ["AUDIT", "PLAN", "LINT", "EXPORT", "COMPLETIONS"] {
        assert!(run.stdout.contains(&format!(".SH \"TALLY {command}\"")), "{command}");
    }
}

#[test]
fn junit_follows_fail_on() {
    let strict = tally(&["lint", EXAMPLE, "--format", "junit", "--fail-on", "info"]).stdout;
    let never = tally(&["lint", EXAMPLE, "--format", "junit", "--fail-on", "never"]).stdout;
    let count = |xml: &str, what: &str| xml.matches(what).count();
    assert!(count(&strict, "<failure ") > 0, "{strict}");
    assert_eq!(count(&never, "<failure "), 0, "{never}");
    assert!(never.contains(r#"failures="0""#), "{never}");
    assert_eq!(count(&strict, "<testcase "), count(&never, "<testcase "));
    assert!(strict.contains(" time=\""), "{strict}");
}

/// The bundled action downloads `tally-TARGET.tar.gz` for the runner it is on and falls back
/// to `cargo install` of this package: the release workflow must publish exactly those
/// archives, and the fallback must name this crate (crates.io's `tally` is another program).
#[test]
fn the_action_installs_what_the_release_workflow_publishes() {
    let root = crate::support::repo();
    let action = std::fs::read_to_string(root.join("action.yml")).unwrap();
    let release = std::fs::read_to_string(root.join(".github/workflows/release.yml")).unwrap();
    let manifest = std::fs::read_to_string(root.join("Cargo.toml")).unwrap();
    assert!(action.contains("tally-${target}.tar.gz"), "the action's archive name changed");
    assert!(release.contains("tally-${{ matrix.target }}.tar.gz"), "the release's archive name changed");
    // The targets the action computes from `uname -m` on GitHub's Linux and macOS runners.
    for target in [
        "x86_64-unknown-linux-gnu",
        "aarch64-unknown-linux-gnu",
        "aarch64-apple-darwin",
        "x86_64-apple-darwin",
    ] {
        assert!(release.contains(&format!("target: {target}")), "no release build for {target}");
    }
    let package = manifest
        .lines()
        .find_map(|l| l.strip_prefix("name = \""))
        .and_then(|l| l.strip_suffix('"'))
        .expect("package name");
    assert_ne!(package, "tally", "crates.io's `tally` is another program");
    assert!(action.contains(&format!("cargo install --locked {package}\n")), "fallback installs {package}");
    assert!(
        action.contains(&format!("cargo install --locked {package} --version")),
        "fallback installs {package}"
    );
}
