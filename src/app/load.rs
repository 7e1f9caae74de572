//! Resolving and loading a run's inputs: `tally.hcl` merged with the request (the nearer, the
//! stronger), then every named input read with its reader. The one place a command's inputs
//! become the model; what the audit does with them is `audit`'s.

use std::path::{Path, PathBuf};

use chrono::NaiveDate;

use super::{coverage, AppError, AwsOptions, PolicyOptions, Sources};
use crate::audit::output::Movers;
use crate::audit::{self, AuditInput, Focus};
use crate::aws::{self, CollectOptions};
use crate::config::{Config, CONFIG_FILE};
use crate::costs::{self, CostBasis};
use crate::error::InputError;
use crate::model::{Budget, Diagnostic, Period, SourceLocation, TfResource};
use crate::policy::{exemptions, Policy, PolicySet, Severity};
use crate::report::{self, Report};
use crate::snapshot::{Costs, Snapshot};
use crate::terraform::{hcl, plan, state};

/// The inputs of a run after merging `tally.hcl` and the request.
#[derive(Debug)]
pub(super) struct Resolved {
    pub(super) code: Option<PathBuf>,
    pub(super) state: Vec<String>,
    pub(super) plan: Option<PathBuf>,
    pub(super) snapshot: Option<PathBuf>,
    pub(super) costs: Option<String>,
    pub(super) cost_basis: CostBasis,
    /// tally.hcl's `tag_key_match = "exact"`.
    pub(super) exact_tag_keys: bool,
    pub(super) var_files: Vec<PathBuf>,
    pub(super) policy: Policy,
    pub(super) budgets: Vec<Budget>,
    pub(super) fail_on: Option<Severity>,
    /// tally.hcl's `config_aggregator` (a flag overrides it where the options are built).
    pub(super) config_aggregator: Option<String>,
    /// tally.hcl's `concurrency` (a flag overrides it where the options are built).
    pub(super) concurrency: Option<usize>,
    /// tally.hcl's `list_prices` and `price_list_region` (flags override them).
    pub(super) list_prices: bool,
    pub(super) price_list_region: Option<String>,
}

/// Read `dir/tally.hcl` when it exists.
pub(super) fn load_config(dir: &Path) -> Result<Config, AppError> {
    let path = dir.join(CONFIG_FILE);
    // `symlink_metadata`, not `is_file`: a dangling link, loop, directory or FIFO named
    // tally.hcl is an error from the reader, never a silent fall back to defaults.
    if std::fs::symlink_metadata(&path).is_ok() {
        tracing::debug!(path = %path.display(), "reading config");
        Ok(Config::load(&path)?)
    } else {
        Ok(Config::default())
    }
}

/// `dir/tally.hcl` as the report records it, when it exists.
pub(super) fn config_file(dir: &Path) -> Option<String> {
    let path = dir.join(CONFIG_FILE);
    path.is_file().then(|| display(&path))
}

pub(super) fn check_dir(dir: &Path) -> Result<(), AppError> {
    if dir.is_dir() {
        Ok(())
    } else {
        Err(InputError::Usage(format!("{}: not a directory", dir.display())).into())
    }
}

