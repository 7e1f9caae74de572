//! `tally export --format focus|focus-parquet`: a FOCUS dataset of one month, one row per
//! input line. Two passes over the input: the aggregating reader (as `tally export`) picks the
//! month and gives the input's billed total per currency; then every line of the month is
//! mapped to FOCUS (`crate::export::focus`), checked against the spec, given tally's `x_`
//! columns and written. The billed totals of what was written must equal the input's, per
//! currency, to the last digit, or the run fails.
//!
//! Input: local files (CSV, gzip CSV, Parquet) or an `s3://` export, downloaded once into a
//! temporary directory that both passes read. An `athena://` table is refused: tally's query
//! returns lines already summed by day, account, service and owner, and a FOCUS dataset is one
//! row per invoice line.

use std::collections::{BTreeMap, BTreeSet};

use chrono::{DateTime, Datelike, NaiveDate};

use super::load::{fetch_cost_export, load_costs};
use super::{AppError, AwsOptions, ExportRequest};
use crate::costs::exact::ExactSum;
use crate::costs::lines::{
    columns_of, columns_of_files, for_each_line, for_each_line_of, tag_key_matches, Line,
};
use crate::costs::{self, CostSource, NamedFile};
use crate::error::InputError;
use crate::export::focus::carry::Fixes;
use crate::export::focus::write::FocusSink;
use crate::export::focus::{self, FocusVersion, OutColumn};
use crate::export::{redact_emails, redact_owner, Allocation, AllocationStatus, MonthBasis, TerraformIndex};
use crate::model::TfResource;

/// A FOCUS export, ready to write: its columns are fixed before the first row.
#[derive(Debug)]
pub struct FocusExport {
    pub version: FocusVersion,
    pub columns: Vec<OutColumn>,
    pub month: NaiveDate,
    month_basis: MonthBasis,
    input: Input,
    owner_tag: String,
    exact_tag_keys: bool,
    redact: bool,
    terraform: Option<Vec<TfResource>>,
    /// The input's billed total of the month per currency (aggregating reader).
    input_billed: BTreeMap<String, ExactSum>,
}

/// Where the lines are read from.
#[derive(Debug)]
enum Input {
    Local(std::path::PathBuf),
    /// An S3 export's files, in a temporary directory removed with this value.
    Downloaded {
        _dir: tempfile::TempDir,
        files: Vec<NamedFile>,
    },
}

/// What a written FOCUS export holds.
#[derive(Debug, Clone)]
pub struct FocusSummary {
    pub rows: u64,
    /// Billed total per currency (equal to the input's).
    pub billed: BTreeMap<String, ExactSum>,
}

/// Plan a FOCUS export: read the input once (aggregated) for the month and its totals, fix
/// the columns.
pub fn focus_export(request: &ExportRequest, version: FocusVersion) -> Result<FocusExport, AppError> {
    let source = CostSource::parse(&request.costs)?;
    if request.allocate != Allocation::None {
        return Err(InputError::Usage(
            "--allocate splits rows across owners; a FOCUS dataset keeps one row per invoice line (use --format csv to allocate)"
                .to_string(),
        )
        .into());
    }
    let (config, owner_tag, terraform) = super::export::setup(request)?;
    let opts = costs::ReadOptions {
        tag_keys: vec![owner_tag.clone()],
        keep_resource_ids: false,
        threads: None,
        exact_tag_keys: config.exact_tag_keys,
        only_tags: Some(vec![owner_tag.clone()]),
        usage_rates: false,
    };
    let aws = AwsOptions {
        profile: request.profile.clone(),
        region: request.region.clone(),
        ..AwsOptions::default()
    };
    let (data, input) = match source {
        CostSource::S3 { bucket, prefix } => {
            // Downloaded once: the aggregating pass and the line pass read the same files.
            let (dir, files) = fetch_cost_export(&bucket, &prefix, &aws)?;
            let data = costs::read_named(&files, &opts)?;
            (data, Input::Downloaded { _dir: dir, files })
        }
        CostSource::Local(path) => {
            (load_costs(&request.costs, &opts, &aws, request.month)?, Input::Local(path))
        }
        CostSource::Athena(_) => {
            return Err(InputError::Usage(format!(
                "{}: a FOCUS dataset is one row per invoice line, and tally's Athena query returns lines already summed (by day, account, service and owner); give the export's files instead (s3://bucket/prefix, or a local copy)",
                request.costs
            ))
            .into())
        }
    };
    let basis = request.month_basis;
    let month = super::export::month(request, &data)?;
    let mut input_billed: BTreeMap<String, ExactSum> = BTreeMap::new();
    for r in data.records.iter().filter(|r| basis.month_of(r) == month) {
        input_billed.entry(r.currency.clone()).or_default().push(r.billed);
    }
    let input_columns: BTreeSet<String> = match &input {
        Input::Local(path) => columns_of(path)?,
        Input::Downloaded { files, .. } => columns_of_files(files)?,
    };
    let columns = focus::schema(version, &input_columns, terraform.is_some());
    Ok(FocusExport {
        version,
        columns,
        month,
        month_basis: basis,
        input,
        owner_tag,
        exact_tag_keys: config.exact_tag_keys,
        redact: request.redact,
        terraform,
        input_billed,
    })
}

