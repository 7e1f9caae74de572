//! Every command-line argument: the clap structs and their parsers. How each becomes the plain
//! request `app` takes is in `requests.rs`. Nothing below `cli` knows clap.

use std::path::PathBuf;

use chrono::NaiveDate;
use clap::{Args, Subcommand, ValueEnum};

use crate::aws;
use crate::costs::CostBasis;
use crate::export::focus::FocusVersion;
use crate::export::write::ExportFormat;
use crate::export::{Allocation, MonthBasis};
use crate::policy::Severity;
use crate::report::Format;

/// Tag policy flags, shared by every command that checks tags. They add to `tally.hcl`.
#[derive(Debug, Clone, Default, Args)]
pub struct PolicyArgs {
    /// A tag key every taggable resource must carry (repeatable; adds to tally.hcl).
    #[arg(long, value_name = "KEY")]
    pub required_tag: Vec<String>,

    /// The tag key that names a resource's owner [default: tally.hcl's owner_tag, else "owner"].
    #[arg(long, value_name = "KEY")]
    pub owner_tag: Option<String>,

    /// Severity for required tags that cannot be known before apply (error, warning, info, or
    /// ignore). `plan` and `lint` default to warning; `audit` ignores them because state and
    /// live data answer the question.
    #[arg(long, value_name = "SEVERITY", value_parser = parse_unknown)]
    pub unknown_tags: Option<UnknownTags>,

    /// Extra variable files for the root module, after terraform.tfvars and *.auto.tfvars.
    #[arg(long, value_name = "FILE")]
    pub var_file: Vec<PathBuf>,

    /// A policy file: HCL tag policies, or an AWS Organizations tag policy (JSON) (repeatable;
    /// adds to tally.hcl's `policy`).
    #[arg(long, value_name = "FILE")]
    pub policy: Vec<PathBuf>,

    /// Override a rule's severity, e.g. TAG003=error (repeatable; wins over tally.hcl).
    #[arg(long, value_name = "RULE=SEVERITY", value_parser = parse_severity_override)]
    pub severity: Vec<(String, Severity)>,

    /// Written exemptions file [default: tally.hcl's `exemptions`].
    #[arg(long, value_name = "FILE")]
    pub exemptions: Option<PathBuf>,

    /// The date exemptions expire against when there is no snapshot [default: today].
    #[arg(long, value_name = "YYYY-MM-DD")]
    pub today: Option<NaiveDate>,
}

fn parse_severity_override(s: &str) -> Result<(String, Severity), String> {
    let (id, level) =
        s.split_once('=').ok_or_else(|| format!("\"{s}\" is not RULE=SEVERITY, like TAG003=error"))?;
    if !crate::policy::catalog().contains_key(id) {
        return Err(format!("unknown rule \"{id}\" (see `tally rules list`)"));
    }
    let severity =
        Severity::parse(level).ok_or_else(|| format!("\"{level}\" is not one of error, warning, info"))?;
    Ok((id.to_string(), severity))
}

/// `--unknown-tags`: a severity, or `ignore` (`None`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct UnknownTags(pub Option<Severity>);

fn parse_unknown(s: &str) -> Result<UnknownTags, String> {
    match s {
        "ignore" => Ok(UnknownTags(None)),
        other => Severity::parse(other)
            .map(|s| UnknownTags(Some(s)))
            .ok_or_else(|| format!("\"{other}\" is not one of error, warning, info, ignore")),
    }
}

/// Where the data comes from. Flags override `tally.hcl`; `--state` adds to it.
#[derive(Debug, Clone, Default, Args)]
pub struct SourceArgs {
    /// Terraform code directory (root module).
    #[arg(long, value_name = "DIR")]
    pub code: Option<PathBuf>,

    /// Terraform state: a file, a directory or a glob (repeatable).
    #[arg(long, value_name = "FILE|GLOB")]
    pub state: Vec<String>,

    /// `terraform show -json` plan output.
    #[arg(long, value_name = "FILE")]
    pub plan: Option<PathBuf>,

    /// Live inventory, costs and budgets recorded by `tally collect` (offline run).
    #[arg(long, value_name = "FILE")]
    pub snapshot: Option<PathBuf>,

    /// Without --snapshot, read no live AWS data at all (Terraform inputs only).
    #[arg(long, conflicts_with = "snapshot")]
    pub offline: bool,

