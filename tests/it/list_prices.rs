//! Issue #20, item 2: AWS list prices where the bill has no rate, through the real SDK against
//! a loopback fake of the Price List Query API (moto does not serve it). The fake answers
//! `GetProducts` as AWS documents it (awsJson1_1, `X-Amz-Target:
//! AWSPriceListService.GetProducts`, `PriceList` of JSON strings, `NextToken` paging), from the
//! published prices in `tests/fixtures/list_prices/products.json` (sources in its README),
//! filtered by `TERM_MATCH` like the real service, and counts the requests it answers.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};

use serde_json::{json, Value};

use crate::moto::{moto, TempDir};
use crate::support::{repo, tally_with_env, Run};

/// The fake Price List endpoint: a thread accepting one request per connection.
struct FakePricing {
    endpoint: String,
    requests: Arc<AtomicU64>,
    /// `NextToken`s of the requests that carried one.
    tokens: Arc<Mutex<Vec<String>>>,
    stop: Arc<AtomicBool>,
    port: u16,
}

impl FakePricing {
    /// Serve `products` with at most `page_size` products a page (AWS's is up to 100; a small
    /// one makes the fixture page).
    fn start(page_size: usize) -> FakePricing {
        let text = std::fs::read_to_string(repo().join("tests/fixtures/list_prices/products.json")).unwrap();
        let products: Vec<Value> = serde_json::from_str(&text).unwrap();
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let port = listener.local_addr().unwrap().port();
        let requests = Arc::new(AtomicU64::new(0));
        let tokens = Arc::new(Mutex::new(Vec::new()));
        let stop = Arc::new(AtomicBool::new(false));
        let (r, t, s) = (requests.clone(), tokens.clone(), stop.clone());
        std::thread::spawn(move || {
            for stream in listener.incoming() {
                if s.load(Ordering::SeqCst) {
                    break;
                }
                let Ok(stream) = stream else { continue };
                let (products, r, t) = (products.clone(), r.clone(), t.clone());
                std::thread::spawn(move || serve(stream, &products, page_size, &r, &t));
            }
        });
        FakePricing { endpoint: format!("http://127.0.0.1:{port}"), requests, tokens, stop, port }
    }

    fn requests(&self) -> u64 {
        self.requests.load(Ordering::SeqCst)
    }
}

impl Drop for FakePricing {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::SeqCst);
        let _ = TcpStream::connect(("127.0.0.1", self.port));
    }
}

fn serve(
    mut stream: TcpStream,
    products: &[Value],
    page_size: usize,
    requests: &AtomicU64,
    tokens: &Mutex<Vec<String>>,
) {
    let mut reader = BufReader::new(stream.try_clone().unwrap());
    let mut target = String::new();
    let mut length = 0usize;
    let mut first = String::new();
    if reader.read_line(&mut first).unwrap_or(0) == 0 {
        return;
    }
    loop {
        let mut line = String::new();
        if reader.read_line(&mut line).unwrap_or(0) == 0 || line == "\r\n" {
            break;
        }
        let (name, value) = line.split_once(':').unwrap_or((&line, ""));
        match name.trim().to_ascii_lowercase().as_str() {
            "content-length" => length = value.trim().parse().unwrap_or(0),
            "x-amz-target" => target = value.trim().to_string(),
            _ => {}
        }
    }
    let mut body = vec![0; length];
    if reader.read_exact(&mut body).is_err() {
        return;
    }
    let (status, answer) = if !first.starts_with("POST ") || target != "AWSPriceListService.GetProducts" {
        (400, json!({"__type": "UnknownOperationException", "message": format!("not served: {target}")}))
    } else {
        requests.fetch_add(1, Ordering::SeqCst);
        get_products(&serde_json::from_slice(&body).unwrap_or(Value::Null), products, page_size, tokens)
    };
    let text = answer.to_string();
    let _ = write!(
        stream,
        "HTTP/1.1 {status} {}\r\nContent-Type: application/x-amz-json-1.1\r\nx-amzn-RequestId: fake\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{text}",
        if status == 200 { "OK" } else { "Bad Request" },
        text.len()
    );
}

