//! `tally export`: the rows of one billing month from CUR/FOCUS data, allocated as asked, and
//! checked to reconcile with the input before anything is written. Rendering the rows is
//! [`crate::export::write`]'s.

use std::path::{Path, PathBuf};

use chrono::NaiveDate;

use super::load::{check_dir, load_config, load_costs, Loaded};
use super::{coverage, AppError, AwsOptions};
use crate::config::Config;
use crate::costs;
use crate::error::InputError;
use crate::export::{Allocation, Export, ExportOptions, MonthBasis};
use crate::model::TfResource;

/// `tally export`.
#[derive(Debug, Clone, Default)]
pub struct ExportRequest {
    /// Project directory; its tally.hcl (owner_tag, state) is read when present.
    pub dir: Option<PathBuf>,
    /// CUR or FOCUS cost data: a file, directory, `s3://` export or `athena://` table.
    pub costs: String,
    /// AWS profile and region for `s3://` and `athena://` costs.
    pub profile: Option<String>,
    pub region: Option<String>,
    /// Terraform state, for x_TerraformManaged and x_TerraformAddress.
    pub state: Vec<String>,
    /// Month (its first day) [default: the latest in the data], on `month_basis`.
    pub month: Option<NaiveDate>,
    /// What `month` selects by: the billing period or the charge period.
    pub month_basis: MonthBasis,
    pub owner_tag: Option<String>,
    /// One row per resource as well.
    pub by_resource: bool,
    pub allocate: Allocation,
    /// E-mail addresses and names in owner and tag values hidden.
    pub redact: bool,
}

/// What both exports (rows and FOCUS) take from the project: its config, the owner tag, and
/// the state resources when states are given (flag or `tally.hcl`).
pub(super) fn setup(request: &ExportRequest) -> Result<(Config, String, Option<Vec<TfResource>>), AppError> {
    let dir = request.dir.as_deref().unwrap_or(Path::new("."));
    if request.dir.is_some() {
        check_dir(dir)?;
    }
    let config = load_config(dir)?;
    let owner_tag =
        request.owner_tag.clone().or(config.owner_tag.clone()).unwrap_or_else(|| "owner".to_string());
    let mut states = config.state.clone();
    states.extend(request.state.iter().cloned());
    let terraform = if states.is_empty() {
        None
    } else {
        let mut loaded = Loaded::default();
        loaded.states(&states, &AwsOptions::default())?;
        Some(loaded.states)
    };
    Ok((config, owner_tag, terraform))
}

/// The month an export covers: the one asked for, else the latest month of the data (by the
/// request's month basis).
pub(super) fn month(request: &ExportRequest, data: &costs::CostData) -> Result<NaiveDate, AppError> {
    match request.month {
        Some(m) => Ok(m),
        None => {
            data.records.iter().map(|r| request.month_basis.month_of(r)).max().ok_or_else(|| {
                InputError::Usage(format!("{}: no cost lines to export", request.costs)).into()
            })
        }
    }
}

/// `tally export`: the rows of one billing month, allocated as asked.
pub fn export(request: &ExportRequest) -> Result<Export, AppError> {
    let (config, owner_tag, terraform) = setup(request)?;
    let mut tag_keys = config.required_tags.clone();
    tag_keys.push(owner_tag.clone());
    let opts = costs::ReadOptions {
        tag_keys,
        keep_resource_ids: request.by_resource || terraform.is_some(),
        threads: None,
        exact_tag_keys: config.exact_tag_keys,
        // Rows show the owner tag only, unless they are per resource (then all its tags).
        only_tags: (!request.by_resource).then(|| vec![owner_tag.clone()]),
        usage_rates: false,
    };
    let aws = AwsOptions {
        profile: request.profile.clone(),
        region: request.region.clone(),
        ..AwsOptions::default()
    };
    let data = load_costs(&request.costs, &opts, &aws, request.month)?;
    let basis = request.month_basis;
    let month = month(request, &data)?;
    let opts = ExportOptions {
        month,
        month_basis: basis,
        owner_tag,
        by_resource: request.by_resource,
        allocation: request.allocate,
        redact: request.redact,
        terraform,
    };
    if !data.records.iter().any(|r| opts.selects(r)) {
        // A header-only file with exit 0 reads as "nothing was spent"; it is "wrong month".
        let months: std::collections::BTreeSet<String> =
            data.records.iter().map(|r| basis.month_of(r).format("%Y-%m").to_string()).collect();
        let present = if months.is_empty() {
            "none".to_string()
        } else {
            months.into_iter().collect::<Vec<_>>().join(", ")
        };
        return Err(InputError::Usage(format!(
            "{}: no cost lines in {} (months in the data: {present})",
            request.costs,
            month.format("%Y-%m")
        ))
        .into());
    }
    let export = crate::export::build(&data.records, &opts)
        .map_err(|m| InputError::Usage(format!("{}: {m}", request.costs)))?;
    // Reconciled by exact integer sums, not by the `Decimal` additions that built the rows: a
    // rounding anywhere in the summing path shows here.
    let selected = || data.records.iter().filter(|r| opts.selects(r));
    let input_billed: crate::costs::exact::ExactSum = selected().map(|r| r.billed).collect();
    let input_effective: crate::costs::exact::ExactSum = selected().map(|r| r.effective).collect();
    if !export.total_billed().same_as(&input_billed) || !export.total_effective().same_as(&input_effective) {
        // Cannot happen: every record lands in rows and splits are exact. Said loudly if it does.
        return Err(AppError::Output(format!(
            "internal error: export totals {} / {} do not reconcile with input {input_billed} / {input_effective}",
            export.total_billed(),
            export.total_effective()
        )));
    }
    if basis == MonthBasis::Charge {
        let next = month.checked_add_months(chrono::Months::new(1)).unwrap_or(month);
        let lines: Vec<coverage::BillingOfLine> = selected()
            .map(|r| (r.period.start, r.billing_month(), r.effective, r.currency.clone()))
            .collect();
        let currencies: std::collections::BTreeSet<&str> = lines.iter().map(|l| l.3.as_str()).collect();
        for currency in currencies {
            let window = crate::model::Period { start: month, end: next };
            if let Some(other) = coverage::invoiced_elsewhere(window, &lines, currency) {
                tracing::warn!(
                    "of the charges dated in {}, {other} {currency} (effective) was invoiced in other billing periods",
                    month.format("%Y-%m")
                );
            }
        }
    }
    tracing::info!(rows = export.rows.len(), basis = basis.as_str(), billed = %export.total_billed(), effective = %export.total_effective(), "export");
    Ok(export)
}