/// Merge config and request. `default_unknown` is the command's default for unknown tags.
/// Policy files and the exemptions file are read here: a mistake in them is an input error.
pub(super) fn resolve(
    config: Config,
    sources: &Sources,
    default_unknown: Option<Severity>,
) -> Result<Resolved, AppError> {
    let asked: &PolicyOptions = &sources.policy;
    // Policy files first, then tally.hcl's own settings, then flags: the nearer, the stronger.
    let mut rules = PolicySet::default();
    for path in config.policy.iter().chain(&asked.policy_files) {
        rules.merge(crate::policy::load(path)?);
    }
    rules.merge(config.rules);
    rules.severity.extend(asked.severity.iter().cloned());
    let exemptions = match asked.exemptions.as_ref().or(config.exemptions.as_ref()) {
        Some(path) => exemptions::load(path)?,
        None => Vec::new(),
    };
    let mut state = config.state;
    state.extend(sources.state.iter().cloned());
    let mut required = config.required_tags;
    for key in rules.required_tags.drain(..).chain(asked.required_tags.iter().cloned()) {
        if !required.contains(&key) {
            required.push(key);
        }
    }
    let owner_tag = asked.owner_tag.clone().or(config.owner_tag).unwrap_or_else(|| "owner".to_string());
    let unknown = asked.unknown_tags.unwrap_or(default_unknown);
    Ok(Resolved {
        code: sources.code.clone().or(config.code),
        state,
        plan: sources.plan.clone().or(config.plan),
        snapshot: sources.snapshot.clone().or(config.snapshot),
        costs: sources.costs.clone().or_else(|| config.costs.map(|p| p.display().to_string())),
        cost_basis: sources.cost_basis,
        exact_tag_keys: config.exact_tag_keys,
        var_files: asked.var_files.clone(),
        policy: Policy {
            required_tags: required,
            owner_tag,
            unknown_tags: unknown,
            rules,
            budgets: config.budget_settings,
            exemptions,
            today: asked.today,
            report_unmatched_exemptions: false,
            movers: config.movers.unwrap_or_default(),
            require_visibility: sources.aws.require_visibility || config.require_visibility,
        },
        budgets: config.budgets,
        fail_on: config.fail_on.unwrap_or(Some(Severity::Error)),
        config_aggregator: config.config_aggregator,
        concurrency: config.concurrency,
        list_prices: config.list_prices,
        price_list_region: config.price_list_region,
    })
}

/// Everything loaded for one run.
#[derive(Default)]
pub(super) struct Loaded {
    pub(super) code: Option<Vec<TfResource>>,
    pub(super) states: Vec<TfResource>,
    pub(super) plan: Option<Vec<TfResource>>,
    pub(super) snapshot: Option<Snapshot>,
    pub(super) diagnostics: Vec<Diagnostic>,
    pub(super) inputs: report::Inputs,
    /// The audit window `[start, end)`; `None` is the month to date (see `AuditInput::window`).
    pub(super) window: Option<Period>,
    /// First and last day of usage in the cost files, when read from files.
    pub(super) cost_coverage: Option<(NaiveDate, NaiveDate)>,
    /// Charge start, billing month, amount and currency of each cost record read from files.
    pub(super) billing_of_lines: Vec<coverage::BillingOfLine>,
    /// Read the usage table with the costs (plan pricing), and what it held.
    pub(super) want_usage: bool,
    pub(super) usage: Vec<costs::usage::Usage>,
    /// The plan's monthly cost at the bill's rates (a plan and cost files both loaded).
    pub(super) plan_cost: Option<crate::pricing::PlanCost>,
    /// Where to ask the AWS Price List for what the bill has no rate for; `None`: the network
    /// is not used for prices (list prices recorded in the snapshot still are).
    pub(super) price_list: Option<aws::price_list::PriceListOptions>,
    /// What the plan reader kept for pricing (see [`Loaded::plan`]).
    #[allow(clippy::vec_box)]
    pub(super) plan_kept: Vec<Box<plan::ChangeValues>>,
    pub(super) plan_aws_regions: Vec<String>,
}

impl Loaded {
    /// Load the code; returns its `backend "s3"` blocks.
    pub(super) fn code(
        &mut self,
        dir: &Path,
        var_files: &[PathBuf],
    ) -> Result<Vec<hcl::S3Backend>, AppError> {
        let opts = hcl::CodeOptions { var_files: var_files.to_vec(), serial: false };
        self.code_with(dir, &opts, None).map(|(backends, _)| backends)
    }