/// `GetProducts`: products of the service matching every `TERM_MATCH` filter, in SKU order,
/// one page from the offset the `NextToken` names.
fn get_products(
    req: &Value,
    products: &[Value],
    page_size: usize,
    tokens: &Mutex<Vec<String>>,
) -> (u16, Value) {
    let service = req["ServiceCode"].as_str().unwrap_or_default();
    if req["FormatVersion"] != "aws_v1" {
        return (400, json!({"__type": "InvalidParameterException", "message": "FormatVersion"}));
    }
    let mut filters = Vec::new();
    for f in req["Filters"].as_array().cloned().unwrap_or_default() {
        if f["Type"] != "TERM_MATCH" {
            return (400, json!({"__type": "InvalidParameterException", "message": "Type"}));
        }
        filters.push((
            f["Field"].as_str().unwrap_or_default().to_string(),
            f["Value"].as_str().unwrap_or_default().to_string(),
        ));
    }
    let mut matching: Vec<&Value> = products
        .iter()
        .filter(|p| p["serviceCode"] == service)
        .filter(|p| {
            filters.iter().all(|(field, value)| {
                let got = match field.as_str() {
                    "ServiceCode" => &p["serviceCode"],
                    "productFamily" => &p["product"]["productFamily"],
                    other => &p["product"]["attributes"][other],
                };
                got.as_str().is_some_and(|g| g.eq_ignore_ascii_case(value))
            })
        })
        .collect();
    matching.sort_by_key(|p| p["product"]["sku"].as_str().unwrap_or_default().to_string());
    let start = match req["NextToken"].as_str() {
        Some(t) => {
            tokens.lock().unwrap().push(t.to_string());
            match t.strip_prefix("page-").and_then(|n| n.parse::<usize>().ok()) {
                Some(n) => n,
                None => return (400, json!({"__type": "InvalidNextTokenException", "message": t})),
            }
        }
        None => 0,
    };
    let size = page_size.min(req["MaxResults"].as_u64().unwrap_or(100) as usize).max(1);
    let page: Vec<String> = matching.iter().skip(start).take(size).map(|p| p.to_string()).collect();
    let mut out = json!({"FormatVersion": "aws_v1", "PriceList": page});
    if start + size < matching.len() {
        out["NextToken"] = json!(format!("page-{}", start + size));
    }
    (200, out)
}

fn run(args: &[&str], endpoint: &str, cache: &TempDir) -> Run {
    let cache = cache.path.to_string_lossy().to_string();
    tally_with_env(
        args,
        &[
            ("AWS_ENDPOINT_URL_PRICING", endpoint),
            ("AWS_ACCESS_KEY_ID", "testing"),
            ("AWS_SECRET_ACCESS_KEY", "testing"),
            ("TALLY_CACHE_DIR", &cache),
        ],
    )
}

const PLAN: &str = "tests/fixtures/list_prices/plan.json";
const BILL: &str = "tests/fixtures/list_prices/bill.csv";

fn json_of(run: &Run) -> Value {
    serde_json::from_str(&run.stdout).unwrap_or_else(|e| panic!("{e}: exit {}\n{}", run.code, run.stderr))
}

fn resource<'a>(report: &'a Value, address: &str) -> &'a Value {
    report["plan_cost"]["resources"].as_array().unwrap().iter().find(|r| r["address"] == address).unwrap()
}

/// (address, delta or status) of every priced resource.
fn deltas(report: &Value) -> Vec<(String, String)> {
    report["plan_cost"]["resources"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| {
            let v = r["monthly_delta"].as_str().or(r["status"].as_str()).unwrap().to_string();
            (r["address"].as_str().unwrap().to_string(), v)
        })
        .collect()
}