    /// CUR or FOCUS cost data: a file or directory (CSV, gzip CSV, Parquet), an S3 export
    /// (s3://bucket/prefix, read through its manifests) or an Athena table
    /// (athena://WORKGROUP/DATABASE.TABLE?format=cur2|cur|focus). Its lines replace the
    /// snapshot's, and a live run does not ask Cost Explorer; with neither a snapshot nor a live
    /// run, "today" is the last charge period end.
    #[arg(long, value_name = "FILE|DIR|s3://..|athena://..")]
    pub costs: Option<String>,

    /// Amount of cost files to use: effective (amortized, for showback) or billed (invoice).
    #[arg(long, value_enum, value_name = "BASIS", default_value_t = CostBasis::Effective, hide_possible_values = true)]
    pub cost_basis: CostBasis,

    #[command(flatten)]
    pub policy: PolicyArgs,

    #[command(flatten, next_help_heading = "Live AWS (without --snapshot)")]
    pub aws: AwsArgs,
}

/// Where live data comes from: accounts, regions, credentials, Cost Explorer settings.
#[derive(Debug, Clone, Default, Args)]
pub struct AwsArgs {
    /// Regions to read, comma-separated, or `all` (every default-enabled commercial region)
    /// [default: the configured region].
    #[arg(long, value_name = "REGION,..|all", value_delimiter = ',')]
    pub regions: Vec<String>,

    /// Accounts to read, comma-separated, assuming --role in each.
    #[arg(long, value_name = "ID,..", value_delimiter = ',', conflicts_with = "org")]
    pub accounts: Vec<String>,

    /// Role to assume in each account of --accounts or --org.
    #[arg(long, value_name = "NAME")]
    pub role: Option<String>,

    /// Every active account of the organization (Organizations ListAccounts), assuming --role.
    #[arg(long)]
    pub org: bool,

    /// Send every Cost Explorer request (USD 0.01 each) even when a cached answer is fresh.
    #[arg(long)]
    pub no_cache: bool,

    /// AWS profile [default: AWS_PROFILE, else the default credential chain].
    #[arg(long, value_name = "NAME")]
    pub profile: Option<String>,

    /// AWS region of the configuration [default: AWS_REGION, else the profile's].
    #[arg(long, value_name = "REGION")]
    pub region: Option<String>,

    /// Cost Explorer metric the amounts are in [default: UnblendedCost].
    #[arg(long, value_name = "METRIC", value_parser = clap::builder::PossibleValuesParser::new(aws::METRICS))]
    pub metric: Option<String>,

    /// Read AWS Config through this aggregator (in --region), once, instead of in every
    /// account and region [default: tally.hcl's config_aggregator].
    #[arg(long, value_name = "NAME")]
    pub config_aggregator: Option<String>,

    /// Make the run partial (exit 3) when never-tagged resources of a covered type could not be
    /// seen somewhere tally looked [default: tally.hcl's require_visibility].
    #[arg(long)]
    pub require_visibility: bool,

    /// Ceiling of account-region units collected at once; fewer run while AWS throttles
    /// [default: tally.hcl's concurrency, else 100].
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u16).range(1..=1000))]
    pub concurrency: Option<u16>,

    /// Do not ask the Cloud Control API: never-tagged resources of the types AWS Config does not
    /// record are then reported as not seen.
    #[arg(long)]
    pub no_cloud_control: bool,

    /// Progress bars on stderr while collecting; the binary sets it (a TTY, not `--quiet`).
    #[arg(skip)]
    pub progress: bool,
}

/// `tally collect` settings besides the AWS ones.
#[derive(Debug, Clone, Default, Args)]
pub struct CollectArgs {
    #[command(flatten, next_help_heading = "Live AWS")]
    pub aws: AwsArgs,

    /// The day the data describes, YYYY-MM-DD [default: today, UTC].
    #[arg(long, value_name = "DATE")]
    pub as_of: Option<NaiveDate>,

    /// The tag key spend is grouped by [default: tally.hcl's owner_tag, else "owner"].
    #[arg(long, value_name = "KEY")]
    pub owner_tag: Option<String>,

    /// A tag key whose cost-allocation activation is checked (repeatable; adds to tally.hcl).
    #[arg(long, value_name = "KEY")]
    pub required_tag: Vec<String>,

    /// Record AWS on-demand list prices (EC2 instances, EBS volumes, NAT gateways, load
    /// balancers, ...) of every collected region, so `plan --snapshot` prices what the bill
    /// has never seen without the network. Asks the AWS Price List (free, cached).
    #[arg(long)]
    pub list_prices: bool,

    /// Region of the AWS Price List endpoint: us-east-1, eu-central-1 or ap-south-1, whatever
    /// regions the prices are for [default: tally.hcl's price_list_region, else us-east-1].
    #[arg(long, value_name = "REGION", requires = "list_prices")]
    pub price_list_region: Option<String>,
}