    /// [`Self::code`] with options and the modules shared by a run's roots; also returns what
    /// was parsed, for the fixes (`lint`).
    pub(super) fn code_with(
        &mut self,
        dir: &Path,
        opts: &hcl::CodeOptions,
        shared: Option<&hcl::SharedModules>,
    ) -> Result<(Vec<hcl::S3Backend>, hcl::ParsedFiles), AppError> {
        let (model, parsed) = hcl::load_code_parsed(dir, opts, shared)?;
        tracing::info!(resources = model.resources.len(), dir = %dir.display(), "loaded code");
        self.diagnostics.extend(model.diagnostics);
        self.inputs.other_provider_resources += model.other_provider_resources;
        self.inputs.remote_modules_not_read += model.remote_modules_not_read.len();
        if !model.remote_modules_not_read.is_empty() {
            tracing::info!(
                dir = %dir.display(),
                modules = model.remote_modules_not_read.join(", "),
                "remote modules not installed (run `terraform init`): their resources are not checked"
            );
        }
        self.inputs.code = Some(display(dir));
        self.code = Some(model.resources);
        Ok((model.s3_backends, parsed))
    }

    pub(super) fn states(&mut self, patterns: &[String], aws: &AwsOptions) -> Result<(), AppError> {
        let (remote, local): (Vec<String>, Vec<String>) =
            patterns.iter().cloned().partition(|p| p.starts_with("s3://"));
        for path in state::expand_state_inputs(&local)? {
            let file = state::load_state(&path)?;
            tracing::info!(resources = file.resources.len(), path = %path.display(), "loaded state");
            self.inputs.states.push(display(&path));
            self.inputs.other_provider_resources += file.other_provider_resources;
            self.states.extend(file.resources);
        }
        if !remote.is_empty() {
            for (url, bytes) in fetch_s3_states(&remote, aws)? {
                let file = state::parse_state(Path::new(&url), &bytes)?;
                tracing::info!(resources = file.resources.len(), url = %url, "loaded state");
                self.inputs.states.push(url);
                self.inputs.other_provider_resources += file.other_provider_resources;
                self.states.extend(file.resources);
            }
        }
        Ok(())
    }

    /// Live data collected now, in memory, instead of a snapshot file.
    pub(super) fn live(&mut self, options: &CollectOptions) -> Result<(), AppError> {
        let snap = collect_live(options)?;
        self.failed_attempts(&snap, None);
        self.snapshot = Some(snap);
        Ok(())
    }

    /// Load the plan; with `priced`, also keep the attributes plan pricing reads (one pass).
    pub(super) fn plan(&mut self, path: &Path, priced: bool) -> Result<(), AppError> {
        let file = if priced {
            plan::load_plan_keeping(path, crate::pricing::KEEP)?
        } else {
            plan::load_plan(path)?
        };
        tracing::info!(resources = file.resources.len(), path = %path.display(), "loaded plan");
        self.inputs.plan = Some(display(path));
        self.inputs.other_provider_resources += file.other_provider_resources;
        self.plan = Some(file.resources);
        self.plan_kept = file.kept;
        self.plan_aws_regions = file.aws_regions;
        Ok(())
    }

    pub(super) fn snapshot(&mut self, path: &Path) -> Result<(), AppError> {
        self.snapshot_read(path, Snapshot::load(path))
    }

    /// [`Loaded::snapshot`] of a snapshot read elsewhere (on another thread).
    pub(super) fn snapshot_read(
        &mut self,
        path: &Path,
        read: Result<Snapshot, crate::error::InputError>,
    ) -> Result<(), AppError> {
        let snap = read?;
        coverage::check_range(&display(path), &snap.costs.lines)?;
        self.failed_attempts(&snap, Some(SourceLocation::file(display(path))));
        self.inputs.snapshot = Some(display(path));
        self.snapshot = Some(snap);
        Ok(())
    }

    /// Every account, region and source a snapshot could not read becomes a diagnostic.
    fn failed_attempts(&mut self, snap: &Snapshot, location: Option<SourceLocation>) {
        for attempt in snap.failed_attempts() {
            self.diagnostics.push(Diagnostic {
                source: attempt.source.clone(),
                location: location.clone(),
                account: Some(attempt.account.clone()),
                region: Some(attempt.region.clone()),
                message: attempt.error.clone().unwrap_or_else(|| "collection failed".to_string()),
            });
        }
    }

