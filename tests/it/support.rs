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
    tally_with_env(args, &[])
}

/// Run `tally ARGS` with extra environment variables. Whatever the test, AWS traffic can only
/// reach loopback: the default endpoint is a closed local port (tests against moto override
/// it), and neither the instance metadata service nor the user's AWS files are consulted.
pub fn tally_with_env(args: &[&str], env: &[(&str, &str)]) -> Run {
    tally_under(&[], args, env)
}

/// Run `tally ARGS` under a wrapper command (`taskset -c 0`), otherwise as [`tally_with_env`].
pub fn tally_under(wrapper: &[&str], args: &[&str], env: &[(&str, &str)]) -> Run {
    tally_in_dir(&repo(), wrapper, args, env)
}

/// Run `tally ARGS` in `dir` (a subdirectory of the repository, as a CI step with a
/// `working-directory` does), otherwise as [`tally_under`].
pub fn tally_in_dir(dir: &std::path::Path, wrapper: &[&str], args: &[&str], env: &[(&str, &str)]) -> Run {
    let mut cmd = match wrapper.split_first() {
        Some((program, rest)) => {
            let mut cmd = Command::new(program);
            cmd.args(rest).arg(env!("CARGO_BIN_EXE_tally"));
            cmd
        }
        None => Command::new(env!("CARGO_BIN_EXE_tally")),
    };
    cmd.args(args).current_dir(dir).env_remove("RUST_LOG").env("NO_COLOR", "1");
    // Outputs must not depend on the CI system the tests run in.
    for name in [
        "GITHUB_STEP_SUMMARY",
        "GITHUB_SERVER_URL",
        "GITHUB_REPOSITORY",
        "GITHUB_SHA",
        "TALLY_REPO_ROOT",
        "COLUMNS",
    ] {
        cmd.env_remove(name);
    }
    for name in [
        "AWS_PROFILE",
        "AWS_DEFAULT_PROFILE",
        "AWS_SESSION_TOKEN",
        "AWS_ROLE_ARN",
        "AWS_WEB_IDENTITY_TOKEN_FILE",
    ] {
        cmd.env_remove(name);
    }
    cmd.env("AWS_ENDPOINT_URL", "http://127.0.0.1:9")
        .env("AWS_EC2_METADATA_DISABLED", "true")
        .env("AWS_CONFIG_FILE", "/dev/null")
        .env("AWS_SHARED_CREDENTIALS_FILE", "/dev/null")
        .env("AWS_MAX_ATTEMPTS", "1")
        .env("TALLY_CACHE_DIR", std::env::temp_dir().join("tally-test-cache-unused"));
    for (k, v) in env {
        cmd.env(k, v);
    }
    let out = cmd.output().expect("the tally binary runs");
    Run {
        code: out.status.code().unwrap_or(-1),
        stdout: String::from_utf8(out.stdout).expect("stdout is UTF-8"),
        stderr: String::from_utf8(out.stderr).expect("stderr is UTF-8"),
    }
}

/// Output with JUnit's `time` attributes blanked: the run's duration is the one value that may
/// differ between two runs of the same inputs.
pub fn without_times(output: &str) -> String {
    let times = regex::Regex::new(r#" time="[0-9.]+""#).unwrap();
    times.replace_all(output, r#" time="""#).into_owned()
}

/// A Parquet file of these columns, in row groups of at most `row_group_rows` rows (the
/// writer's default when `None`), for tests of the Parquet cost readers.
pub fn write_parquet<K: AsRef<str>>(
    path: &std::path::Path,
    columns: Vec<(K, arrow_array::ArrayRef)>,
    row_group_rows: Option<usize>,
) {
    let batch = arrow_array::RecordBatch::try_from_iter(columns).unwrap();
    let props = row_group_rows.map(|rows| {
        parquet::file::properties::WriterProperties::builder().set_max_row_group_row_count(Some(rows)).build()
    });
    let mut w =
        parquet::arrow::ArrowWriter::try_new(std::fs::File::create(path).unwrap(), batch.schema(), props)
            .unwrap();
    w.write(&batch).unwrap();
    w.close().unwrap();
}