/// Hand computation, 730 hours a month, list prices from products.json, bill rates from
/// bill.csv (t3.micro 1.04 / 100 h; gp3 storage 76.1 / 1000 GB-Mo = 0.0761: the bill wins).
#[test]
fn a_plan_the_bill_does_not_cover_is_priced_at_list_prices_to_the_cent() {
    let fake = FakePricing::start(2);
    let cache = TempDir::new("list-prices-golden");
    let args = ["plan", PLAN, "--costs", BILL, "--list-prices", "--format", "json"];
    let first = run(&args, &fake.endpoint, &cache);
    assert!(first.code == 0 || first.code == 1, "exit {}: {}", first.code, first.stderr);
    let report = json_of(&first);
    let want: Vec<(String, String)> = [
        ("aws_ebs_volume.data", "17.61"), // 100 x 0.0761 (bill) + 1000 x 0.005 + 125/1024 x 40.96 (list)
        ("aws_ebs_volume.io", "71.25"),   // 50 x 0.125 + 1000 x 0.065
        ("aws_eks_cluster.k8s", "73.00"), // 730 x 0.10
        ("aws_instance.fra", "83.95"),    // 730 x 0.115 (eu-central-1)
        ("aws_instance.resized", "70.08"), // 730 x (0.192 - 0.096)
        ("aws_instance.small", "7.59"),   // 730 x 0.0104 (bill)
        ("aws_instance.unlisted", "no_rate"),
        ("aws_instance.web", "70.08"),  // 730 x 0.096
        ("aws_lb.front", "16.43"),      // 730 x 0.0225 (Application; Gateway is 0.0125)
        ("aws_nat_gateway.a", "32.85"), // 730 x 0.045
    ]
    .iter()
    .map(|(a, b)| (a.to_string(), b.to_string()))
    .collect();
    assert_eq!(deltas(&report), want);

    // Every component says where its price comes from; a bill rate wins over a list price.
    let web = resource(&report, "aws_instance.web");
    assert_eq!(web["components"][0]["source"], "list price (AWS Price List, 2026-11-05)");
    assert_eq!(web["components"][0]["rate"], "0.0960000000");
    let small = resource(&report, "aws_instance.small");
    assert!(small["components"][0]["source"].as_str().unwrap().starts_with("bill rate: BoxUsage:t3.micro"));
    let data = resource(&report, "aws_ebs_volume.data");
    let sources: Vec<&str> =
        data["components"].as_array().unwrap().iter().map(|c| c["source"].as_str().unwrap()).collect();
    assert!(sources[0].starts_with("bill rate: EBS:VolumeUsage.gp3"), "{sources:?}");
    assert_eq!(sources[1..], ["list price (AWS Price List, 2026-11-05)"; 2]);
    let unlisted = resource(&report, "aws_instance.unlisted");
    assert_eq!(
        unlisted["note"],
        "no rate in the bill for BoxUsage:c6i.large (RunInstances) in us-east-1, and no list price for BoxUsage:c6i.large in us-east-1"
    );
    assert_eq!(report["plan_cost"]["list_prices_published"], "2026-11-05");
    let owners: Vec<(String, String)> = report["plan_cost"]["owners"]
        .as_array()
        .unwrap()
        .iter()
        .map(|o| (o["owner"].as_str().unwrap().to_string(), o["monthly_delta"].as_str().unwrap().to_string()))
        .collect();
    // web, at full precision: 7.61 + 5 + 5 + 6.25 + 65 + 73 + 83.95 + 70.08 + 70.08 + 32.85
    // + 16.425 = 435.245, rounded half away from zero.
    assert_eq!(owners, [("data".to_string(), "7.59".to_string()), ("web".to_string(), "435.25".to_string())]);

    // The gp3 question has three products, two a page: the SDK followed NextToken.
    assert!(fake.tokens.lock().unwrap().contains(&"page-2".to_string()), "no paging");
    let asked = fake.requests();
    // One question per distinct product set: m5.large, m5.xlarge, c6i.large, m5.large in
    // Frankfurt, gp3 (2 pages), io2, NAT, EKS, load balancers (3 products, 2 pages); t3.micro
    // is the bill's.
    assert_eq!(asked, 11, "requests");

    // A second run is answered from the cache: no request, the same bytes.
    let second = run(&args, &fake.endpoint, &cache);
    assert_eq!(fake.requests(), asked, "the second run asked the Price List again");
    assert_eq!(second.stdout, first.stdout);

    // --no-cache asks again.
    let mut again = args.to_vec();
    again.push("--no-cache");
    let third = run(&again, &fake.endpoint, &cache);
    assert_eq!(fake.requests(), 2 * asked);
    assert_eq!(third.stdout, first.stdout);
}

