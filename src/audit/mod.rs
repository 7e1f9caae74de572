//! The audit engine: cross-references Terraform (code, plan, state), the live inventory and
//! spend into findings, coverage, spend split and budget status.
//!
//! It reads only the in-memory model: loading is the readers' job, rendering the report's. A
//! wrong finding costs users more than a missing one, so every check errs on the side of
//! silence where the data cannot prove a problem (see ARCHITECTURE.md, "Trust").

use crate::model::Diagnostic;
use findings::Findings;
pub(crate) use input::Window;
use output::{Coverage, Exempted, Finding, Spend};

mod budgets;
mod correlate;
mod exemptions;
mod findings;
mod input;
pub(crate) mod movers;
pub mod output;
mod plan_budgets;
pub(crate) mod review;
mod spend;
mod tags;
pub mod visibility;

pub use input::{AuditInput, Focus};
pub use review::review;

/// The visibility section of a snapshot (what its inventory could see), for `tally collect`.
pub fn visibility_of(snapshot: &crate::snapshot::Snapshot) -> Option<visibility::Visibility> {
    visibility::visibility(snapshot)
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuditOutput {
    pub findings: Vec<Finding>,
    pub coverage: Coverage,
    pub spend: Option<Spend>,
    pub budgets: Vec<output::BudgetStatus>,
    pub diagnostics: Vec<Diagnostic>,
    /// Findings an approved, unexpired exemption covers, with the exemption.
    pub exempted: Vec<Exempted>,
    /// Week-over-week movers (CST003's data), when daily lines cover both weeks.
    pub movers: Option<output::Movers>,
    /// What the live inventory could see.
    pub visibility: Option<visibility::Visibility>,
}

pub fn run(input: &AuditInput<'_>) -> AuditOutput {
    let focus = input.focus;
    let mut out = Findings::new(input.policy);
    // Room for about one finding per resource, reserved once: a vector of a few hundred
    // thousand findings doubling held both copies at once. Room never used is never touched.
    out.reserve(input.snapshot.map_or(0, |s| s.resources.len()) + input.state.len());
    let mut diagnostics = Vec::new();

    let correlation = correlate::correlate(input, &mut out);
    let tag_checks = |out: &mut Findings| {
        if focus != Focus::Budgets {
            tags::policies(input, &correlation, out);
        }
        if focus == Focus::Everything {
            tags::drift(input, &correlation, out);
            tags::cost_allocation(input, out);
        }
    };
    // The spend split reads the cost lines and the correlation, never the tag checks' findings:
    // it runs beside them, and its findings and diagnostics follow theirs as in one pass.
    let spend = match input.snapshot {
        Some(snapshot) => {
            let (_, (spend, mut found, spend_diagnostics)) = crate::parallel::join(
                || tag_checks(&mut out),
                || {
                    let mut found = Findings::new(input.policy);
                    // At most a finding per cost line (CST002), reserved once as for the rest.
                    found.reserve(snapshot.costs.lines.len());
                    let mut diagnostics = Vec::new();
                    let spend = spend::spend(input, snapshot, &correlation, &mut found, &mut diagnostics);
                    (spend, found, diagnostics)
                },
            );
            out.0.append(&mut found.0);
            diagnostics.extend(spend_diagnostics);
            spend
        }
        None => {
            tag_checks(&mut out);
            None
        }
    };

    let (mut budgets, movers) = match input.snapshot {
        Some(snapshot) => {
            let budgets = budgets::budgets(input, snapshot, &mut out, &mut diagnostics);
            let movers = if focus == Focus::Everything {
                let end = Window::of(input, snapshot).end;
                let owner_tag = &input.policy.owner_tag;
                let movers = movers::movers(&snapshot.costs.lines, end, owner_tag, &input.policy.movers);
                if let Some(m) = &movers {
                    movers::report(m, owner_tag, &mut out);
                }
                movers
            } else {
                None
            };
            (budgets, movers)
        }
        None => (Vec::new(), None),
    };
    if focus == Focus::Plan {
        budgets::retain_touched_by_plan(input, &mut budgets);
    }
    if let Some(cost) = input.plan_cost {
        plan_budgets::impact(input, cost, &mut budgets, &mut out);
    }

    let mut coverage = if focus.coverage() {
        let mut coverage = correlation.coverage();
        if let Some(spend) = &spend {
            coverage.by_cost_pct = spend::coverage_by_cost(spend);
        }
        coverage
    } else {
        Coverage::default()
    };
    let visibility = input.snapshot.and_then(visibility::visibility);
    if let (Some(v), Some(snapshot)) = (&visibility, input.snapshot) {
        if coverage.live_resources > 0 {
            coverage.computed_over = Some(visibility::computed_over(snapshot, v));
        }
        if input.policy.require_visibility {
            for gap in &v.gaps {
                diagnostics.push(Diagnostic {
                    source: "visibility".to_string(),
                    location: None,
                    account: Some(gap.account.clone()),
                    region: Some(gap.region.clone()),
                    message: gap.message(),
                });
            }
        }
    }
    // Exemptions cover what was asked for, and their own problems (EXM001) are reported where
    // the focus has room for them.
    out.retain(|f| focus.wants(f));
    let exempted = exemptions::apply(input, &mut out);
    out.retain(|f| focus.wants(f));
    AuditOutput {
        findings: out.into_vec(),
        coverage,
        spend,
        budgets,
        diagnostics,
        exempted,
        movers,
        visibility,
    }
}