    /// Cost lines from CUR/FOCUS files replace the snapshot's. Without a snapshot, one is made
    /// for them with `as_of` = the day of the last charge period end in the data.
    pub(super) fn costs(
        &mut self,
        source: &str,
        basis: CostBasis,
        exact_tag_keys: bool,
        policy: &Policy,
        aws: &AwsOptions,
    ) -> Result<(), AppError> {
        let mut tag_keys = policy.required_tags.clone();
        tag_keys.push(policy.owner_tag.clone());
        let opts = costs::ReadOptions {
            tag_keys,
            exact_tag_keys,
            usage_rates: self.want_usage,
            ..costs::ReadOptions::default()
        };
        let mut data = load_costs(source, &opts, aws, None)?;
        self.usage = std::mem::take(&mut data.usage);
        let lines = data.lines(basis);
        coverage::check_range(source, &lines)?;
        let snapshot = match self.snapshot.take() {
            Some(s) => s,
            None => {
                let as_of = data.as_of().ok_or_else(|| {
                    InputError::Usage(format!("{source}: no cost lines, so no date to audit as of"))
                })?;
                self.diagnostics.extend(coverage::as_of_diagnostics(source, &data, as_of));
                Snapshot::empty(as_of)
            }
        };
        self.cost_coverage = data.usage_days();
        self.billing_of_lines = data
            .records
            .iter()
            .map(|r| (r.period.start, r.billing_month(), r.amount(basis), r.currency.clone()))
            .collect();
        self.snapshot =
            Some(Snapshot { costs: Costs { metric: basis.metric().to_string(), lines }, ..snapshot });
        self.inputs.costs = Some(report::CostsInput {
            path: display(Path::new(source)),
            files: data.files.len(),
            rows: data.rows,
            basis: match basis {
                CostBasis::Billed => "billed",
                CostBasis::Effective => "effective",
            }
            .to_string(),
            period_basis: "charge_period".to_string(),
        });
        Ok(())
    }

    /// Price the loaded plan at the rates of the loaded cost files' usage table, and where it
    /// has none, at list prices (the snapshot's, else the Price List's when allowed). A
    /// question the Price List did not answer is a diagnostic: the rest is priced, the run is
    /// partial.
    pub(super) fn price_plan(&mut self, plan_path: &Path, owner_tag: &str) -> Result<(), AppError> {
        let rates = crate::pricing::RateBook::from_usage(&self.usage);
        let spend = self.snapshot.as_ref().map(|s| s.costs.lines.as_slice()).unwrap_or_default();
        let recorded = self.snapshot.as_ref().map(|s| s.list_prices.as_slice()).unwrap_or_default();
        let asker = self.price_list.clone().map(super::prices::SdkPriceList::new);
        let list = (asker.is_some() || !recorded.is_empty()).then(|| crate::pricing::ListPrices {
            recorded,
            ask: asker.as_ref().map(|a| a as &dyn crate::pricing::AskPriceList),
        });
        let (cost, problems) = crate::pricing::price_plan_with_problems(&crate::pricing::PlanPricing {
            plan_path,
            kept: &self.plan_kept,
            aws_regions: &self.plan_aws_regions,
            resources: self.plan.as_deref().unwrap_or_default(),
            owner_tag,
            rates: &rates,
            spend,
            list,
        })?;
        let endpoint = self.price_list.as_ref().map(|o| o.endpoint_region.clone());
        self.diagnostics.extend(problems.into_iter().map(|message| Diagnostic {
            source: "price-list".to_string(),
            location: None,
            account: None,
            region: endpoint.clone(),
            message,
        }));
        self.plan_cost = Some(cost);
        Ok(())
    }

    /// Run the audit over what was loaded, asking it for what `focus` names, and wrap the
    /// result into the canonical report.
    pub(super) fn audit(self, command: &str, resolved: &Resolved, focus: Focus) -> Report {
        self.audit_with_movers(command, resolved, focus).0
    }

