//! The audit's money arithmetic with extreme amounts: cost lines, budget limits and forecasts
//! anywhere in `Decimal`'s range (bypassing the readers' bounds on purpose), through spend,
//! budgets, movers and coverage, then every report format. A finding, a diagnostic or a report,
//! never a panic (overflow in `+ - * /` or `Sum` was one, exit 101).
#![no_main]

use chrono::NaiveDate;
use libfuzzer_sys::fuzz_target;
use rust_decimal::Decimal;
use tally::audit::{AuditInput, Focus};
use tally::model::{Budget, BudgetPeriod, BudgetScope, BudgetSource, ChargeCategory, CostLine, Money, Period, Tags};
use tally::policy::Policy;
use tally::report::{Format, Inputs, RenderOptions, Report};
use tally::snapshot::Snapshot;

/// A decimal from 16 bytes: any mantissa, sign and scale `Decimal` can hold.
fn decimal(bytes: &[u8]) -> Decimal {
    let mut b = [0u8; 16];
    b[..bytes.len().min(16)].copy_from_slice(&bytes[..bytes.len().min(16)]);
    let word = |i: usize| u32::from_le_bytes([b[i], b[i + 1], b[i + 2], b[i + 3]]);
    Decimal::from_parts(word(0), word(4), word(8), b[12] & 1 == 1, u32::from(b[13]) % 29)
}

fuzz_target!(|data: &[u8]| {
    let as_of = NaiveDate::from_ymd_opt(2026, 11, 18).expect("date");
    let mut snapshot = Snapshot::empty(as_of);
    let mut chunks = data.chunks(18);
    let limit = chunks.next().map_or(Decimal::ONE, decimal);
    for (i, chunk) in chunks.enumerate().take(64) {
        let day = NaiveDate::from_ymd_opt(2026, 11, 1 + (chunk.first().copied().unwrap_or(0) % 17) as u32).expect("day");
        let team = ["a", "b", ""][i % 3].to_string();
        let tags: Tags = if team.is_empty() { Tags::default() } else { Tags::from([("team".to_string(), team)]) };
        snapshot.costs.lines.push(CostLine {
            period: Period { start: day, end: day.succ_opt().expect("next") },
            account: "111111111111".into(),
            service: "EC2".into(),
            resource_id: None,
            tags,
            amount: decimal(&chunk[chunk.len().min(2)..]),
            currency: "USD".into(),
            charge_category: if i % 5 == 4 { ChargeCategory::Purchase } else { ChargeCategory::Usage },
        });
    }
    let budget = Budget {
        name: "b".into(),
        scope: BudgetScope::default(),
        period: BudgetPeriod::Monthly,
        limit: Money::new(limit, "USD"),
        actual: None,
        forecast: None,
        source: BudgetSource::Config,
    };
    let policy = Policy { owner_tag: "team".into(), ..Policy::default() };
    let budgets = [budget];
    for focus in [Focus::Everything, Focus::Budgets] {
        let input = AuditInput {
            code: None,
            plan: None,
            state: &[],
            snapshot: Some(&snapshot),
            policy: &policy,
            budgets: &budgets,
            window: None,
            focus,
        };
        let output = tally::audit::run(&input);
        let report = Report::new("audit", Some(as_of), Inputs::default(), output, Vec::new());
        for format in [Format::Table, Format::Json, Format::Markdown, Format::Sarif, Format::Github, Format::Junit] {
            let _ = tally::report::render(&report, format, RenderOptions { color: false }, &mut std::io::sink());
        }
    }
});