/// `tally plan`: where list prices may come from.
#[derive(Debug, Clone, Default, Args)]
pub struct ListPriceArgs {
    /// Where the bill has no rate (or without --costs), price at AWS on-demand list prices,
    /// asked of the AWS Price List (network and AWS credentials; answers cached 24 h) [default:
    /// tally.hcl's list_prices, else off: list prices recorded in --snapshot only].
    #[arg(long)]
    pub list_prices: bool,

    /// Region of the AWS Price List endpoint: us-east-1, eu-central-1 or ap-south-1, whatever
    /// regions the prices are for [default: tally.hcl's price_list_region, else us-east-1].
    #[arg(long, value_name = "REGION")]
    pub price_list_region: Option<String>,

    /// Ask the AWS Price List again even when a cached answer is fresh.
    #[arg(long)]
    pub no_cache: bool,

    /// AWS profile for the Price List [default: AWS_PROFILE, else the default chain].
    #[arg(long, value_name = "NAME")]
    pub profile: Option<String>,
}

/// `tally export`: flags.
#[derive(Debug, Clone, Args)]
pub struct ExportArgs {
    /// Project directory; its tally.hcl (owner_tag, state) is read when present.
    pub dir: Option<PathBuf>,

    /// CUR or FOCUS cost data: a file or directory (CSV, gzip CSV, Parquet), an S3 export
    /// (s3://bucket/prefix, read through its manifests) or an Athena table
    /// (athena://WORKGROUP/DATABASE.TABLE?format=cur2|cur|focus).
    #[arg(long, value_name = "FILE|DIR|s3://..|athena://..", help_heading = "Inputs")]
    pub costs: String,

    /// AWS profile for s3:// and athena:// costs [default: AWS_PROFILE, else the default chain].
    #[arg(long, value_name = "NAME", help_heading = "Inputs")]
    pub profile: Option<String>,

    /// AWS region for s3:// and athena:// costs [default: AWS_REGION, else the profile's].
    #[arg(long, value_name = "REGION", help_heading = "Inputs")]
    pub region: Option<String>,

    /// Terraform state, for x_TerraformManaged and x_TerraformAddress (repeatable).
    #[arg(long, value_name = "FILE|GLOB", help_heading = "Inputs")]
    pub state: Vec<String>,

    /// Month to export [default: the latest in the data], selected as --month-basis says.
    #[arg(long, value_name = "YYYY-MM", value_parser = parse_month)]
    pub month: Option<NaiveDate>,

    /// What --month selects by: billing (the invoice the charge is on, FOCUS
    /// BillingPeriodStart: what finance reconciles to the invoice) or charge (the day the
    /// charge was incurred, ChargePeriodStart: what audit and report use).
    #[arg(long, value_enum, value_name = "BASIS", default_value_t = MonthBasis::Billing)]
    pub month_basis: MonthBasis,

    /// The tag key that names an owner [default: tally.hcl's owner_tag, else "owner"].
    #[arg(long, value_name = "KEY")]
    pub owner_tag: Option<String>,

    /// One row per resource as well (ResourceId column; x_TerraformAddress with --state).
    #[arg(long)]
    pub by_resource: bool,

    /// Allocate untagged and untaggable cost to owners: none (own rows), proportional (to
    /// owners' tagged effective cost), or even.
    #[arg(long, value_enum, value_name = "HOW", default_value_t = Allocation::None, hide_possible_values = true)]
    pub allocate: Allocation,

    /// Output format: csv or parquet (rows per day, account, service and owner), focus or
    /// focus-parquet (a FOCUS dataset: one row per input line, --focus-version).
    #[arg(long, value_enum, default_value_t = ExportFormat::Csv, help_heading = "Output")]
    pub format: ExportFormat,

    /// FOCUS version of --format focus|focus-parquet.
    #[arg(long, value_enum, value_name = "VERSION", default_value_t = FocusVersion::V1_2, help_heading = "Output")]
    pub focus_version: FocusVersion,

    /// Write to FILE instead of stdout (required for parquet).
    #[arg(long, short = 'o', value_name = "FILE", help_heading = "Output")]
    pub output: Option<PathBuf>,
}

fn parse_month(s: &str) -> Result<NaiveDate, String> {
    NaiveDate::parse_from_str(&format!("{s}-01"), "%Y-%m-%d")
        .map_err(|_| format!("\"{s}\" is not a month like 2026-10"))
}

/// `tally report` flags.
#[derive(Debug, Clone, Args)]
pub struct ReviewArgs {
    /// Project directory; its `tally.hcl` is read when present.
    pub dir: Option<PathBuf>,

