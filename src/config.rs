//! `tally.hcl`: where a project's inputs are and which policy applies to it.
//!
//! Parsed in two stages, as cargo-deny does: hcl-edit gives a body with spans, then every
//! attribute and block is validated and *every* problem is reported with its line, not only the
//! first. Paths in the file are relative to the file's directory. This module does not read the
//! inputs it names.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use hcl_edit::structure::{Block, Body, Structure};
use hcl_edit::Span;
use rust_decimal::Decimal;

use crate::hcl_syntax::reader::{parse_body, Reader};
use crate::model::{Budget, BudgetPeriod, BudgetScope, BudgetSource, Money};
use crate::policy::{BudgetSettings, MoverThresholds, PolicySet, Severity};
use crate::source::{strip_bom, LineIndex};

/// Largest `concurrency` tally.hcl accepts (the flag's bound too).
const MAX_CONCURRENCY: usize = 1000;

pub use crate::hcl_syntax::reader::{ConfigError, ConfigErrors};

pub const CONFIG_FILE: &str = "tally.hcl";

/// Everything `tally.hcl` can say. Absent fields are `None`/empty; the CLI fills defaults.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Config {
    pub code: Option<PathBuf>,
    pub state: Vec<String>,
    pub plan: Option<PathBuf>,
    pub snapshot: Option<PathBuf>,
    /// `costs = "FILE|DIR"`: CUR / FOCUS cost data, as `--costs`.
    pub costs: Option<PathBuf>,
    pub owner_tag: Option<String>,
    /// `tag_key_match = "exact"`: cost files' tag keys match `owner_tag` and `required_tags`
    /// only as written. Default (`"normalized"`): as CUR 2.0 compares them, case and
    /// punctuation aside (`Owner` is `owner`), the same in every cost format.
    pub exact_tag_keys: bool,
    pub required_tags: Vec<String>,
    /// `Some(None)` is `fail_on = "never"`.
    pub fail_on: Option<Option<Severity>>,
    pub budgets: Vec<Budget>,
    /// Alert thresholds and AWS Budget links of `budgets`, by budget name.
    pub budget_settings: BTreeMap<String, BudgetSettings>,
    /// Policy files named by `policy = [...]` (HCL or Organizations tag-policy JSON).
    pub policy: Vec<PathBuf>,
    /// The exemptions file named by `exemptions = "..."`.
    pub exemptions: Option<PathBuf>,
    /// Tag policies, prohibited keys, severity and rule overrides written in tally.hcl itself.
    pub rules: PolicySet,
    /// The `movers` block (`min_change_pct`, `min_change`): when CST003 reports a change.
    pub movers: Option<MoverThresholds>,
    /// `config_aggregator = "NAME"`: read AWS Config through this aggregator.
    pub config_aggregator: Option<String>,
    /// `require_visibility = true`: invisible never-tagged resources make the run partial.
    pub require_visibility: bool,
    /// `concurrency = N`: ceiling of account-region units collected at once (1..=1000).
    pub concurrency: Option<usize>,
    /// `history = "DIR"`: where `tally report` keeps its weekly reports for trends.
    pub history: Option<String>,
    /// `list_prices = true`: price what the bill has no rate for at AWS list prices, asking
    /// the AWS Price List over the network (as `--list-prices`).
    pub list_prices: bool,
    /// `price_list_region = "eu-central-1"`: the Price List endpoint (as
    /// `--price-list-region`; checked where it is used).
    pub price_list_region: Option<String>,
}

impl Config {
    /// Read `path`; paths inside are resolved against its directory.
    pub fn load(path: &Path) -> Result<Config, ConfigErrors> {
        let text = crate::source::read_regular_to_string(path).map_err(|e| ConfigErrors {
            path: path.to_path_buf(),
            errors: vec![ConfigError { line: 1, column: 1, message: format!("cannot read: {e}") }],
        })?;
        let base = path.parent().unwrap_or(Path::new(""));
        Config::parse(path, base, &text)
    }