    /// [`Loaded::audit`], also handing back the week-over-week movers the audit computed (the
    /// review shows them as a table).
    pub(super) fn audit_with_movers(
        mut self,
        command: &str,
        resolved: &Resolved,
        focus: Focus,
    ) -> (Report, Option<Movers>) {
        self.inputs.terraform_resources = self.code.as_ref().map_or(0, Vec::len)
            + self.plan.as_ref().map_or(0, Vec::len)
            + self.states.len();
        self.inputs.live_resources = self.snapshot.as_ref().map_or(0, |s| s.resources.len());
        self.inputs.cost_lines = self.snapshot.as_ref().map_or(0, |s| s.costs.lines.len());
        let input = AuditInput {
            code: self.code.as_deref(),
            plan: self.plan.as_deref(),
            state: &self.states,
            snapshot: self.snapshot.as_ref(),
            policy: &resolved.policy,
            budgets: &resolved.budgets,
            window: self.window,
            focus,
            plan_cost: self.plan_cost.as_ref(),
        };
        let mut output = audit::run(&input);
        let movers = output.movers.take();
        let as_of = self.snapshot.as_ref().map(|s| s.as_of);
        if let Some(as_of) = as_of.filter(|_| !self.billing_of_lines.is_empty()) {
            let window = self.window.unwrap_or_else(|| {
                let w = crate::audit::Window::month_to_date(as_of);
                Period { start: w.start, end: w.end }
            });
            if let Some(asked) = self.window {
                self.diagnostics.extend(coverage::window_diagnostics(asked, self.cost_coverage));
            }
            if let Some(spend) = output.spend.as_mut() {
                spend.invoiced_in_other_periods =
                    coverage::invoiced_elsewhere(window, &self.billing_of_lines, &spend.currency)
                        .map(|d| crate::model::Money::new(d, spend.currency.clone()));
            }
        }
        // The inputs are done with: freed before the report sorts the findings, so the two
        // never peak together (a million live resources hold ~450 MB). Freed on a thread of
        // their own (millions of blocks take a while) while the report is sorted and rendered:
        // the sort's own memory is positions, 8 bytes a finding.
        let inputs = (self.snapshot.take(), std::mem::take(&mut self.states));
        if inputs.0.as_ref().is_some_and(|s| s.resources.len() >= FREE_APART) {
            // Detached: the process may exit before it is done. Should no thread start, the
            // closure (and the inputs with it) is dropped here.
            let _ = std::thread::Builder::new().spawn(move || drop(inputs));
        } else {
            drop(inputs);
        }
        let mut report = Report::new(command, as_of, self.inputs, output, self.diagnostics);
        report.plan_cost = self.plan_cost;
        (report, movers)
    }
}

/// From this many live resources the audit's inputs are freed on a thread of their own.
const FREE_APART: usize = 100_000;

/// Options for a live collection from the request's AWS settings and the resolved policy.
pub(super) fn collect_options(
    aws: &AwsOptions,
    as_of: Option<NaiveDate>,
    policy: &Policy,
    budgets: &[Budget],
    config_aggregator: Option<&str>,
    concurrency: Option<usize>,
) -> CollectOptions {
    // Budgets linked to an AWS Budget (`aws_budget = "name"`) take AWS Budgets' own forecast.
    let budgets = budgets
        .iter()
        .filter(|b| policy.budgets.get(&b.name).and_then(|s| s.aws_budget.as_ref()).is_none())
        .cloned()
        .collect();
    CollectOptions {
        regions: aws.regions.clone(),
        accounts: aws.accounts.clone(),
        role: aws.role.clone(),
        org: aws.org,
        profile: aws.profile.clone(),
        region: aws.region.clone(),
        metric: aws.metric.clone().unwrap_or_else(|| "UnblendedCost".to_string()),
        owner_tag: policy.owner_tag.clone(),
        required_tags: policy.required_tags.clone(),
        as_of,
        cache_dir: if aws.no_cache { None } else { aws::default_cache_dir() },
        cache_ttl: aws::DEFAULT_TTL,
        concurrency: aws.concurrency.or(concurrency).unwrap_or(aws::DEFAULT_CONCURRENCY),
        budgets,
        progress: aws.progress,
        cost_explorer: true,
        config_aggregator: aws.config_aggregator.clone().or_else(|| config_aggregator.map(str::to_string)),
        cloud_control: !aws.no_cloud_control,
    }
}

