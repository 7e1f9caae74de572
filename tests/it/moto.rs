//! A moto server (an AWS API emulator) on loopback for the live-AWS tests: one server per test
//! binary, started on first use from the project's pinned `.moto-venv` (scripts/test installs
//! it), one AWS account per test for isolation (AssumeRole into distinct account ids).
//!
//! Beside it, `tests/support/cloudcontrol_fake.py` serves the Cloud Control API (which moto
//! does not) from moto's own state; every tally run is pointed at it with
//! `AWS_ENDPOINT_URL_CLOUDCONTROL`.
//!
//! Without the venv the AWS tests fail with a message saying how to install it: they never
//! pass silently.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::PathBuf;
use std::process::{Command, Stdio};
use std::sync::OnceLock;
use std::time::{Duration, Instant};

use crate::support::{repo, tally_with_env, Run};

pub struct Moto {
    pub endpoint: String,
    /// The Cloud Control fake in front of this moto.
    pub cloud_control: String,
    /// Kept, never waited on: the wrappers exit by themselves when this test binary does.
    _server: std::process::Child,
    _cloud_control: std::process::Child,
}

static MOTO: OnceLock<Moto> = OnceLock::new();

fn venv_python() -> PathBuf {
    repo().join(".moto-venv/bin/python")
}

/// The shared server, started on first use.
pub fn moto() -> &'static Moto {
    MOTO.get_or_init(start)
}

fn start() -> Moto {
    let python = venv_python();
    assert!(
        repo().join(".moto-venv/bin/moto_server").is_file() && python.is_file(),
        "moto is not installed: the AWS tests need {} (run scripts/test, which creates it with \
         `python3 -m venv .moto-venv && .moto-venv/bin/pip install 'moto[server]==5.2.5' 'boto3==1.44.5'`)",
        repo().join(".moto-venv").display()
    );
    let port = TcpListener::bind("127.0.0.1:0").and_then(|l| l.local_addr()).expect("a free port").port();
    let mut child = Command::new(&python)
        .arg(repo().join("tests/support/moto_run.py"))
        .arg(port.to_string())
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("moto starts");
    // The wrapper prints "ready" once the server listens; it exits by itself with this process.
    let mut line = String::new();
    BufReader::new(child.stdout.take().expect("stdout")).read_line(&mut line).expect("moto output");
    assert_eq!(line.trim(), "ready", "moto did not start");
    let endpoint = format!("http://127.0.0.1:{port}");
    let deadline = Instant::now() + Duration::from_secs(30);
    while !http_ok(port, "/moto-api/") {
        assert!(Instant::now() < deadline, "moto on port {port} did not answer in 30 s");
        std::thread::sleep(Duration::from_millis(100));
    }
    let (cloud_control, cc_child) = start_cloud_control(&endpoint);
    Moto { endpoint, cloud_control, _server: child, _cloud_control: cc_child }
}

/// The Cloud Control fake, answering from the moto at `moto_endpoint`.
fn start_cloud_control(moto_endpoint: &str) -> (String, std::process::Child) {
    let port = TcpListener::bind("127.0.0.1:0").and_then(|l| l.local_addr()).expect("a free port").port();
    let mut child = Command::new(venv_python())
        .arg(repo().join("tests/support/cloudcontrol_fake.py"))
        .arg(port.to_string())
        .arg(moto_endpoint)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("the Cloud Control fake starts");
    let mut line = String::new();
    BufReader::new(child.stdout.take().expect("stdout")).read_line(&mut line).expect("fake output");
    assert_eq!(line.trim(), "ready", "the Cloud Control fake did not start");
    let deadline = Instant::now() + Duration::from_secs(30);
    while !http_ok(port, "/fake/stats") {
        assert!(Instant::now() < deadline, "the Cloud Control fake on port {port} did not answer in 30 s");
        std::thread::sleep(Duration::from_millis(100));
    }
    (format!("http://127.0.0.1:{port}"), child)
}

fn http_ok(port: u16, path: &str) -> bool {
    let Ok(mut stream) = TcpStream::connect(("127.0.0.1", port)) else { return false };
    let _ = stream.set_read_timeout(Some(Duration::from_secs(5)));
    let request = format!("GET {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n");
    if stream.write_all(request.as_bytes()).is_err() {
        return false;
    }
    let mut response = String::new();
    let _ = stream.read_to_string(&mut response);
    response.starts_with("HTTP/1.1 200") || response.starts_with("HTTP/1.0 200")
}