    pub fn parse(path: &Path, base: &Path, text: &str) -> Result<Config, ConfigErrors> {
        let text = strip_bom(text);
        let index = LineIndex::new(text);
        let body = parse_body(path, text)?;
        let mut reader = Reader::new(text, &index);
        let config = reader.config(&body, base, &path.to_string_lossy());
        reader.finish(path).map(|()| config)
    }
}

impl Reader<'_> {
    fn config(&mut self, body: &Body, base: &Path, file: &str) -> Config {
        let mut config = Config::default();
        let mut seen: BTreeMap<String, ()> = BTreeMap::new();
        for structure in body.iter() {
            match structure {
                Structure::Attribute(attr) => {
                    let key = attr.key.as_str();
                    if seen.insert(key.to_string(), ()).is_some() {
                        self.error(attr.span(), format!("`{key}` is set more than once"));
                        continue;
                    }
                    let value = &attr.value;
                    match key {
                        "code" => config.code = self.string(value, key).map(|s| join_path(base, &s)),
                        "state" => {
                            config.state = self
                                .string_or_list(value, key)
                                .into_iter()
                                .map(|s| join_pattern(base, &s))
                                .collect()
                        }
                        "plan" => config.plan = self.string(value, key).map(|s| join_path(base, &s)),
                        "snapshot" => config.snapshot = self.string(value, key).map(|s| join_path(base, &s)),
                        "costs" => config.costs = self.string(value, key).map(|s| join_path(base, &s)),
                        "owner_tag" => {
                            config.owner_tag = self.string(value, key);
                            if config.owner_tag.as_deref().is_some_and(|t| t.trim().is_empty()) {
                                self.error(value.span(), "`owner_tag` must not be empty");
                            }
                        }
                        "config_aggregator" => config.config_aggregator = self.string(value, key),
                        "list_prices" => match value {
                            hcl_edit::expr::Expression::Bool(b) => config.list_prices = *b.value(),
                            _ => self.error(value.span(), "`list_prices` must be true or false"),
                        },
                        "price_list_region" => config.price_list_region = self.string(value, key),
                        "require_visibility" => match value {
                            hcl_edit::expr::Expression::Bool(b) => config.require_visibility = *b.value(),
                            _ => self.error(value.span(), "`require_visibility` must be true or false"),
                        },
                        "concurrency" => {
                            if let Some(n) = self.decimal(value, key) {
                                match usize::try_from(n.mantissa()).ok().filter(|_| n.scale() == 0) {
                                    Some(n @ 1..=MAX_CONCURRENCY) => config.concurrency = Some(n),
                                    _ => self.error(
                                        value.span(),
                                        format!("`concurrency` must be a whole number from 1 to {MAX_CONCURRENCY}, not {n}"),
                                    ),
                                }
                            }
                        }
                        "tag_key_match" => match self.string(value, key).as_deref() {
                            Some("exact") => config.exact_tag_keys = true,
                            Some("normalized") => config.exact_tag_keys = false,
                            Some(other) => self.error(
                                value.span(),
                                format!("tag_key_match is \"exact\" or \"normalized\", not \"{other}\""),
                            ),
                            None => {}
                        },
                        "policy" => {
                            config.policy =
                                self.string_or_list(value, key).iter().map(|s| join_path(base, s)).collect()
                        }
                        "exemptions" => {
                            config.exemptions = self.string(value, key).map(|s| join_path(base, &s))
                        }
                        "prohibited_tags" | "severity" => {
                            crate::policy::tags::read_attribute(self, attr, &mut config.rules);
                        }
                        "required_tags" => config.required_tags = self.string_list(value, key),
                        "history" => config.history = self.string(value, key).map(|s| join_pattern(base, &s)),
                        "fail_on" => {
                            if let Some(s) = self.string(value, key) {
                                match Severity::from_fail_on(&s) {
                                    Ok(sev) => config.fail_on = Some(sev),
                                    Err(msg) => self.error(value.span(), msg),
                                }
                            }
                        }
                        other => self.error(
                            attr.key.span(),
                            format!(
                                "unknown setting `{other}` (expected one of: code, state, plan, snapshot, costs, \
                                 owner_tag, tag_key_match, required_tags, fail_on, policy, exemptions, \
                                 prohibited_tags, severity, config_aggregator, require_visibility, concurrency, history, \
                                 list_prices, price_list_region, or \
                                 budget, tag and rule blocks)"
                            ),
                        ),
                    }
                }
                Structure::Block(block) => match block.ident.as_str() {
                    "budget" => {
                        if let Some((b, settings)) = self.budget(block) {
                            if config.budgets.iter().any(|x| x.name == b.name) {
                                self.error(block.span(), format!("budget \"{}\" is declared twice", b.name));
                            } else {
                                config.budget_settings.insert(b.name.clone(), settings);
                                config.budgets.push(b);
                            }
                        }
                    }
                    "tag" | "rule" => crate::policy::tags::read_block(self, block, file, &mut config.rules),
                    "movers" => {
                        if config.movers.is_some() {
                            self.error(block.span(), "`movers` is declared twice");
                        }
                        config.movers = Some(self.movers(block));
                    }
                    other => self.error(
                        block.ident.span(),
                        format!("unknown block `{other}` (expected `budget`, `tag`, `rule` or `movers`)"),
                    ),
                },
            }
        }
        config
    }

    /// The `movers` block: `min_change_pct` and `min_change`; an absent setting keeps its default.
    fn movers(&mut self, block: &Block) -> crate::policy::MoverThresholds {
        let mut thresholds = crate::policy::MoverThresholds::default();
        for structure in block.body.iter() {
            let Structure::Attribute(attr) = structure else {
                self.error(structure.span(), "movers: nested blocks are not allowed");
                continue;
            };
            let key = attr.key.as_str();
            let slot = match key {
                "min_change_pct" => &mut thresholds.min_change_pct,
                "min_change" => &mut thresholds.min_change,
                other => {
                    self.error(
                        attr.key.span(),
                        format!("movers: unknown setting `{other}` (expected min_change_pct, min_change)"),
                    );
                    continue;
                }
            };
            match self.decimal(&attr.value, key) {
                Some(d) if d.is_sign_negative() => {
                    self.error(attr.value.span(), format!("`{key}` must not be negative"));
                }
                Some(d) => *slot = d,
                None => {}
            }
        }
        thresholds
    }

    fn budget(&mut self, block: &Block) -> Option<(Budget, BudgetSettings)> {
        let name = self.label(block)?;
        let mut settings = BudgetSettings::default();
        let mut scope = BudgetScope::default();
        let mut limit = None;
        let mut currency = None;
        let mut period = None;
        let errors_before = self.errors.len();
        for structure in block.body.iter() {
            let Structure::Attribute(attr) = structure else {
                self.error(structure.span(), format!("budget \"{name}\": nested blocks are not allowed"));
                continue;
            };
            let key = attr.key.as_str();
            let value = &attr.value;
            match key {
                "tags" => scope.tags = self.tag_scope(value),
                "accounts" => scope.accounts = self.string_list(value, key),
                "services" => scope.services = self.string_list(value, key),
                "limit" => {
                    limit = self.decimal(value, key);
                    // Zero can never be reported as a share ("(0%)"), and a limit below a cent
                    // only divides spend into absurd percentages.
                    if limit.is_some_and(|l| l < Decimal::new(1, 2)) {
                        self.error(value.span(), format!("budget \"{name}\": `limit` must be at least 0.01"));
                    }
                }
                "alert_at_actual" | "alert_at_forecast" => {
                    let pct = self.decimal(value, key);
                    if pct.is_some_and(|p| p <= Decimal::ZERO) {
                        self.error(value.span(), format!("`{key}` is a percentage of the limit and must be above 0"));
                    }
                    if key == "alert_at_actual" {
                        settings.alert_at_actual = pct;
                    } else {
                        settings.alert_at_forecast = pct;
                    }
                }
                "aws_budget" => settings.aws_budget = self.string(value, key),
                "currency" => {
                    currency = self.string(value, key);
                    if let Some(c) = &currency {
                        if !crate::money::is_known_currency(c) {
                            self.error(value.span(), format!("currency \"{c}\" is not an ISO 4217 code like \"USD\""));
                        }
                    }
                }
                "period" => {
                    period = match self.string(value, key).as_deref() {
                        Some("monthly") => Some(BudgetPeriod::Monthly),
                        Some("quarterly") => Some(BudgetPeriod::Quarterly),
                        Some("annually") => Some(BudgetPeriod::Annually),
                        Some(other) => {
                            self.error(
                                value.span(),
                                format!("period \"{other}\" is not one of \"monthly\", \"quarterly\", \"annually\""),
                            );
                            None
                        }
                        None => None,
                    }
                }
                other => self.error(
                    attr.key.span(),
                    format!(
                        "budget \"{name}\": unknown setting `{other}` (expected tags, accounts, services, limit, \
                         currency, period, alert_at_actual, alert_at_forecast, aws_budget)"
                    ),
                ),
            }
        }
        if limit.is_none() && settings.aws_budget.is_some() {
            // The AWS Budget's own limit is used; see `BudgetSettings::limit_from_aws`.
            settings.limit_from_aws = true;
            limit = Some(Decimal::ZERO);
        }
        if limit.is_none() && self.errors.len() == errors_before {
            self.error(block.span(), format!("budget \"{name}\" has no `limit`"));
        }
        let limit = limit?;
        if limit.is_sign_negative() {
            self.error(block.span(), format!("budget \"{name}\": limit must not be negative"));
        }
        let budget = Budget {
            name,
            scope,
            period: period.unwrap_or(BudgetPeriod::Monthly),
            limit: Money::new(limit, currency.unwrap_or_else(|| "USD".to_string())),
            actual: None,
            forecast: None,
            source: BudgetSource::Config,
        };
        Some((budget, settings))
    }
}

