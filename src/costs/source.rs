//! Where `--costs` points: local files, an S3 prefix of a CUR / Data Exports delivery, or an
//! Athena table over one. Parsing only; reading is `costs` (files), `aws::s3` (manifests and
//! objects) and `aws::athena` (queries).

use std::fmt;
use std::path::PathBuf;

use chrono::NaiveDate;

use crate::error::InputError;

/// A parsed `--costs` value.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CostSource {
    /// A file, or every cost file below a directory.
    Local(PathBuf),
    /// `s3://bucket/prefix`: a manifest key, a billing-period folder, or an export's root.
    S3 { bucket: String, prefix: String },
    /// `athena://WORKGROUP/DATABASE.TABLE?...`.
    Athena(AthenaTable),
}

/// The export's schema, which decides the SQL.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TableFormat {
    /// CUR 2.0 (Data Exports): fixed snake_case columns, `resource_tags` map with `user_` keys.
    Cur2,
    /// Legacy CUR with AWS's Athena integration: one `resource_tags_user_*` column per tag.
    Cur,
    /// FOCUS 1.x (Data Exports FOCUS): `BilledCost`, `EffectiveCost`, `Tags` map.
    Focus,
}

/// An Athena table holding a cost export, and how to query it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AthenaTable {
    pub workgroup: String,
    pub database: String,
    pub table: String,
    pub format: TableFormat,
    /// `output=s3://...`: query result location; `None`: the workgroup's own.
    pub output: Option<String>,
    /// `region=`: the table's region; `None`: the configured one.
    pub region: Option<String>,
    /// `period=YYYY-MM`: one billing period (partition pruning); `None`: all.
    pub period: Option<NaiveDate>,
    /// `catalog=`: the data catalog; `None`: `AwsDataCatalog`.
    pub catalog: Option<String>,
}

impl fmt::Display for CostSource {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            CostSource::Local(p) => write!(f, "{}", p.display()),
            CostSource::S3 { bucket, prefix } => write!(f, "s3://{bucket}/{prefix}"),
            CostSource::Athena(t) => write!(f, "athena://{}/{}.{}", t.workgroup, t.database, t.table),
        }
    }
}

const ATHENA_USAGE: &str =
    "expected athena://WORKGROUP/DATABASE.TABLE?format=cur2|cur|focus[&output=s3://bucket/prefix][&region=REGION][&period=YYYY-MM]";

/// A plain Athena/Glue identifier: what AWS's CUR and Data Exports integrations create, and
/// safe to put between double quotes in SQL.
fn is_identifier(s: &str) -> bool {
    !s.is_empty() && s.len() <= 255 && s.chars().all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-')
}

impl CostSource {
    /// Parse `--costs`. Anything without a known scheme is a local path.
    pub fn parse(text: &str) -> Result<Self, InputError> {
        if let Some(rest) = text.strip_prefix("s3://") {
            let (bucket, prefix) = rest.split_once('/').unwrap_or((rest, ""));
            if bucket.is_empty() {
                return Err(InputError::Usage(format!("{text}: expected s3://bucket/prefix")));
            }
            return Ok(CostSource::S3 {
                bucket: bucket.to_string(),
                prefix: prefix.trim_end_matches('/').to_string(),
            });
        }
        if let Some(rest) = text.strip_prefix("athena://") {
            return parse_athena(text, rest).map(CostSource::Athena);
        }
        Ok(CostSource::Local(PathBuf::from(text)))
    }
}

fn parse_athena(text: &str, rest: &str) -> Result<AthenaTable, InputError> {
    let bad = |why: &str| InputError::Usage(format!("{text}: {why}; {ATHENA_USAGE}"));
    let (path, query) = rest.split_once('?').unwrap_or((rest, ""));
    let (workgroup, table) = path.split_once('/').ok_or_else(|| bad("no DATABASE.TABLE"))?;
    let (database, table) =
        table.trim_end_matches('/').split_once('.').ok_or_else(|| bad("no DATABASE.TABLE"))?;
    for (what, v) in [("workgroup", workgroup), ("database", database), ("table", table)] {
        if !is_identifier(v) {
            return Err(bad(&format!("{what} \"{v}\" is not a name of letters, digits, _ and -")));
        }
    }
    let mut out = AthenaTable {
        workgroup: workgroup.to_string(),
        database: database.to_string(),
        table: table.to_string(),
        format: TableFormat::Cur2,
        output: None,
        region: None,
        period: None,
        catalog: None,
    };
    let mut format = None;
    for pair in query.split('&').filter(|p| !p.is_empty()) {
        let (k, v) = pair.split_once('=').ok_or_else(|| bad(&format!("\"{pair}\" is not key=value")))?;
        match k {
            "format" => {
                format = Some(match v {
                    "cur2" => TableFormat::Cur2,
                    "cur" => TableFormat::Cur,
                    "focus" => TableFormat::Focus,
                    _ => return Err(bad(&format!("format \"{v}\" is not cur2, cur or focus"))),
                })
            }
            "output" if v.starts_with("s3://") && v.len() > 5 => out.output = Some(v.to_string()),
            "output" => return Err(bad("output must be an s3:// location")),
            "region" if is_identifier(v) => out.region = Some(v.to_string()),
            "catalog" if is_identifier(v) => out.catalog = Some(v.to_string()),
            "period" => {
                out.period = Some(
                    NaiveDate::parse_from_str(&format!("{v}-01"), "%Y-%m-%d")
                        .map_err(|_| bad(&format!("period \"{v}\" is not a month like 2026-10")))?,
                )
            }
            _ => return Err(bad(&format!("unknown or invalid parameter \"{pair}\""))),
        }
    }
    out.format = format.ok_or_else(|| bad("say which schema the table has with format="))?;
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn local_and_s3() {
        assert_eq!(CostSource::parse("cur/").unwrap(), CostSource::Local("cur/".into()));
        assert_eq!(
            CostSource::parse("s3://b/cur/acme/").unwrap(),
            CostSource::S3 { bucket: "b".into(), prefix: "cur/acme".into() }
        );
        assert_eq!(
            CostSource::parse("s3://b").unwrap(),
            CostSource::S3 { bucket: "b".into(), prefix: String::new() }
        );
        assert!(CostSource::parse("s3:///x").is_err());
    }

    #[test]
    fn athena_urls() {
        let CostSource::Athena(t) = CostSource::parse(
            "athena://primary/cur_db.cur2_data?format=cur2&output=s3://q/results/&region=eu-west-1&period=2026-10",
        )
        .unwrap() else {
            panic!("not athena")
        };
        assert_eq!(
            (t.workgroup.as_str(), t.database.as_str(), t.table.as_str()),
            ("primary", "cur_db", "cur2_data")
        );
        assert_eq!(t.format, TableFormat::Cur2);
        assert_eq!(t.output.as_deref(), Some("s3://q/results/"));
        assert_eq!(t.region.as_deref(), Some("eu-west-1"));
        assert_eq!(t.period, NaiveDate::from_ymd_opt(2026, 10, 1));
        for bad in [
            "athena://primary/cur_db.t",
            "athena://primary/cur_db?format=cur",
            "athena://primary/db.t\"x?format=cur",
            "athena://primary/db.t?format=csv",
            "athena://primary/db.t?format=cur&output=/tmp",
            "athena://primary/db.t?format=cur&period=2026",
            "athena://primary/db.t?format=cur&limit=3",
        ] {
            let err = CostSource::parse(bad).unwrap_err().to_string();
            assert!(err.starts_with(bad) && err.contains("athena://WORKGROUP"), "{bad}: {err}");
        }
    }
}
