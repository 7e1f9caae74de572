//! Cross-reference bench: N live resources x M Terraform state resources through the whole
//! audit (correlation, ownership, tags, drift, spend). Not a timed test.
//!
//!   cargo bench --bench correlate                 # 1,000,000 live x 100,000 state
//!   cargo bench --bench correlate -- 200000 20000 # other sizes
//!
//! Under `cargo test` (no `--bench` argument) it runs a small size once, as a smoke test.
//! The estate: every state resource is live (1 in 50 with drifted tags); 80% of the rest are
//! auto scaling group or Kubernetes instances spread over 500 owners; the remaining are
//! ClickOps (no owner), some with resource-level spend. Every resource carries its own tag map,
//! as the model and the snapshot reader give it (3 or 4 tags).
//!
//! Measured: `audit::run` alone (correlation, ownership, tag policies, drift, spend, budgets),
//! wall time with `Instant`; building the inputs is not timed. Memory: the process's peak RSS
//! (`VmHWM` in /proc/self/status) once the inputs are built and again after the audit, so the
//! difference is what the audit adds. The bench uses the binary's allocator (mimalloc), so both
//! figures are what `tally audit` would see; `/usr/bin/time -f %M` on the bench process gives
//! the same peak.

#![allow(clippy::print_stdout)] // a bench reports on stdout

use std::collections::BTreeMap;
use std::time::Instant;

use chrono::NaiveDate;
use rust_decimal::Decimal;
use tally::audit::{self, AuditInput};
use tally::model::{
    ChargeCategory, CostLine, EffectiveTags, Layer, LiveResource, LiveSource, LiveSources, Period,
    ResourceMode, Tags, TfResource,
};
use tally::policy::Policy;
use tally::snapshot::{Attempt, AttemptStatus, Collection, Costs, Snapshot};

// The binary's allocator (src/main.rs): time and memory as `tally audit` sees them.
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

const ACCOUNT: &str = "111111111111";
const REGION: &str = "eu-west-1";

fn arn(i: usize) -> String {
    format!("arn:aws:ec2:{REGION}:{ACCOUNT}:instance/i-{i:017x}")
}

fn tags(team: usize) -> Tags {
    Tags::from([
        ("team".to_string(), format!("team-{}", team % 40)),
        ("env".to_string(), "prod".to_string()),
        ("cost-center".to_string(), "cc-1042".to_string()),
    ])
}

fn estate(live: usize, state: usize) -> (Vec<TfResource>, Snapshot) {
    let state_resources: Vec<TfResource> = (0..state)
        .map(|i| TfResource {
            address: format!("module.svc{}.aws_instance.app[{}]", i / 100, i % 100),
            module: format!("module.svc{}", i / 100),
            mode: ResourceMode::Managed,
            resource_type: "aws_instance".into(),
            name: "app".into(),
            index: None,
            provider: "aws".into(),
            arn: Some(arn(i)),
            id: Some(format!("i-{i:017x}")),
            region: Some(REGION.into()),
            account: Some(ACCOUNT.into()),
            tags: EffectiveTags::known(tags(i)),
            layer: Layer::State,
            location: None,
            tags_location: None,
            action: None,
            may_not_exist: false,
        })
        .collect();
    let resources: Vec<LiveResource> = (0..live)
        .map(|i| {
            let mut t = tags(i);
            if i < state && i % 50 == 0 {
                t.insert("team".into(), "someone-else".into());
            } else if i >= state {
                match i % 10 {
                    0..=3 => {
                        t.insert("aws:autoscaling:groupName".into(), format!("asg-{}", i % 300));
                    }
                    4..=7 => {
                        t.insert(format!("kubernetes.io/cluster/k8s-{}", i % 200), "owned".into());
                    }
                    _ => {
                        t.remove("team");
                    }
                }
            }
            LiveResource {
                arn: arn(i),
                account: ACCOUNT.into(),
                region: REGION.into(),
                resource_type: "ec2:instance".into(),
                tags: t,
                sources: LiveSources::from([LiveSource::TaggingApi]),
                attributes: BTreeMap::new(),
            }
        })
        .collect();
    let day = |d: u32| NaiveDate::from_ymd_opt(2026, 11, d).unwrap_or_default();
    let lines: Vec<CostLine> = (0..live / 10)
        .map(|i| CostLine {
            period: Period { start: day(1), end: day(18) },
            account: ACCOUNT.into(),
            service: "Amazon Elastic Compute Cloud - Compute".into(),
            resource_id: Some(arn(i * 10 + 8)),
            tags: Tags::new(),
            amount: Decimal::new(1234 + i as i64 % 1000, 2),
            currency: "USD".into(),
            charge_category: ChargeCategory::Usage,
        })
        .collect();
    let snapshot = Snapshot {
        format: "tally-snapshot".into(),
        version: 1,
        collected_at: "2026-11-18T06:00:00Z".parse().unwrap_or_default(),
        as_of: day(18),
        collection: Collection {
            accounts: vec![ACCOUNT.into()],
            regions: vec![REGION.into()],
            attempts: vec![Attempt {
                account: ACCOUNT.into(),
                region: REGION.into(),
                source: "tagging-api".into(),
                status: AttemptStatus::Ok,
                error: None,
                types: Default::default(),
            }],
            paid_requests: 0,
        },
        resources,
        costs: Costs { metric: "UnblendedCost".into(), lines },
        budgets: vec![],
        cost_allocation_tags: vec![],
        forecasts: vec![],
        list_prices: vec![],
    };
    (state_resources, snapshot)
}

fn peak_rss_mib() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    let kib: u64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kib / 1024)
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let benching = args.iter().any(|a| a == "--bench");
    let sizes: Vec<usize> = args.iter().skip(1).filter_map(|a| a.parse().ok()).collect();
    let (live, state) = match (benching, sizes.as_slice()) {
        (_, [l, s, ..]) => (*l, *s),
        (true, _) => (1_000_000, 100_000),
        (false, _) => (2_000, 200),
    };
    let started = Instant::now();
    let (state_resources, snapshot) = estate(live, state);
    let generated = started.elapsed();
    let rss_inputs = peak_rss_mib();
    let policy = Policy {
        required_tags: vec!["team".into(), "env".into(), "cost-center".into()],
        owner_tag: "team".into(),
        ..Policy::default()
    };
    let input = AuditInput {
        code: None,
        plan: None,
        state: &state_resources,
        snapshot: Some(&snapshot),
        policy: &policy,
        budgets: &[],
        window: None,
        focus: Default::default(),
        plan_cost: None,
    };
    let started = Instant::now();
    let output = audit::run(&input);
    let elapsed = started.elapsed();
    let mut by_rule: BTreeMap<&str, usize> = BTreeMap::new();
    for f in &output.findings {
        *by_rule.entry(&*f.rule_id).or_default() += 1;
    }
    println!("live {live}, state {state}: inputs generated in {:.2} s", generated.as_secs_f64());
    println!("cross-reference (audit::run): {:.3} s", elapsed.as_secs_f64());
    let rss_end = peak_rss_mib();
    println!(
        "peak RSS: {} MiB after generating inputs, {} MiB at the end (audit added {} MiB)",
        rss_inputs.unwrap_or(0),
        rss_end.unwrap_or(0),
        rss_end.unwrap_or(0).saturating_sub(rss_inputs.unwrap_or(0))
    );
    println!(
        "managed {}, owned elsewhere {}, unmanaged {}; findings {:?}",
        output.coverage.managed, output.coverage.owned_elsewhere, output.coverage.unmanaged, by_rule
    );
    assert_eq!(output.coverage.managed, state.min(live), "every state resource is matched");
}