fn join_path(base: &Path, rel: &str) -> PathBuf {
    let joined: PathBuf =
        base.join(rel).components().filter(|c| !matches!(c, std::path::Component::CurDir)).collect();
    if joined.as_os_str().is_empty() {
        PathBuf::from(".")
    } else {
        joined
    }
}

/// Join a state path or glob onto the config directory, keeping `s3://` URLs as they are.
fn join_pattern(base: &Path, pattern: &str) -> String {
    if pattern.contains("://") || Path::new(pattern).is_absolute() {
        pattern.to_string()
    } else {
        join_path(base, pattern).to_string_lossy().into_owned()
    }
}

#[cfg(test)]
mod tests {
    use std::str::FromStr;

    use super::*;

    fn parse(text: &str) -> Result<Config, ConfigErrors> {
        Config::parse(Path::new("proj/tally.hcl"), Path::new("proj"), text)
    }

    #[test]
    fn reads_every_setting() {
        let config = parse(
            r#"
code     = "."
state    = ["a.tfstate", "envs/**/*.tfstate"]
plan     = "plan.json"
snapshot = "snap.json"
owner_tag = "team"
required_tags = ["team", "env"]
fail_on = "warning"

budget "payments" {
  tags     = { team = ["payments"], "cost-center" = "cc-1" }
  limit    = 3000.10
  currency = "EUR"
  period   = "quarterly"
}
"#,
        )
        .unwrap();
        assert_eq!(config.code, Some(PathBuf::from("proj")));
        assert_eq!(config.state, vec!["proj/a.tfstate", "proj/envs/**/*.tfstate"]);
        assert_eq!(config.required_tags, vec!["team", "env"]);
        assert_eq!(config.fail_on, Some(Some(Severity::Warning)));
        let b = &config.budgets[0];
        assert_eq!(b.limit, Money::new(Decimal::from_str("3000.10").unwrap(), "EUR"));
        assert_eq!(b.period, BudgetPeriod::Quarterly);
        assert_eq!(b.scope.tags["cost-center"], vec!["cc-1"]);
    }

