//! A fault-injecting HTTP/1.1 proxy on loopback, between tally (the real AWS SDK) and moto.
//!
//! Each request is forwarded to moto on a fresh connection, or answered with a fault instead:
//! a throttling error in the body format of the request's protocol (`ThrottlingException`,
//! `LimitExceededException`; HTTP 400), HTTP 429, 503, 500, a slow answer, or a connection cut
//! before or during the response. Which request gets which fault is deterministic whatever the
//! order requests arrive in: the roll is a hash of a fixed seed, the request (method, path,
//! `X-Amz-Target`, body) and how many times that same request was seen before, so a retry of a
//! request rolls again while concurrency cannot reshuffle the faults between runs.
//!
//! Rules ([`Rule`]) make chosen requests fail every time (a region, an account's role, page 2
//! of a listing). Only std; loopback only.

use std::collections::HashMap;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::{Shutdown, TcpListener, TcpStream};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// One injected behaviour.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Fault {
    /// HTTP 400, error code `ThrottlingException` (`Throttling` for the query protocol, as STS).
    Throttling,
    /// HTTP 400, error code `LimitExceededException`.
    LimitExceeded,
    /// HTTP 429 `TooManyRequestsException`.
    TooManyRequests,
    /// HTTP 503 `ServiceUnavailable`.
    Unavailable,
    /// HTTP 500 `InternalFailure`.
    Internal,
    /// Forwarded, but answered only after a delay.
    Slow,
    /// The connection is closed after the request is read, before any response byte.
    CutBeforeResponse,
    /// Half of moto's response is sent, then the connection is closed.
    CutMidResponse,
    /// HTTP 403 `AccessDeniedException`: not transient; for permanent rules.
    AccessDenied,
}

/// The transient faults, drawn uniformly when a request is picked for one.
pub const TRANSIENT: &[Fault] = &[
    Fault::Throttling,
    Fault::LimitExceeded,
    Fault::TooManyRequests,
    Fault::Unavailable,
    Fault::Internal,
    Fault::Slow,
    Fault::CutBeforeResponse,
    Fault::CutMidResponse,
];

/// What a rule sees of a request.
pub struct Request {
    pub method: String,
    pub path: String,
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
}

impl Request {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.iter().find(|(k, _)| k.eq_ignore_ascii_case(name)).map(|(_, v)| v.as_str())
    }

    /// `X-Amz-Target` without the service prefix: `GetResources`, ...; for the query protocol
    /// (STS), the `Action` of the form body.
    pub fn operation(&self) -> String {
        if let Some(target) = self.header("x-amz-target") {
            return target.rsplit('.').next().unwrap_or(target).to_string();
        }
        let body = String::from_utf8_lossy(&self.body);
        body.split('&').find_map(|p| p.strip_prefix("Action=")).unwrap_or("").to_string()
    }

    /// The region of the SigV4 credential scope (`Credential=AKID/DATE/REGION/SERVICE/...`).
    pub fn signing_region(&self) -> Option<String> {
        let auth = self.header("authorization")?;
        let scope = auth.split("Credential=").nth(1)?;
        scope.split('/').nth(2).map(str::to_string)
    }

    pub fn body_text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }

    fn protocol(&self) -> Protocol {
        if self.header("x-amz-target").is_some() {
            Protocol::Json
        } else if self.header("content-type").is_some_and(|c| c.contains("x-www-form-urlencoded")) {
            Protocol::Query
        } else {
            Protocol::RestXml
        }
    }
}

#[derive(Clone, Copy)]
enum Protocol {
    /// awsJson1.0/1.1: tagging API, Config, Cost Explorer, Budgets, Organizations.
    Json,
    /// awsQuery: STS.
    Query,
    /// restXml: S3.
    RestXml,
}

/// A request matching `matches` always gets `fault`.
pub struct Rule {
    pub matches: Box<dyn Fn(&Request) -> bool + Send + Sync>,
    pub fault: Fault,
}

/// How the proxy misbehaves.
pub struct Plan {
    pub seed: u64,
    /// Share of requests (0.0..=1.0) that get one of `kinds`.
    pub rate: f64,
    pub kinds: Vec<Fault>,
    pub rules: Vec<Rule>,
    /// Delay of [`Fault::Slow`].
    pub slow: Duration,
}

