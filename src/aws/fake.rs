//! Test support: a tiny HTTP server on 127.0.0.1 that answers SDK requests with recorded JSON
//! responses (`tests/fixtures/aws/`), for operations the moto test server does not implement.
//! It exercises the real SDK (serialisation, signing, parsing) and tally's mapping.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpListener;
use std::sync::{Arc, Mutex};

use aws_config::{BehaviorVersion, Region};
use aws_sdk_sts::config::Credentials;

use super::clients::Clients;

/// What one request looked like: its `X-Amz-Target` header and its body.
#[derive(Debug, Clone)]
pub(crate) struct Request {
    pub(crate) target: String,
    pub(crate) body: String,
}

pub(crate) struct FakeAws {
    pub(crate) endpoint: String,
    pub(crate) requests: Arc<Mutex<Vec<Request>>>,
}

/// A recorded response from `tests/fixtures/aws/`.
pub(crate) fn fixture(name: &str) -> String {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/aws").join(name);
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

impl FakeAws {
    /// Serve until the test process ends; `answer` maps a request to a JSON body (HTTP 200).
    pub(crate) fn start(answer: impl Fn(&Request) -> String + Send + 'static) -> Self {
        Self::start_with_status(move |req| (200, answer(req)))
    }

    /// Serve until the test process ends; `answer` maps a request to an HTTP status and a JSON
    /// body (AWS's JSON protocols carry errors as a 4xx status with `__type` in the body).
    pub(crate) fn start_with_status(answer: impl Fn(&Request) -> (u16, String) + Send + 'static) -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
        let endpoint = format!("http://{}", listener.local_addr().expect("addr"));
        let requests = Arc::new(Mutex::new(Vec::new()));
        let log = requests.clone();
        std::thread::spawn(move || {
            for stream in listener.incoming() {
                let Ok(mut stream) = stream else { continue };
                let mut reader = BufReader::new(stream.try_clone().expect("clone"));
                let (mut target, mut length) = (String::new(), 0usize);
                loop {
                    let mut line = String::new();
                    if reader.read_line(&mut line).unwrap_or(0) == 0 || line == "\r\n" {
                        break;
                    }
                    let lower = line.to_ascii_lowercase();
                    if let Some(v) = lower.strip_prefix("content-length:") {
                        length = v.trim().parse().unwrap_or(0);
                    }
                    if lower.starts_with("x-amz-target:") {
                        target = line["x-amz-target:".len()..].trim().to_string();
                    }
                }
                let mut body = vec![0; length];
                let _ = reader.read_exact(&mut body);
                let request = Request { target, body: String::from_utf8_lossy(&body).to_string() };
                let (status, response) = answer(&request);
                log.lock().expect("log").push(request);
                let reason = if status == 200 { "OK" } else { "Error" };
                let _ = write!(
                    stream,
                    "HTTP/1.1 {status} {reason}\r\nContent-Type: application/x-amz-json-1.1\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{}",
                    response.len(),
                    response
                );
            }
        });
        Self { endpoint, requests }
    }

    pub(crate) async fn clients(&self) -> Clients {
        let config = aws_config::defaults(BehaviorVersion::latest())
            .endpoint_url(&self.endpoint)
            .region(Region::new("us-east-1"))
            .credentials_provider(Credentials::new("testing", "testing", None, None, "fake"))
            .retry_config(aws_config::retry::RetryConfig::standard().with_max_attempts(1))
            .load()
            .await;
        Clients::from_sdk_config(config)
    }
}