    #[test]
    fn reports_every_problem_with_its_line() {
        let err = parse(
            r#"owner_tag = 3
colour = "red"
budget "x" {
  limit = "12,00"
  period = "weekly"
}
"#,
        )
        .unwrap_err();
        let lines: Vec<u32> = err.errors.iter().map(|e| e.line).collect();
        assert_eq!(lines, vec![1, 2, 4, 5], "{err}");
        assert!(err.to_string().starts_with("4 problems in proj/tally.hcl"), "{err}");
    }

    #[test]
    fn list_prices_settings() {
        let c = parse("list_prices = true\nprice_list_region = \"eu-central-1\"").unwrap();
        assert!(c.list_prices);
        assert_eq!(c.price_list_region.as_deref(), Some("eu-central-1"));
        assert!(!parse("owner_tag = \"team\"").unwrap().list_prices);
        assert!(parse("list_prices = \"yes\"").is_err());
    }

    #[test]
    fn concurrency_is_a_whole_number_from_one_to_a_thousand() {
        assert_eq!(parse("concurrency = 32").unwrap().concurrency, Some(32));
        assert_eq!(parse("owner_tag = \"team\"").unwrap().concurrency, None);
        for bad in ["concurrency = 0", "concurrency = 1001", "concurrency = 2.5"] {
            let err = parse(bad).unwrap_err();
            assert_eq!(err.errors.len(), 1, "{bad}: {err}");
            assert_eq!(err.errors[0].line, 1);
            assert!(err.to_string().contains("whole number from 1 to 1000"), "{bad}: {err}");
        }
        assert!(parse("concurrency = \"many\"").is_err());
        assert!(parse("concurrency = -4").is_err());
    }

