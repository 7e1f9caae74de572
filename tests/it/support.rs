//! Running the real `tally` binary from the repository root, as a user would.

use std::path::PathBuf;
use std::process::Command;

pub struct Run {
    pub code: i32,
    pub stdout: String,
    pub stderr: String,
}

pub fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// Run `tally ARGS` in the repository root with a clean, colourless environment.
pub fn tally(args: &[&str]) -> Run {
    let out = Command::new(env!("CARGO_BIN_EXE_tally"))
        .args(args)
        .current_dir(repo())
        .env_remove("RUST_LOG")
        .env("NO_COLOR", "1")
        .output()
        .expect("the tally binary runs");
    Run {
        code: out.status.code().unwrap_or(-1),
        stdout: String::from_utf8(out.stdout).expect("stdout is UTF-8"),
        stderr: String::from_utf8(out.stderr).expect("stderr is UTF-8"),
    }
}
