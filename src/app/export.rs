//! `tally export`: the rows of one billing month from CUR/FOCUS data, allocated as asked, and
//! checked to reconcile with the input before anything is written. Rendering the rows is
//! [`crate::export::write`]'s.

use std::path::{Path, PathBuf};

use chrono::NaiveDate;

use super::load::{check_dir, load_config, load_costs, Loaded};
use super::{AppError, AwsOptions};
use crate::costs;
use crate::error::InputError;
use crate::export::{Allocation, Export, ExportOptions};

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
    /// Billing month (its first day) [default: the latest in the data].
    pub month: Option<NaiveDate>,
    pub owner_tag: Option<String>,
    /// One row per resource as well.
    pub by_resource: bool,
    pub allocate: Allocation,
    /// E-mail addresses and names in owner and tag values hidden.
    pub redact: bool,
}

/// `tally export`: the rows of one billing month, allocated as asked.
pub fn export(request: &ExportRequest) -> Result<Export, AppError> {
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
    let mut tag_keys = config.required_tags.clone();
    tag_keys.push(owner_tag.clone());
    let opts = costs::ReadOptions {
        tag_keys,
        keep_resource_ids: request.by_resource || terraform.is_some(),
        threads: None,
        // Rows show the owner tag only, unless they are per resource (then all its tags).
        only_tags: (!request.by_resource).then(|| vec![owner_tag.clone()]),
    };
    let aws = AwsOptions {
        profile: request.profile.clone(),
        region: request.region.clone(),
        ..AwsOptions::default()
    };
    let data = load_costs(&request.costs, &opts, &aws, request.month)?;
    let month = match request.month {
        Some(m) => m,
        None => data
            .records
            .iter()
            .map(|r| r.billing_month())
            .max()
            .ok_or_else(|| InputError::Usage(format!("{}: no cost lines to export", request.costs)))?,
    };
    let opts = ExportOptions {
        month,
        owner_tag,
        by_resource: request.by_resource,
        allocation: request.allocate,
        redact: request.redact,
        terraform,
    };
    if !data.records.iter().any(|r| r.billing_month() == month) {
        // A header-only file with exit 0 reads as "nothing was spent"; it is "wrong month".
        let months: std::collections::BTreeSet<String> =
            data.records.iter().map(|r| r.billing_month().format("%Y-%m").to_string()).collect();
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
    let export = crate::export::build(&data.records, &opts);
    let input_billed = crate::money::checked_sum(
        data.records.iter().filter(|r| r.billing_month() == month).map(|r| r.billed),
    )
    .ok_or_else(|| InputError::Usage(format!("{}: the month's amounts overflow", request.costs)))?;
    if export.total_billed() != input_billed {
        // Cannot happen: every record lands in rows and splits are exact. Said loudly if it does.
        return Err(AppError::Output(format!(
            "internal error: export total {} does not reconcile with input {input_billed}",
            export.total_billed()
        )));
    }
    tracing::info!(rows = export.rows.len(), billed = %export.total_billed(), effective = %export.total_effective(), "export");
    Ok(export)
}