/// The terminal table and the pull-request comment say which resources list prices priced.
#[test]
fn the_human_formats_name_list_prices() {
    let fake = FakePricing::start(100);
    let cache = TempDir::new("list-prices-table");
    let table = run(&["plan", PLAN, "--costs", BILL, "--list-prices"], &fake.endpoint, &cache);
    assert!(table.stdout.contains("    aws_instance.web: +$70.08 (list price)\n"), "{}", table.stdout);
    assert!(table.stdout.contains("    aws_instance.small: +$7.59\n"), "{}", table.stdout);
    assert!(
        table.stdout.contains("    aws_ebs_volume.data: +$17.61 (bill rates and list prices)\n"),
        "{}",
        table.stdout
    );
    let md = run(
        &["plan", PLAN, "--costs", BILL, "--list-prices", "--format", "markdown"],
        &fake.endpoint,
        &cache,
    );
    assert!(
        md.stdout.contains(
            "and at AWS on-demand list prices (Price List, published 2026-11-05) where the bill has no rate"
        ),
        "{}",
        md.stdout
    );
}

/// Off by default: the plan gate stays offline. Without the flag nothing is asked, and what
/// the bill lacks stays "no rate".
#[test]
fn without_list_prices_the_network_is_not_used() {
    let fake = FakePricing::start(100);
    let cache = TempDir::new("list-prices-off");
    let run = run(&["plan", PLAN, "--costs", BILL, "--format", "json"], &fake.endpoint, &cache);
    assert!(run.code == 0 || run.code == 1, "{}", run.stderr);
    let report = json_of(&run);
    assert_eq!(fake.requests(), 0);
    assert_eq!(resource(&report, "aws_instance.web")["status"], "no_rate");
    assert_eq!(
        resource(&report, "aws_instance.web")["note"],
        "no rate in the bill for BoxUsage:m5.large (RunInstances) in us-east-1"
    );
    assert!(report["plan_cost"].get("list_prices_published").is_none());
}

/// No bill at all: list prices price the plan alone.
#[test]
fn list_prices_alone_price_a_plan_without_a_bill() {
    let fake = FakePricing::start(100);
    let cache = TempDir::new("list-prices-alone");
    let run = run(&["plan", PLAN, "--list-prices", "--format", "json"], &fake.endpoint, &cache);
    assert!(run.code == 0 || run.code == 1, "{}", run.stderr);
    let report = json_of(&run);
    assert_eq!(resource(&report, "aws_instance.small")["monthly_delta"], "7.59"); // 730 x 0.0104 (list)
    assert_eq!(resource(&report, "aws_ebs_volume.data")["monthly_delta"], "18.00"); // 8 + 5 + 5
    assert_eq!(report["plan_cost"]["currency"], "USD");
}