    /// The period to review: last-week (the 7 days before the data's date) or a month, YYYY-MM
    /// [default: last-week].
    #[arg(long, value_name = "last-week|YYYY-MM", value_parser = parse_period, conflicts_with_all = ["from", "to"], help_heading = "Period")]
    pub period: Option<PeriodArg>,

    /// First day of a custom period (with --to).
    #[arg(long, value_name = "YYYY-MM-DD", requires = "to", help_heading = "Period")]
    pub from: Option<NaiveDate>,

    /// Last day of a custom period, included (with --from).
    #[arg(long, value_name = "YYYY-MM-DD", requires = "from", help_heading = "Period")]
    pub to: Option<NaiveDate>,

    #[command(flatten, next_help_heading = "Inputs")]
    pub sources: SourceArgs,

    /// Keep each weekly review's report in DIR (one file per ISO week of the data's date) and
    /// show trends over the reports kept; an s3://bucket/prefix history is read only (see
    /// --history-save) [default: tally.hcl's `history`].
    #[arg(long, value_name = "DIR|S3_URL", help_heading = "History")]
    pub history: Option<String>,

    /// With an s3:// history: write this week's report to DIR, for your pipeline to upload to
    /// the prefix (tally never writes to AWS).
    #[arg(long, value_name = "DIR", help_heading = "History")]
    pub history_save: Option<PathBuf>,

    /// Weeks of trends to show from the history.
    #[arg(long, value_name = "N", default_value_t = 12, value_parser = clap::value_parser!(u16).range(1..=520), help_heading = "History")]
    pub history_weeks: u16,

    /// Output format.
    #[arg(long, value_enum, default_value_t = ReviewFormat::Html, help_heading = "Output")]
    pub format: ReviewFormat,

    /// Write the result to FILE instead of stdout.
    #[arg(long, short = 'o', value_name = "FILE", help_heading = "Output")]
    pub output: Option<PathBuf>,
}

