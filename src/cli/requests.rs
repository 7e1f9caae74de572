//! From clap arguments to the plain requests `app` takes, and the clap face of the library's
//! enums (so that no room below `cli` depends on clap).

use clap::builder::PossibleValue;
use clap::ValueEnum;

use super::args::*;
use crate::app::{
    AwsOptions, CollectRequest, ExportRequest, FixRequest, ImportRequest, ListPriceOptions, PlanRequest,
    PolicyOptions, ReviewPeriod, ReviewRequest, Sources,
};
use crate::costs::CostBasis;
use crate::export::focus::FocusVersion;
use crate::export::write::ExportFormat;
use crate::export::{Allocation, MonthBasis};
use crate::report::Format;

// The library's enums are chosen on the command line; their clap face lives here so that no
// room below `cli` depends on clap.
macro_rules! value_enum {
    ($ty:ty { $($variant:path => $name:literal $(: $help:literal)?),+ $(,)? }) => {
        impl ValueEnum for $ty {
            fn value_variants<'a>() -> &'a [Self] {
                &[$($variant),+]
            }

            fn to_possible_value(&self) -> Option<PossibleValue> {
                Some(match self {
                    $($variant => PossibleValue::new($name)$(.help($help))?),+
                })
            }
        }
    };
}

value_enum!(Format {
    Format::Table => "table",
    Format::Json => "json",
    Format::Markdown => "markdown",
    Format::Sarif => "sarif",
    Format::Github => "github",
    Format::Junit => "junit",
});

value_enum!(CostBasis {
    CostBasis::Billed => "billed": "What the invoice says: CUR `lineItem/UnblendedCost`, FOCUS `BilledCost`. Reservation and Savings Plan fees land on the day they are billed; discounts on their own lines",
    CostBasis::Effective => "effective": "Amortized: upfront and recurring commitment fees spread over the usage they cover (CUR amortization columns, FOCUS `EffectiveCost`). The usual basis for showback",
});

value_enum!(Allocation {
    Allocation::None => "none": "Leave untagged and untaggable cost on rows of their own, without an owner",
    Allocation::Proportional => "proportional": "Split each unowned row across owners in proportion to their tagged effective cost in the month (same currency). Owners with zero or negative tagged cost get no share",
    Allocation::Even => "even": "Split each unowned row evenly across the owners with tagged cost in the month",
});

value_enum!(MonthBasis {
    MonthBasis::Billing => "billing",
    MonthBasis::Charge => "charge",
});

value_enum!(ExportFormat {
    ExportFormat::Csv => "csv",
    ExportFormat::Parquet => "parquet",
    ExportFormat::Focus => "focus",
    ExportFormat::FocusParquet => "focus-parquet",
});

value_enum!(FocusVersion {
    FocusVersion::V1_0 => "1.0",
    FocusVersion::V1_2 => "1.2",
});

impl PolicyArgs {
    pub(crate) fn request(&self) -> PolicyOptions {
        PolicyOptions {
            required_tags: self.required_tag.clone(),
            owner_tag: self.owner_tag.clone(),
            unknown_tags: self.unknown_tags.map(|u| u.0),
            var_files: self.var_file.clone(),
            policy_files: self.policy.clone(),
            severity: self.severity.clone(),
            exemptions: self.exemptions.clone(),
            today: self.today,
        }
    }
}

impl AwsArgs {
    pub(crate) fn request(&self) -> AwsOptions {
        AwsOptions {
            regions: self.regions.clone(),
            accounts: self.accounts.clone(),
            role: self.role.clone(),
            org: self.org,
            no_cache: self.no_cache,
            profile: self.profile.clone(),
            region: self.region.clone(),
            metric: self.metric.clone(),
            config_aggregator: self.config_aggregator.clone(),
            require_visibility: self.require_visibility,
            concurrency: self.concurrency.map(usize::from),
            no_cloud_control: self.no_cloud_control,
            progress: self.progress,
        }
    }
}

impl SourceArgs {
    pub(crate) fn request(&self) -> Sources {
        Sources {
            code: self.code.clone(),
            state: self.state.clone(),
            plan: self.plan.clone(),
            snapshot: self.snapshot.clone(),
            offline: self.offline,
            costs: self.costs.clone(),
            cost_basis: self.cost_basis,
            policy: self.policy.request(),
            aws: self.aws.request(),
        }
    }
}

impl CollectCmd {
    pub(crate) fn request(&self) -> CollectRequest {
        CollectRequest {
            dir: self.dir.clone(),
            aws: self.collect.aws.request(),
            as_of: self.collect.as_of,
            owner_tag: self.collect.owner_tag.clone(),
            required_tags: self.collect.required_tag.clone(),
            list_prices: ListPriceOptions {
                enabled: self.collect.list_prices,
                endpoint_region: self.collect.price_list_region.clone(),
                ..ListPriceOptions::default()
            },
        }
    }
}

impl PlanArgs {
    pub(crate) fn request(&self) -> PlanRequest {
        PlanRequest {
            plan: self.plan.clone(),
            code: self.code.clone(),
            config_dir: self.config_dir.clone(),
            snapshot: self.snapshot.clone(),
            costs: self.costs.clone(),
            policy: self.policy.request(),
            list_prices: ListPriceOptions {
                enabled: self.list_prices.list_prices,
                endpoint_region: self.list_prices.price_list_region.clone(),
                no_cache: self.list_prices.no_cache,
                profile: self.list_prices.profile.clone(),
            },
        }
    }
}

impl ExportArgs {
    pub(crate) fn request(&self, redact: bool) -> ExportRequest {
        ExportRequest {
            dir: self.dir.clone(),
            costs: self.costs.clone(),
            profile: self.profile.clone(),
            region: self.region.clone(),
            state: self.state.clone(),
            month: self.month,
            month_basis: self.month_basis,
            owner_tag: self.owner_tag.clone(),
            by_resource: self.by_resource,
            allocate: self.allocate,
            redact,
        }
    }
}

impl ReviewArgs {
    pub(crate) fn request(&self, redact: bool) -> ReviewRequest {
        let period = match (self.period, self.from, self.to) {
            (Some(PeriodArg::Month(first)), _, _) => ReviewPeriod::Month(first),
            (_, Some(from), Some(to)) => ReviewPeriod::Days { from, to },
            _ => ReviewPeriod::LastWeek,
        };
        ReviewRequest {
            dir: self.dir.clone(),
            period,
            sources: self.sources.request(),
            history: self.history.clone(),
            history_weeks: Some(usize::from(self.history_weeks)),
            history_save: self.history_save.clone(),
            redact,
        }
    }
}

impl FixArgs {
    pub(crate) fn request(&self) -> FixRequest {
        FixRequest {
            dir: self.dir.clone(),
            write: self.write,
            set: self.set.clone(),
            default_tags: self.default_tags,
            snapshot: self.snapshot.clone(),
            state: self.state.clone(),
            policy: self.policy.request(),
        }
    }
}

impl ImportArgs {
    pub(crate) fn request(&self) -> ImportRequest {
        ImportRequest { dir: self.dir.clone(), sources: self.sources.request() }
    }
}