    #[test]
    fn reads_policy_exemptions_and_budget_alerts() {
        let config = parse(
            r#"
policy          = ["org.json", "tags.hcl"]
exemptions      = "exemptions.hcl"
prohibited_tags = ["temp*"]
severity        = { TAG003 = "error" }

tag "team" {
  allowed = ["web"]
}

budget "total" {
  aws_budget        = "acme-total"
  alert_at_actual   = 80
  alert_at_forecast = 95.5
}
"#,
        )
        .unwrap();
        assert_eq!(config.policy, vec![PathBuf::from("proj/org.json"), PathBuf::from("proj/tags.hcl")]);
        assert_eq!(config.exemptions, Some(PathBuf::from("proj/exemptions.hcl")));
        assert_eq!(config.rules.prohibited_tags, vec!["temp*"]);
        assert_eq!(config.rules.severity["TAG003"], Severity::Error);
        assert_eq!(config.rules.tags[0].key, "team");
        let settings = &config.budget_settings["total"];
        assert_eq!(settings.aws_budget.as_deref(), Some("acme-total"));
        assert!(settings.limit_from_aws, "no limit: the AWS Budget's");
        assert_eq!(settings.alert_at_forecast, Some(Decimal::from_str("95.5").unwrap()));
        let err = parse("budget \"x\" {\n  limit = 1\n  alert_at_actual = -5\n}\n").unwrap_err();
        assert_eq!(err.errors[0].line, 3);
    }

    #[test]
    fn movers_thresholds() {
        let config = parse("movers {\n  min_change_pct = 50\n  min_change = \"120.50\"\n}\n").unwrap();
        let m = config.movers.unwrap();
        assert_eq!((m.min_change_pct, m.min_change), (Decimal::from(50), Decimal::new(12050, 2)));
        let err = parse("movers {\n  min_change = -1\n  typo = 3\n}\n").unwrap_err();
        let lines: Vec<u32> = err.errors.iter().map(|e| e.line).collect();
        assert_eq!(lines, [2, 3], "{err}");
    }

    #[test]
    fn syntax_error_has_line_and_column() {
        let err = parse("owner_tag = \"team\"\nrequired_tags = [\n").unwrap_err();
        assert_eq!(err.errors.len(), 1);
        assert_eq!(err.errors[0].line, 2, "the unclosed bracket");
    }
}