impl Plan {
    /// No faults: a transparent proxy (the baseline run).
    pub fn none() -> Self {
        Plan { seed: 0, rate: 0.0, kinds: Vec::new(), rules: Vec::new(), slow: Duration::ZERO }
    }

    pub fn transient(seed: u64, rate: f64) -> Self {
        Plan { seed, rate, kinds: TRANSIENT.to_vec(), rules: Vec::new(), slow: Duration::from_millis(300) }
    }

    pub fn rule(mut self, fault: Fault, matches: impl Fn(&Request) -> bool + Send + Sync + 'static) -> Self {
        self.rules.push(Rule { matches: Box::new(matches), fault });
        self
    }
}

struct State {
    plan: Plan,
    upstream: String,
    seen: Mutex<HashMap<u64, u64>>,
    log: Mutex<Vec<(String, Option<Fault>)>>,
    requests: AtomicU64,
    started: std::time::Instant,
}

/// A running proxy; stops accepting when dropped.
pub struct Proxy {
    pub endpoint: String,
    state: Arc<State>,
    stop: Arc<AtomicBool>,
    port: u16,
}

impl Proxy {
    /// Start a proxy in front of `upstream` (`http://127.0.0.1:PORT`).
    pub fn start(upstream: &str, plan: Plan) -> Proxy {
        let upstream = upstream.trim_start_matches("http://").trim_end_matches('/').to_string();
        assert!(upstream.starts_with("127.0.0.1:"), "the proxy only talks to loopback: {upstream}");
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind a loopback port");
        let port = listener.local_addr().expect("local address").port();
        let state = Arc::new(State {
            plan,
            upstream,
            seen: Mutex::new(HashMap::new()),
            log: Mutex::new(Vec::new()),
            requests: AtomicU64::new(0),
            started: std::time::Instant::now(),
        });
        let stop = Arc::new(AtomicBool::new(false));
        {
            let (state, stop) = (state.clone(), stop.clone());
            std::thread::spawn(move || {
                for conn in listener.incoming() {
                    if stop.load(Ordering::SeqCst) {
                        break;
                    }
                    let Ok(conn) = conn else { continue };
                    let state = state.clone();
                    std::thread::spawn(move || {
                        let _ = serve(&state, conn);
                    });
                }
            });
        }
        Proxy { endpoint: format!("http://127.0.0.1:{port}"), state, stop, port }
    }

    /// Every request seen: `operation` and the fault it got.
    pub fn log(&self) -> Vec<(String, Option<Fault>)> {
        self.state.log.lock().expect("log").clone()
    }

    pub fn injected(&self) -> usize {
        self.log().iter().filter(|(_, f)| f.is_some()).count()
    }

    pub fn requests(&self) -> u64 {
        self.state.requests.load(Ordering::SeqCst)
    }
}

impl Drop for Proxy {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::SeqCst);
        // Wake the accept loop so it sees the flag.
        let _ = TcpStream::connect(("127.0.0.1", self.port));
    }
}

/// One client connection: one request, one answer, then close (`Connection: close`), so every
/// request gets its own roll and the SDK's connection pool never reuses a cut connection.
fn serve(state: &State, conn: TcpStream) -> std::io::Result<()> {
    conn.set_read_timeout(Some(Duration::from_secs(30)))?;
    let mut reader = BufReader::new(conn.try_clone()?);
    let Some((head, request)) = read_request(&mut reader)? else { return Ok(()) };
    let mut conn = conn;
    state.requests.fetch_add(1, Ordering::SeqCst);
    let fault = choose(state, &request);
    state.log.lock().expect("log").push((request.operation(), fault));
    // `FAULT_TRACE=1`: when each request arrived and what it got, to see back-off at work.
    #[allow(clippy::print_stderr)]
    if std::env::var_os("FAULT_TRACE").is_some() {
        eprintln!("{:>8.3}s {} {:?}", state.started.elapsed().as_secs_f64(), request.operation(), fault);
    }
    match fault {
        None => {
            let response = forward(state, &head, &request.body)?;
            conn.write_all(&response)?;
        }
        Some(Fault::Slow) => {
            std::thread::sleep(state.plan.slow);
            let response = forward(state, &head, &request.body)?;
            conn.write_all(&response)?;
        }
        Some(Fault::CutBeforeResponse) => {}
        Some(Fault::CutMidResponse) => {
            let response = forward(state, &head, &request.body)?;
            conn.write_all(&response[..response.len() / 2])?;
        }
        Some(error) => conn.write_all(&error_response(error, request.protocol()))?,
    }
    conn.flush()?;
    let _ = conn.shutdown(Shutdown::Both);
    Ok(())
}

