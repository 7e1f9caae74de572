//! What one audit looks at, already loaded, and the window of days its money figures cover.

use chrono::NaiveDate;

use super::output::Finding;
use crate::model::{Budget, Layer, TfResource};
use crate::policy::Policy;
use crate::snapshot::Snapshot;

/// Everything one audit looks at, already loaded.
#[derive(Debug, Clone, Copy)]
pub struct AuditInput<'a> {
    pub code: Option<&'a [TfResource]>,
    pub plan: Option<&'a [TfResource]>,
    pub state: &'a [TfResource],
    pub snapshot: Option<&'a Snapshot>,
    pub policy: &'a Policy,
    /// Budgets declared in config; AWS Budgets come from the snapshot.
    pub budgets: &'a [Budget],
    /// The days spend, CST001/CST002 and CST003 look at, `[start, end)`; `None` is the month to
    /// date of the snapshot's `as_of` (the review uses its own period).
    pub window: Option<crate::model::Period>,
    /// What the command asks for.
    pub focus: Focus,
    /// The plan's monthly cost at the bill's rates, when a plan and cost files were read:
    /// BUD004 adds it to the forecasts of the budgets it touches.
    pub plan_cost: Option<&'a crate::pricing::PlanCost>,
}

/// What a command asks the audit for, decided before it runs: the audit runs the checks the
/// focus needs and returns only their findings, so no command edits a finished report.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum Focus {
    /// Every check the inputs allow (`audit`, `lint`, `report`).
    #[default]
    Everything,
    /// The plan gate (`plan`): tag findings on the plan's resources, and the budgets of the
    /// owners the plan creates, updates or replaces (plus budgets without a tag scope) as
    /// information. No coverage: a plan is not the estate.
    Plan,
    /// Budget status and the budget rules alone (`budgets`). No coverage: no Terraform is read.
    Budgets,
}

impl Focus {
    /// Whether a finding belongs to what was asked.
    pub(crate) fn wants(self, finding: &Finding) -> bool {
        match self {
            Focus::Everything => true,
            Focus::Plan => finding.layer == Some(Layer::Plan) || finding.rule_id == "BUD004",
            Focus::Budgets => finding.rule_id.starts_with("BUD"),
        }
    }

    /// Whether coverage (live resources accounted for by Terraform) is part of the answer.
    pub(crate) fn coverage(self) -> bool {
        self == Focus::Everything
    }
}

/// The month (or longer budget period) the audit's money figures cover, and "today".
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Window {
    pub start: NaiveDate,
    /// Exclusive: the snapshot's `as_of`, the first day whose costs are not complete.
    pub end: NaiveDate,
}

impl Window {
    /// Month to date of `as_of`. On the first of a month, the whole previous month.
    pub fn month_to_date(as_of: NaiveDate) -> Window {
        let (start, _) = crate::model::BudgetPeriod::Monthly.bounds(as_of);
        if start == as_of {
            let prev = as_of.pred_opt().unwrap_or(as_of);
            let (start, _) = crate::model::BudgetPeriod::Monthly.bounds(prev);
            Window { start, end: as_of }
        } else {
            Window { start, end: as_of }
        }
    }

    /// The window a run asked for, else the month to date of the snapshot's `as_of`.
    pub fn of(input: &AuditInput<'_>, snapshot: &Snapshot) -> Window {
        match input.window {
            Some(p) => Window { start: p.start, end: p.end },
            None => Window::month_to_date(snapshot.as_of),
        }
    }

    /// A cost line counts when its period starts inside the window.
    pub fn includes(&self, period: &crate::model::Period) -> bool {
        self.start <= period.start && period.start < self.end
    }
}