/// An endpoint that cannot be reached: the run says so, prices what the bill prices, and is
/// partial (exit 3), never a failure or a guess.
#[test]
fn price_list_down_is_a_partial_run_that_prices_the_rest() {
    let cache = TempDir::new("list-prices-down");
    let run = run(
        &["plan", PLAN, "--costs", BILL, "--list-prices", "--format", "json"],
        "http://127.0.0.1:9",
        &cache,
    );
    assert_eq!(run.code, 3, "{}", run.stderr);
    let report = json_of(&run);
    assert_eq!(resource(&report, "aws_instance.small")["monthly_delta"], "7.59");
    let web = resource(&report, "aws_instance.web");
    assert_eq!(web["status"], "no_rate");
    let note = web["note"].as_str().unwrap();
    assert!(
        note.contains("the AWS Price List could not be asked (GetProducts: could not reach the AWS endpoint"),
        "{note}"
    );
    let diags = report["diagnostics"].as_array().unwrap();
    assert_eq!(diags.len(), 1, "one diagnostic per reason: {diags:?}");
    assert!(
        diags.iter().any(|d| d["source"] == "price-list"
            && d["message"]
                .as_str()
                .unwrap()
                .starts_with("AWS Price List: 9 questions not answered (first: AWSELB regionCode=us-east-1): GetProducts: could not reach the AWS endpoint")),
        "{diags:?}"
    );
}

#[test]
fn a_region_without_the_price_list_endpoint_is_a_usage_error() {
    let cache = TempDir::new("list-prices-region");
    let run = run(
        &["plan", PLAN, "--list-prices", "--price-list-region", "eu-west-1"],
        "http://127.0.0.1:9",
        &cache,
    );
    assert_eq!(run.code, 2, "{}", run.stderr);
    assert!(run.stderr.contains("\"eu-west-1\" does not serve the AWS Price List API (one of us-east-1, eu-central-1, ap-south-1)"), "{}", run.stderr);
}

/// `collect --list-prices` records the list prices of the collected regions in the snapshot;
/// `plan --snapshot` then prices from them with no network at all (the Price List endpoint is
/// a closed port: asking it would make the run partial).
#[test]
fn collect_records_list_prices_and_plan_prices_offline_from_them() {
    let fake = FakePricing::start(100);
    let dir = TempDir::new("list-prices-collect");
    let out = dir.path.join("snapshot.json");
    let out_s = out.to_string_lossy().to_string();
    let cache = dir.path.join("cache").to_string_lossy().to_string();
    let m = moto();
    let collect = tally_with_env(
        &["collect", "--as-of", "2026-11-18", "--list-prices", "-o", &out_s],
        &[
            ("AWS_ENDPOINT_URL", &m.endpoint),
            ("AWS_ENDPOINT_URL_CLOUDCONTROL", &m.cloud_control),
            ("AWS_ENDPOINT_URL_PRICING", &fake.endpoint),
            ("AWS_ACCESS_KEY_ID", "testing"),
            ("AWS_SECRET_ACCESS_KEY", "testing"),
            ("AWS_REGION", "us-east-1"),
            ("TALLY_CACHE_DIR", &cache),
        ],
    );
    assert!(out.is_file(), "exit {}: {}", collect.code, collect.stderr);
    let snap = tally::snapshot::Snapshot::load(&out).unwrap();
    let recorded: Vec<(String, String, String)> = snap
        .list_prices
        .iter()
        .map(|p| (p.region.clone(), p.usage_type.clone(), p.usd.to_string()))
        .collect();
    for want in [
        ("us-east-1", "BoxUsage:m5.large", "0.0960000000"),
        ("us-east-1", "BoxUsage:t3.micro", "0.0104000000"),
        ("us-east-1", "EBS:VolumeUsage.gp3", "0.0800000000"),
        ("us-east-1", "NatGateway-Hours", "0.0450000000"),
        ("us-east-1", "AmazonEKS-Hours:perCluster", "0.1000000000"),
    ] {
        let want = (want.0.to_string(), want.1.to_string(), want.2.to_string());
        assert!(recorded.contains(&want), "{want:?} not in {recorded:?}");
    }
    // Windows and capacity reservations are other products; Frankfurt was not collected.
    assert!(
        !recorded.iter().any(|r| r.1.starts_with("Reservation") || r.0 == "eu-central-1"),
        "{recorded:?}"
    );
    let attempt =
        snap.collection.attempts.iter().find(|a| a.source == "price-list").expect("a price-list attempt");
    assert_eq!(attempt.region, "us-east-1");
    assert!(attempt.error.is_none(), "{:?}", attempt.error);

    let asked = fake.requests();
    let empty_cache = TempDir::new("list-prices-offline");
    let plan =
        run(&["plan", PLAN, "--snapshot", &out_s, "--format", "json"], "http://127.0.0.1:9", &empty_cache);
    assert!(plan.code == 0 || plan.code == 1, "exit {}: {}", plan.code, plan.stderr);
    assert_eq!(fake.requests(), asked);
    let report = json_of(&plan);
    assert_eq!(resource(&report, "aws_instance.web")["monthly_delta"], "70.08");
    assert_eq!(resource(&report, "aws_nat_gateway.a")["monthly_delta"], "32.85");
    let fra = resource(&report, "aws_instance.fra");
    assert_eq!(fra["status"], "no_rate");
    assert!(
        fra["note"].as_str().unwrap().ends_with("and no list price for BoxUsage:m5.large in eu-central-1"),
        "{fra}"
    );
}