fn choose(state: &State, request: &Request) -> Option<Fault> {
    if let Some(rule) = state.plan.rules.iter().find(|r| (r.matches)(request)) {
        return Some(rule.fault);
    }
    if state.plan.kinds.is_empty() || state.plan.rate <= 0.0 {
        return None;
    }
    let mut key = fnv(state.plan.seed, request.method.as_bytes());
    key = fnv(key, request.path.as_bytes());
    key = fnv(key, request.header("x-amz-target").unwrap_or("").as_bytes());
    key = fnv(key, &without_tokens(&request.body));
    let nth = {
        let mut seen = state.seen.lock().expect("seen");
        let n = seen.entry(key).or_insert(0);
        *n += 1;
        *n
    };
    let roll = splitmix64(key ^ nth.wrapping_mul(0x9e37_79b9_7f4a_7c15));
    let unit = (roll >> 11) as f64 / (1u64 << 53) as f64;
    if unit >= state.plan.rate {
        return None;
    }
    let pick = splitmix64(roll) as usize % state.plan.kinds.len();
    Some(state.plan.kinds[pick])
}

/// The body with pagination token values blanked: the server makes them up afresh each run,
/// and the roll must not depend on them.
fn without_tokens(body: &[u8]) -> Vec<u8> {
    let mut text = String::from_utf8_lossy(body).into_owned();
    for field in ["\"PaginationToken\":\"", "\"NextToken\":\"", "NextToken=", "continuation-token="] {
        let mut from = 0;
        while let Some(at) = text[from..].find(field) {
            let start = from + at + field.len();
            let end = text[start..].find(['"', '&']).map_or(text.len(), |e| start + e);
            text.replace_range(start..end, "*");
            from = start + 1;
        }
    }
    text.into_bytes()
}

fn fnv(mut hash: u64, bytes: &[u8]) -> u64 {
    if hash == 0 {
        hash = 0xcbf2_9ce4_8422_2325;
    }
    for b in bytes {
        hash ^= u64::from(*b);
        hash = hash.wrapping_mul(0x0100_0000_01b3);
    }
    // Separate fields so ("ab", "c") and ("a", "bc") differ.
    hash ^ 0xff
}