/// The SDK is async; the rest of tally is not. A runtime lives for one collection.
pub(super) fn runtime() -> Result<tokio::runtime::Runtime, AppError> {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .map_err(|e| AppError::Output(format!("cannot start the async runtime: {e}")))
}

pub(super) fn collect_live(options: &CollectOptions) -> Result<Snapshot, AppError> {
    Ok(runtime()?.block_on(aws::collect(options))?)
}

/// Every `s3://bucket/key` state object, in the order given.
fn fetch_s3_states(urls: &[String], aws: &AwsOptions) -> Result<Vec<(String, Vec<u8>)>, AppError> {
    runtime()?.block_on(async {
        let clients = aws::Clients::load(aws.profile.as_deref(), aws.region.as_deref()).await;
        let mut out = Vec::with_capacity(urls.len());
        for url in urls {
            let (bucket, key) = aws::s3::parse_url(url)
                .ok_or_else(|| InputError::Usage(format!("{url}: expected s3://bucket/key")))?;
            out.push((url.clone(), aws::s3::get_object(&clients, bucket, key).await?));
        }
        Ok(out)
    })
}

/// Cost data from any `--costs` source: local files, an S3 export through its manifests
/// (fetched to a private temporary directory, removed after reading), or an Athena query.
/// `month`, when the command is about one billing month, restricts an Athena query to that
/// period's partition unless the URL names one (`period=`): Athena bills by the bytes it scans.
pub(super) fn load_costs(
    source: &str,
    opts: &costs::ReadOptions,
    aws: &AwsOptions,
    month: Option<NaiveDate>,
) -> Result<costs::CostData, AppError> {
    let data = match costs::CostSource::parse(source)? {
        costs::CostSource::Local(path) => costs::read_costs(&path, opts)?,
        costs::CostSource::S3 { bucket, prefix } => {
            let (_dir, files) = fetch_cost_export(&bucket, &prefix, aws)?;
            costs::read_named(&files, opts)?
        }
        costs::CostSource::Athena(mut table) => {
            table.period = table.period.or(month);
            let query = costs::athena::query(&table, opts);
            tracing::debug!(sql = %query.sql, "athena query");
            let result = runtime()?.block_on(async {
                let clients = aws::Clients::load(aws.profile.as_deref(), aws.region.as_deref()).await;
                aws::athena::run_query(&clients, &table, &query.sql).await
            })?;
            costs::athena::records(&query, &result.columns, &result.rows)
                .map_err(|m| InputError::invalid(Path::new(source), None, m))?
        }
    };
    tracing::info!(files = data.files.len(), rows = data.rows, records = data.records.len(), "loaded costs");
    for (kind, n) in &data.unknown_line_item_types {
        tracing::warn!(line_item_type = %kind, lines = n, "unknown line item type, counted as a fee");
    }
    Ok(data)
}

/// Every data file of the cost export at `s3://bucket/prefix`, downloaded into a temporary
/// directory that is removed when the returned handle is dropped.
pub(super) fn fetch_cost_export(
    bucket: &str,
    prefix: &str,
    aws: &AwsOptions,
) -> Result<(tempfile::TempDir, Vec<costs::NamedFile>), AppError> {
    let dir = tempfile::Builder::new()
        .prefix("tally-costs-")
        .tempdir()
        .map_err(|e| InputError::io(&std::env::temp_dir(), e))?;
    let files = runtime()?.block_on(async {
        let clients = aws::Clients::load(aws.profile.as_deref(), aws.region.as_deref()).await;
        aws::s3::fetch_cost_export(&clients, bucket, prefix, dir.path()).await
    })?;
    Ok((dir, files))
}

/// Paths in reports are shown as the user gave them, with `./` dropped for readability.
pub(super) fn display(path: &Path) -> String {
    let s = path.to_string_lossy();
    s.strip_prefix("./").unwrap_or(&s).to_string()
}