/// `list_prices = true` in tally.hcl turns the fallback on as the flag does, and
/// `price_list_region` picks the endpoint (the fake serves any region; a bad one is exit 2).
#[test]
fn tally_hcl_turns_list_prices_on() {
    let fake = FakePricing::start(100);
    let dir = TempDir::new("list-prices-config");
    let cache = TempDir::new("list-prices-config-cache");
    std::fs::write(dir.path.join("tally.hcl"), "list_prices = true\nprice_list_region = \"ap-south-1\"\n")
        .unwrap();
    let config_dir = dir.path.to_string_lossy().to_string();
    let ok = run(&["plan", PLAN, "--config-dir", &config_dir, "--format", "json"], &fake.endpoint, &cache);
    assert!(ok.code == 0 || ok.code == 1, "exit {}: {}", ok.code, ok.stderr);
    assert_eq!(resource(&json_of(&ok), "aws_instance.web")["monthly_delta"], "70.08");
    assert!(fake.requests() > 0);
    std::fs::write(dir.path.join("tally.hcl"), "list_prices = true\nprice_list_region = \"us-west-2\"\n")
        .unwrap();
    let bad = run(&["plan", PLAN, "--config-dir", &config_dir], &fake.endpoint, &cache);
    assert_eq!(bad.code, 2, "{}", bad.stderr);
}

/// A bill in euros is never mixed with list prices in dollars: what the bill prices is in
/// euros, the rest says why it has no price.
#[test]
fn a_bill_in_another_currency_is_not_mixed_with_list_prices() {
    let fake = FakePricing::start(100);
    let dir = TempDir::new("list-prices-eur");
    let bill = dir.path.join("bill.csv");
    let text = std::fs::read_to_string(repo().join(BILL)).unwrap();
    let mut lines = text.lines();
    let mut eur = format!("{},lineItem/CurrencyCode\n", lines.next().unwrap());
    for l in lines {
        eur.push_str(&format!("{l},EUR\n"));
    }
    std::fs::write(&bill, eur).unwrap();
    let bill = bill.to_string_lossy().to_string();
    let run =
        run(&["plan", PLAN, "--costs", &bill, "--list-prices", "--format", "json"], &fake.endpoint, &dir);
    assert!(run.code == 0 || run.code == 1, "exit {}: {}", run.code, run.stderr);
    let report = json_of(&run);
    assert_eq!(report["plan_cost"]["currency"], "EUR");
    assert_eq!(resource(&report, "aws_instance.small")["monthly_delta"], "7.59");
    let web = resource(&report, "aws_instance.web");
    assert_eq!(web["status"], "no_rate");
    assert!(web["note"].as_str().unwrap().ends_with("and list prices are in USD, the bill in EUR"), "{web}");
}