fn splitmix64(mut x: u64) -> u64 {
    x = x.wrapping_add(0x9e37_79b9_7f4a_7c15);
    x = (x ^ (x >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    x = (x ^ (x >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    x ^ (x >> 31)
}

/// The request line and headers as received (for forwarding) and the parsed request.
fn read_request(reader: &mut BufReader<TcpStream>) -> std::io::Result<Option<(Vec<String>, Request)>> {
    let mut head = Vec::new();
    loop {
        let mut line = String::new();
        if reader.read_line(&mut line)? == 0 {
            return Ok(None);
        }
        let line = line.trim_end_matches(['\r', '\n']).to_string();
        if line.is_empty() {
            break;
        }
        head.push(line);
    }
    let Some(first) = head.first() else { return Ok(None) };
    let mut parts = first.split(' ');
    let method = parts.next().unwrap_or("").to_string();
    let path = parts.next().unwrap_or("").to_string();
    let headers: Vec<(String, String)> = head[1..]
        .iter()
        .filter_map(|h| h.split_once(':').map(|(k, v)| (k.trim().to_string(), v.trim().to_string())))
        .collect();
    let find =
        |name: &str| headers.iter().find(|(k, _)| k.eq_ignore_ascii_case(name)).map(|(_, v)| v.clone());
    let mut body = Vec::new();
    if find("transfer-encoding").is_some_and(|t| t.eq_ignore_ascii_case("chunked")) {
        loop {
            let mut size = String::new();
            reader.read_line(&mut size)?;
            let n = usize::from_str_radix(size.trim().split(';').next().unwrap_or("0"), 16).unwrap_or(0);
            let mut chunk = vec![0; n + 2];
            reader.read_exact(&mut chunk)?;
            if n == 0 {
                break;
            }
            body.extend_from_slice(&chunk[..n]);
        }
    } else if let Some(len) = find("content-length").and_then(|l| l.parse::<usize>().ok()) {
        body = vec![0; len];
        reader.read_exact(&mut body)?;
    }
    // Forwarded with a plain body: drop the framing and connection headers, set our own.
    let mut forward_head = vec![first.clone()];
    forward_head.extend(
        head[1..]
            .iter()
            .filter(|h| {
                let name = h.split(':').next().unwrap_or("").trim().to_ascii_lowercase();
                !matches!(name.as_str(), "connection" | "content-length" | "transfer-encoding" | "expect")
            })
            .cloned(),
    );
    forward_head.push(format!("Content-Length: {}", body.len()));
    forward_head.push("Connection: close".to_string());
    Ok(Some((forward_head, Request { method, path, headers, body })))
}

/// Send the request to moto on a new connection; its response with `Connection: close`.
fn forward(state: &State, head: &[String], body: &[u8]) -> std::io::Result<Vec<u8>> {
    let mut upstream = TcpStream::connect(&state.upstream)?;
    upstream.set_read_timeout(Some(Duration::from_secs(60)))?;
    let mut request = head.join("\r\n").into_bytes();
    request.extend_from_slice(b"\r\n\r\n");
    request.extend_from_slice(body);
    upstream.write_all(&request)?;
    let mut response = Vec::new();
    upstream.read_to_end(&mut response)?;
    // Mark the answer as the connection's last.
    let Some(end) = response.windows(4).position(|w| w == b"\r\n\r\n") else { return Ok(response) };
    let head = String::from_utf8_lossy(&response[..end]).into_owned();
    let mut lines: Vec<&str> =
        head.split("\r\n").filter(|l| !l.to_ascii_lowercase().starts_with("connection:")).collect();
    lines.push("Connection: close");
    let mut out = lines.join("\r\n").into_bytes();
    out.extend_from_slice(&response[end..]);
    Ok(out)
}

/// An AWS error response in the protocol's own format.
fn error_response(fault: Fault, protocol: Protocol) -> Vec<u8> {
    let (status, reason, code, message) = match fault {
        Fault::Throttling => (400, "Bad Request", "ThrottlingException", "Rate exceeded"),
        Fault::LimitExceeded => (400, "Bad Request", "LimitExceededException", "Limit exceeded"),
        Fault::TooManyRequests => (429, "Too Many Requests", "TooManyRequestsException", "Too many requests"),
        Fault::Unavailable => (503, "Service Unavailable", "ServiceUnavailable", "Service unavailable"),
        Fault::Internal => (500, "Internal Server Error", "InternalFailure", "Internal failure"),
        Fault::AccessDenied => (403, "Forbidden", "AccessDeniedException", "Injected: access denied"),
        Fault::Slow | Fault::CutBeforeResponse | Fault::CutMidResponse => unreachable!("not an error body"),
    };
    let (content_type, body) = match protocol {
        Protocol::Json => {
            ("application/x-amz-json-1.1", format!(r#"{{"__type":"{code}","message":"{message}"}}"#))
        }
        Protocol::Query => {
            // STS spells its throttling code `Throttling`.
            let code = if code == "ThrottlingException" { "Throttling" } else { code };
            let kind = if status >= 500 { "Receiver" } else { "Sender" };
            (
                "text/xml",
                format!(
                    "<ErrorResponse xmlns=\"https://sts.amazonaws.com/doc/2011-06-15/\"><Error><Type>{kind}</Type>\
                     <Code>{code}</Code><Message>{message}</Message></Error><RequestId>fault-proxy</RequestId></ErrorResponse>"
                ),
            )
        }
        Protocol::RestXml => {
            let code = match fault {
                Fault::Throttling | Fault::TooManyRequests => "SlowDown",
                Fault::Unavailable => "ServiceUnavailable",
                Fault::Internal => "InternalError",
                Fault::AccessDenied => "AccessDenied",
                _ => code,
            };
            (
                "application/xml",
                format!(
                    "<?xml version=\"1.0\" encoding=\"UTF-8\"?><Error><Code>{code}</Code><Message>{message}</Message>\
                     <RequestId>fault-proxy</RequestId></Error>"
                ),
            )
        }
    };
    let type_header = match protocol {
        Protocol::Json => format!("x-amzn-ErrorType: {code}\r\n"),
        _ => String::new(),
    };
    format!(
        "HTTP/1.1 {status} {reason}\r\nContent-Type: {content_type}\r\n{type_header}x-amzn-RequestId: fault-proxy\r\n\
         Content-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    )
    .into_bytes()
}