/// The first day of the month a line belongs to on `basis`, as the aggregating readers
/// place it (`CostRecord::billing_month` / the charge period's start day).
fn month_of(line: &Line<'_>, basis: MonthBasis) -> Option<NaiveDate> {
    let secs = match basis {
        MonthBasis::Billing => line.billing_start.unwrap_or(line.start),
        MonthBasis::Charge => line.start,
    };
    let day = DateTime::from_timestamp(secs, 0)?.date_naive();
    day.with_day(1)
}

impl FocusExport {
    /// Write every line of the month to `sink`; `Err` at the first line that cannot be made
    /// conformant (naming its file and line), or when the totals do not reconcile.
    pub fn write(&self, sink: &mut dyn FocusSink) -> Result<FocusSummary, AppError> {
        let tf = self.terraform.as_deref().map(TerraformIndex::new);
        let mut billed: BTreeMap<String, ExactSum> = BTreeMap::new();
        let mut rows = 0u64;
        let mut fixes = Fixes::new();
        let at = |name: &str| self.columns.iter().position(|c| c.name == name);
        let (i_owner, i_status, i_kind) =
            (at(focus::X_OWNER), at(focus::X_ALLOCATION_STATUS), at(focus::X_CHARGE_KIND));
        let (i_managed, i_address, i_tags) =
            (at(focus::X_TERRAFORM_MANAGED), at(focus::X_TERRAFORM_ADDRESS), at("Tags"));
        let i_resource = at("ResourceId");
        let mut each = |line: &Line<'_>| -> Result<(), String> {
            if month_of(line, self.month_basis) != Some(self.month) {
                return Ok(());
            }
            let mut cells = focus::spec_cells(line, self.version, &self.columns, &mut fixes)?;
            let owner = line
                .category
                .can_carry_tags()
                .then(|| {
                    line.tags.iter().find(|(k, _)| tag_key_matches(k, &self.owner_tag, self.exact_tag_keys))
                })
                .flatten()
                .map(|(_, v)| v.as_str())
                .filter(|v| !v.is_empty());
            let status = match (owner, line.category.can_carry_tags()) {
                (Some(_), _) => AllocationStatus::Allocated,
                (None, true) => AllocationStatus::Untagged,
                (None, false) => AllocationStatus::Untaggable,
            };
            let set = |cells: &mut Vec<Option<String>>, i: Option<usize>, v: Option<String>| {
                if let Some(i) = i {
                    cells[i] = v;
                }
            };
            let owner = owner.map(|o| if self.redact { redact_owner(o).into_owned() } else { o.to_string() });
            set(&mut cells, i_owner, owner);
            set(&mut cells, i_status, Some(status.as_str().to_string()));
            set(&mut cells, i_kind, Some(line.category.as_str().to_string()));
            if self.redact {
                if let Some(i) = i_tags {
                    cells[i] = cells[i].as_deref().map(|t| redact_tags(t, &self.owner_tag)).transpose()?;
                }
            }
            if let Some(tf) = &tf {
                let resource = i_resource.and_then(|i| cells[i].clone());
                let address = resource.as_deref().and_then(|r| tf.address(r));
                set(&mut cells, i_managed, resource.as_ref().map(|_| address.is_some().to_string()));
                set(&mut cells, i_address, address.map(str::to_string));
            }
            focus::check_row(&self.columns, &cells)?;
            billed.entry(line.currency.clone()).or_default().push(line.billed);
            rows = rows.saturating_add(1);
            sink.row(cells)
        };
        match &self.input {
            Input::Local(path) => for_each_line(path, &mut each)?,
            Input::Downloaded { files, .. } => for_each_line_of(files, &mut each)?,
        };
        for (what, (count, first)) in &fixes {
            tracing::warn!("{what} on {count} line(s) (first: {first})");
        }
        // Reconciled by exact integer sums per currency, against the aggregating reader's.
        let same = billed.len() == self.input_billed.len()
            && billed.iter().all(|(c, s)| self.input_billed.get(c).is_some_and(|i| i.same_as(s)));
        if !same {
            let show = |m: &BTreeMap<String, ExactSum>| {
                m.iter().map(|(c, s)| format!("{s} {c}")).collect::<Vec<_>>().join(", ")
            };
            return Err(AppError::Output(format!(
                "internal error: FOCUS export billed totals {} do not reconcile with the input's {}",
                show(&billed),
                show(&self.input_billed)
            )));
        }
        tracing::info!(rows, version = self.version.as_str(), month = %self.month, "focus export");
        Ok(FocusSummary { rows, billed })
    }
}

/// FOCUS `Tags` with e-mail addresses and names hidden as `--redact` hides them elsewhere.
fn redact_tags(text: &str, owner_tag: &str) -> Result<String, String> {
    let value: serde_json::Value = serde_json::from_str(text).map_err(|e| format!("Tags: {e}"))?;
    let serde_json::Value::Object(map) = value else { return Err("Tags: not a JSON object".to_string()) };
    let map: serde_json::Map<String, serde_json::Value> = map
        .into_iter()
        .map(|(k, v)| {
            let v = match v {
                serde_json::Value::String(s) => serde_json::Value::String(if k == owner_tag {
                    redact_owner(&s).into_owned()
                } else {
                    redact_emails(&s).into_owned()
                }),
                other => other,
            };
            (k, v)
        })
        .collect();
    Ok(serde_json::Value::Object(map).to_string())
}