/// Formats of the review. (Plain comments on the variants, as for `report::Format`.)
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ReviewFormat {
    // One self-contained page: inline CSS and SVG charts, no scripts, no network.
    Html,
    // A short summary for chat or e-mail.
    Markdown,
    // The canonical report with its `review` section.
    Json,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PeriodArg {
    LastWeek,
    /// The first day of the month.
    Month(NaiveDate),
}

fn parse_period(s: &str) -> Result<PeriodArg, String> {
    if s == "last-week" {
        return Ok(PeriodArg::LastWeek);
    }
    NaiveDate::parse_from_str(&format!("{s}-01"), "%Y-%m-%d")
        .map(PeriodArg::Month)
        .map_err(|_| format!("\"{s}\" is neither last-week nor a month like 2026-11"))
}

#[derive(Debug, Args)]
pub struct CollectCmd {
    /// Project directory; its `tally.hcl` gives owner_tag and required_tags when present.
    pub dir: Option<PathBuf>,

    #[command(flatten)]
    pub collect: CollectArgs,

    /// Write the snapshot to FILE instead of stdout.
    #[arg(long, short = 'o', value_name = "FILE", help_heading = "Output")]
    pub output: Option<PathBuf>,
}

#[derive(Debug, Args)]
pub struct BudgetsArgs {
    /// Project directory; its `tally.hcl` (budgets, snapshot) is read when present.
    pub dir: Option<PathBuf>,

    /// Live costs and AWS Budgets recorded by `tally collect`.
    #[arg(long, value_name = "FILE", help_heading = "Inputs")]
    pub snapshot: Option<PathBuf>,

    #[command(flatten, next_help_heading = "Output")]
    pub output: OutputArgs,
}

#[derive(Debug, Subcommand)]
pub enum RulesCommand {
    /// Every rule: id, name, default severity, summary.
    List {
        /// Output format.
        #[arg(long, value_enum, default_value_t = RulesFormat::Table)]
        format: RulesFormat,
    },
    /// A rule's documentation: what it checks, why it matters, an example, how to fix.
    Explain {
        /// Rule id, like TAG001 (or its name, like missing-required-tag).
        id: String,
    },
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum RulesFormat {
    Table,
    Markdown,
}

#[derive(Debug, Args)]
pub struct PlanArgs {
    /// `terraform show -json PLANFILE` output.
    pub plan: PathBuf,

    /// The Terraform code the plan was made from: findings point at its file:line.
    #[arg(long, value_name = "DIR", help_heading = "Inputs")]
    pub code: Option<PathBuf>,

    /// Directory of the tally.hcl to use [default: the --code directory, else the current one].
    #[arg(long, value_name = "DIR", help_heading = "Inputs")]
    pub config_dir: Option<PathBuf>,

    /// Recorded spend and budgets: adds budget headroom for the owners the plan touches.
    #[arg(long, value_name = "FILE", help_heading = "Inputs")]
    pub snapshot: Option<PathBuf>,

    /// CUR or FOCUS cost data (as for `audit --costs`): prices the plan's changes per month at
    /// the effective rates the bill shows.
    #[arg(long, value_name = "FILE|DIR|s3://..|athena://..", help_heading = "Inputs")]
    pub costs: Option<String>,

    #[command(flatten, next_help_heading = "List prices")]
    pub list_prices: ListPriceArgs,

    #[command(flatten, next_help_heading = "Policy")]
    pub policy: PolicyArgs,

    #[command(flatten, next_help_heading = "Output")]
    pub output: OutputArgs,
}

#[derive(Debug, Args)]
pub struct LintArgs {
    /// Terraform files or directories. A directory is searched for every root module under
    /// it (modules only called by another are linted through their callers); a file stands for
    /// its directory. The one directory given has its `tally.hcl` read, else the current one's.
    #[arg(value_name = "PATH", default_value = ".")]
    pub paths: Vec<PathBuf>,

    #[command(flatten, next_help_heading = "Policy")]
    pub policy: PolicyArgs,

    #[command(flatten, next_help_heading = "Output")]
    pub output: OutputArgs,
}

#[derive(Debug, Args)]
pub struct AuditArgs {
    /// Project directory; its `tally.hcl` is read when present.
    pub dir: Option<PathBuf>,

    #[command(flatten, next_help_heading = "Inputs")]
    pub sources: SourceArgs,

    #[command(flatten, next_help_heading = "Output")]
    pub output: OutputArgs,
}

#[derive(Debug, Args)]
pub struct OutputArgs {
    /// Output format.
    #[arg(long, value_enum, default_value_t = Format::Table)]
    pub format: Format,

    /// Write the result to FILE instead of stdout.
    #[arg(long, short = 'o', value_name = "FILE")]
    pub output: Option<PathBuf>,

    /// Exit 1 when a finding is at or above this severity: error, warning, info or never.
    /// Default: `fail_on` in tally.hcl, else error.
    #[arg(long, value_name = "SEVERITY", value_parser = parse_fail_on)]
    pub fail_on: Option<FailOn>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FailOn(pub Option<Severity>);

fn parse_fail_on(s: &str) -> Result<FailOn, String> {
    Severity::from_fail_on(s).map(FailOn)
}

/// `tally fix` flags.
#[derive(Debug, Clone, Default, Args)]
pub struct FixArgs {
    /// Terraform root module directory; its `tally.hcl` is read when present.
    #[arg(default_value = ".")]
    pub dir: PathBuf,

    /// Write the changes [default: print a unified diff and change nothing].
    #[arg(long)]
    pub write: bool,

    /// The value to write for KEY where it is missing or not allowed (repeatable; wins over
    /// the policy's `default` and the live owner).
    #[arg(long, value_name = "KEY=VALUE", value_parser = parse_set)]
    pub set: Vec<(String, String)>,

    /// Add missing keys to the provider's `default_tags` instead of each resource's `tags`.
    #[arg(long)]
    pub default_tags: bool,

    /// Recorded live data: a missing owner tag takes the live resource's owner (with --state).
    #[arg(long, value_name = "FILE", help_heading = "Inputs")]
    pub snapshot: Option<PathBuf>,

    /// Terraform state linking code addresses to live resources (repeatable; adds to tally.hcl).
    #[arg(long, value_name = "FILE|GLOB", help_heading = "Inputs")]
    pub state: Vec<String>,

    #[command(flatten, next_help_heading = "Policy")]
    pub policy: PolicyArgs,
}

fn parse_set(s: &str) -> Result<(String, String), String> {
    match s.split_once('=') {
        Some((k, v)) if !k.trim().is_empty() => Ok((k.trim().to_string(), v.to_string())),
        _ => Err(format!("\"{s}\" is not KEY=VALUE, like team=platform")),
    }
}

/// `tally import` flags.
#[derive(Debug, Clone, Default, Args)]
pub struct ImportArgs {
    /// Project directory; its `tally.hcl` is read when present.
    pub dir: Option<PathBuf>,

    #[command(flatten, next_help_heading = "Inputs")]
    pub sources: SourceArgs,

    /// Directory to write the import files and the guide into [default: print them].
    #[arg(long, short = 'o', value_name = "DIR", help_heading = "Output")]
    pub output: Option<PathBuf>,
}
