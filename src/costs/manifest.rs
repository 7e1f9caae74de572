//! Manifests of cost exports in S3: which data files make up a delivery. No I/O: `aws::s3`
//! lists and fetches, this decides what a key is and what a manifest says.
//!
//! Layouts (AWS writes them; tally never lists data files to find data):
//! - CUR 2.0 / Data Exports: `PREFIX/EXPORT/metadata/BILLING_PERIOD=YYYY-MM/EXPORT-Manifest.json`
//!   naming files under `PREFIX/EXPORT/data/BILLING_PERIOD=YYYY-MM/`.
//! - Legacy CUR: `PREFIX/REPORT/YYYYMMDD-YYYYMMDD/REPORT-Manifest.json` naming the current
//!   assembly's files in `reportKeys` (older assemblies stay in the bucket and must not count).

use serde::Deserialize;

/// Suffix of every manifest key.
pub const MANIFEST_SUFFIX: &str = "-Manifest.json";

/// One data file named by a manifest.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct DataFile {
    pub bucket: String,
    pub key: String,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Raw {
    /// Legacy CUR and CUR 2.0: keys in `bucket`.
    #[serde(default)]
    report_keys: Vec<String>,
    /// Data Exports: `s3://` URIs (or keys).
    #[serde(default)]
    data_files: Vec<DataFileEntry>,
    #[serde(default)]
    bucket: Option<String>,
}

#[derive(Deserialize)]
#[serde(untagged)]
enum DataFileEntry {
    Text(String),
    Object { key: Option<String>, uri: Option<String>, s3_uri: Option<String> },
}

/// The data files a manifest names, in its order, without duplicates. Keys without a bucket
/// are in the manifest's `bucket`, else in `default_bucket` (the manifest's own).
pub fn parse(bytes: &[u8], default_bucket: &str) -> Result<Vec<DataFile>, String> {
    let raw: Raw = serde_json::from_slice(bytes).map_err(|e| format!("not a cost export manifest: {e}"))?;
    let bucket = raw.bucket.filter(|b| !b.is_empty()).unwrap_or_else(|| default_bucket.to_string());
    let mut out: Vec<DataFile> = Vec::new();
    let entries = raw.report_keys.into_iter().chain(raw.data_files.into_iter().filter_map(|e| match e {
        DataFileEntry::Text(t) => Some(t),
        DataFileEntry::Object { key, uri, s3_uri } => uri.or(s3_uri).or(key),
    }));
    for entry in entries {
        let file = match entry.strip_prefix("s3://") {
            Some(rest) => {
                let (b, k) =
                    rest.split_once('/').ok_or_else(|| format!("\"{entry}\" is not s3://bucket/key"))?;
                DataFile { bucket: b.to_string(), key: k.to_string() }
            }
            None => DataFile { bucket: bucket.clone(), key: entry.trim_start_matches('/').to_string() },
        };
        if !out.contains(&file) {
            out.push(file);
        }
    }
    if out.is_empty() {
        return Err("the manifest names no data files (reportKeys / dataFiles)".into());
    }
    Ok(out)
}

/// Whether a folder (a common prefix's last segment, without `/`) may hold manifests one or
/// two levels down: `metadata`, `BILLING_PERIOD=2026-10`, or a legacy `20261001-20261101`.
pub fn is_manifest_folder(segment: &str) -> bool {
    segment == "metadata" || segment.starts_with("BILLING_PERIOD=") || is_legacy_period(segment)
}

fn is_legacy_period(s: &str) -> bool {
    let b = s.as_bytes();
    b.len() == 17 && b[8] == b'-' && b.iter().enumerate().all(|(i, c)| i == 8 || c.is_ascii_digit())
}

/// Whether `key` is a manifest tally reads: `*-Manifest.json` directly in a billing-period
/// folder (legacy CUR keeps copies inside each assembly folder: those are skipped).
pub fn is_period_manifest(key: &str) -> bool {
    let Some(file_start) = key.rfind('/') else { return key.ends_with(MANIFEST_SUFFIX) };
    if !key.ends_with(MANIFEST_SUFFIX) {
        return false;
    }
    let folder = key[..file_start].rsplit('/').next().unwrap_or("");
    folder.starts_with("BILLING_PERIOD=") || is_legacy_period(folder)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn legacy_cur_manifest() {
        let m = br#"{"assemblyId":"a1","reportKeys":["cur/acme/20261001-20261101/a1/acme-1.csv.gz",
            "cur/acme/20261001-20261101/a1/acme-2.csv.gz"],"bucket":"billing","compression":"GZIP"}"#;
        let files = parse(m, "other").unwrap();
        assert_eq!(files.len(), 2);
        assert_eq!(
            files[0],
            DataFile { bucket: "billing".into(), key: "cur/acme/20261001-20261101/a1/acme-1.csv.gz".into() }
        );
    }

    #[test]
    fn data_exports_manifest() {
        let m = br#"{"exportName":"acme","dataFiles":["s3://billing/x/acme/data/BILLING_PERIOD=2026-10/acme-00001.snappy.parquet"],
            "reportKeys":["x/acme/data/BILLING_PERIOD=2026-10/acme-00001.snappy.parquet"]}"#;
        let files = parse(m, "billing").unwrap();
        assert_eq!(
            files,
            vec![DataFile {
                bucket: "billing".into(),
                key: "x/acme/data/BILLING_PERIOD=2026-10/acme-00001.snappy.parquet".into()
            }]
        );
        assert!(parse(br#"{"reportKeys":[]}"#, "b").unwrap_err().contains("no data files"));
        assert!(parse(b"<html>", "b").unwrap_err().starts_with("not a cost export manifest"));
    }

    #[test]
    fn keys_and_folders() {
        assert!(is_period_manifest("p/acme/metadata/BILLING_PERIOD=2026-10/acme-Manifest.json"));
        assert!(is_period_manifest("p/acme/20261001-20261101/acme-Manifest.json"));
        assert!(!is_period_manifest("p/acme/20261001-20261101/assembly-id/acme-Manifest.json"));
        assert!(!is_period_manifest("p/acme/data/BILLING_PERIOD=2026-10/acme-00001.csv.gz"));
        assert!(is_manifest_folder("metadata") && is_manifest_folder("BILLING_PERIOD=2026-10"));
        assert!(is_manifest_folder("20261001-20261101") && !is_manifest_folder("data"));
    }
}