impl Moto {
    /// Faults of the Cloud Control fake for `account` (see `tests/support/cloudcontrol_fake.py`):
    /// `{"deny": [types], "throttle_every": N, "page_size": N}`.
    pub fn cloud_control_faults(&self, account: &str, mut spec: serde_json::Value) {
        spec["account"] = account.into();
        let body = spec.to_string();
        let port: u16 = self.cloud_control.rsplit(':').next().and_then(|p| p.parse().ok()).expect("port");
        let mut stream = TcpStream::connect(("127.0.0.1", port)).expect("the fake listens");
        let request = format!(
            "POST /fake/faults HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
            body.len()
        );
        stream.write_all(request.as_bytes()).expect("faults sent");
        let mut response = String::new();
        let _ = stream.read_to_string(&mut response);
        assert!(response.starts_with("HTTP/1.1 200") || response.starts_with("HTTP/1.0 200"), "{response}");
    }

    /// Seed `account` (see tests/support/moto_seed.py for the spec); returns the script's output.
    pub fn seed(&self, account: &str, mut spec: serde_json::Value) -> serde_json::Value {
        spec["endpoint"] = self.endpoint.clone().into();
        spec["account"] = account.into();
        let mut child = Command::new(venv_python())
            .arg(repo().join("tests/support/moto_seed.py"))
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("the seed script runs");
        child.stdin.take().expect("stdin").write_all(spec.to_string().as_bytes()).expect("spec written");
        let out = child.wait_with_output().expect("the seed script finishes");
        assert!(out.status.success(), "seeding failed:\n{}", String::from_utf8_lossy(&out.stderr));
        serde_json::from_slice(&out.stdout).expect("seed output is JSON")
    }

    /// Run tally against this server with test credentials and its own cache directory.
    pub fn tally(&self, args: &[&str], cache: &TempDir) -> Run {
        let cache_dir = cache.path.to_string_lossy().to_string();
        tally_with_env(
            args,
            &[
                ("AWS_ENDPOINT_URL", &self.endpoint),
                ("AWS_ENDPOINT_URL_CLOUDCONTROL", &self.cloud_control),
                ("AWS_ACCESS_KEY_ID", "testing"),
                ("AWS_SECRET_ACCESS_KEY", "testing"),
                ("AWS_REGION", "us-east-1"),
                ("TALLY_CACHE_DIR", &cache_dir),
            ],
        )
    }
}

impl Moto {
    /// Run tally as `account` (credentials from [`Moto::seed`]'s output): its S3 objects and
    /// Athena results are the ones seeded there, invisible to every other test.
    pub fn tally_as(&self, seeded: &serde_json::Value, args: &[&str], cache: &TempDir) -> Run {
        self.tally_as_with(seeded, args, cache, &[])
    }

    /// [`Moto::tally_as`] with extra environment (`AWS_MAX_ATTEMPTS` for throttling tests).
    pub fn tally_as_with(
        &self,
        seeded: &serde_json::Value,
        args: &[&str],
        cache: &TempDir,
        extra: &[(&str, &str)],
    ) -> Run {
        let creds = &seeded["credentials"];
        let field = |k: &str| creds[k].as_str().expect("seed output has credentials").to_string();
        let (key, secret, token) = (field("AccessKeyId"), field("SecretAccessKey"), field("SessionToken"));
        let cache_dir = cache.path.to_string_lossy().to_string();
        let mut env: Vec<(&str, &str)> = vec![
            ("AWS_ENDPOINT_URL", &self.endpoint),
            ("AWS_ENDPOINT_URL_CLOUDCONTROL", &self.cloud_control),
            ("AWS_ACCESS_KEY_ID", &key),
            ("AWS_SECRET_ACCESS_KEY", &secret),
            ("AWS_SESSION_TOKEN", &token),
            ("AWS_REGION", "us-east-1"),
            ("TALLY_CACHE_DIR", &cache_dir),
        ];
        env.extend_from_slice(extra);
        tally_with_env(args, &env)
    }
}

/// A directory removed when the test ends.
pub struct TempDir {
    pub path: PathBuf,
}

impl TempDir {
    pub fn new(name: &str) -> Self {
        let path = std::env::temp_dir().join(format!("tally-it-{name}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&path);
        std::fs::create_dir_all(&path).expect("temp dir");
        Self { path }
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.path);
    }
}
