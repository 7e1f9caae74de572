//! S3 objects: Terraform state (`--state s3://bucket/key`, the `backend "s3"` block), one
//! `GetObject`; and cost exports (`--costs s3://bucket/prefix`): manifests found by listing
//! only the folders manifests live in, then the data files they name, fetched to a local
//! directory for the file readers. Wiring lives with the readers: call [`parse_url`] /
//! [`fetch_cost_export`] with clients from [`Clients::load`], inside a tokio runtime.

use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use tokio::sync::Semaphore;
use tokio::task::JoinSet;

use super::clients::Clients;
use super::error::{describe, AwsError};
use crate::costs::manifest::{self, DataFile};
use crate::costs::NamedFile;

/// Data files fetched at a time.
const CONCURRENT_DOWNLOADS: usize = 4;
/// How deep below the given prefix manifests are looked for (export root -> `metadata` ->
/// `BILLING_PERIOD=...`).
const MAX_DEPTH: usize = 3;

/// `s3://bucket/key/with/slashes` -> `("bucket", "key/with/slashes")`.
pub fn parse_url(url: &str) -> Option<(&str, &str)> {
    let rest = url.strip_prefix("s3://")?;
    let (bucket, key) = rest.split_once('/')?;
    (!bucket.is_empty() && !key.is_empty()).then_some((bucket, key))
}

/// The whole object. Errors name the object and say why (no such key, access denied, ...).
pub async fn get_object(clients: &Clients, bucket: &str, key: &str) -> Result<Vec<u8>, AwsError> {
    let out = clients
        .s3()
        .get_object()
        .bucket(bucket)
        .key(key)
        .send()
        .await
        .map_err(|e| AwsError::Request(format!("s3://{bucket}/{key}: {}", describe("GetObject", &e))))?;
    let bytes = out
        .body
        .collect()
        .await
        .map_err(|e| AwsError::Request(format!("s3://{bucket}/{key}: reading the object: {e}")))?;
    Ok(bytes.into_bytes().to_vec())
}

/// The keys of the objects directly below `prefix` (not in its sub-folders), every page.
pub async fn list_keys(clients: &Clients, bucket: &str, prefix: &str) -> Result<Vec<String>, AwsError> {
    list_folder(clients, bucket, prefix).await.map(|(keys, _)| keys)
}

/// One page-set of a delimited listing: (object keys, sub-folder prefixes).
async fn list_folder(
    clients: &Clients,
    bucket: &str,
    prefix: &str,
) -> Result<(Vec<String>, Vec<String>), AwsError> {
    let mut keys = Vec::new();
    let mut folders = Vec::new();
    let mut token: Option<String> = None;
    loop {
        let out = clients
            .s3()
            .list_objects_v2()
            .bucket(bucket)
            .prefix(prefix)
            .delimiter("/")
            .set_continuation_token(token.take())
            .send()
            .await
            .map_err(|e| {
                AwsError::Request(format!("s3://{bucket}/{prefix}: {}", describe("ListObjectsV2", &e)))
            })?;
        keys.extend(out.contents().iter().filter_map(|o| o.key().map(str::to_string)));
        folders.extend(out.common_prefixes().iter().filter_map(|p| p.prefix().map(str::to_string)));
        match out.next_continuation_token() {
            Some(t) if out.is_truncated() == Some(true) => token = Some(t.to_string()),
            _ => break,
        }
    }
    Ok((keys, folders))
}

/// The billing-period manifests at or below `prefix`: the key itself when it is a manifest,
/// else a walk down the folders manifests live in (`metadata/`, `BILLING_PERIOD=*/`, legacy
/// `YYYYMMDD-YYYYMMDD/`; at the top also one level of export names, never `data/`). Sorted.
pub async fn find_manifests(clients: &Clients, bucket: &str, prefix: &str) -> Result<Vec<String>, AwsError> {
    if prefix.ends_with(manifest::MANIFEST_SUFFIX) {
        return Ok(vec![prefix.to_string()]);
    }
    let start = if prefix.is_empty() { String::new() } else { format!("{}/", prefix.trim_end_matches('/')) };
    let mut found = Vec::new();
    let mut queue = vec![(start, 0usize)];
    while let Some((folder, depth)) = queue.pop() {
        let (keys, folders) = list_folder(clients, bucket, &folder).await?;
        found.extend(keys.into_iter().filter(|k| manifest::is_period_manifest(k)));
        if depth >= MAX_DEPTH {
            continue;
        }
        for sub in folders {
            let name = sub[folder.len()..].trim_end_matches('/');
            if manifest::is_manifest_folder(name) || (depth == 0 && name != "data") {
                queue.push((sub, depth + 1));
            }
        }
    }
    found.sort();
    found.dedup();
    if found.is_empty() {
        return Err(AwsError::Request(format!(
            "s3://{bucket}/{prefix}: no cost export manifest (metadata/BILLING_PERIOD=YYYY-MM/NAME-Manifest.json, \
             or a legacy CUR YYYYMMDD-YYYYMMDD/NAME-Manifest.json) at or below it"
        )));
    }
    Ok(found)
}

/// Stream one object into `dest`.
async fn download(clients: &Clients, file: &DataFile, dest: &Path) -> Result<(), AwsError> {
    let url = format!("s3://{}/{}", file.bucket, file.key);
    let out = clients
        .s3()
        .get_object()
        .bucket(&file.bucket)
        .key(&file.key)
        .send()
        .await
        .map_err(|e| AwsError::Request(format!("{url}: {}", describe("GetObject", &e))))?;
    let io = |e: std::io::Error| AwsError::Request(format!("{url}: writing {}: {e}", dest.display()));
    let mut w = std::io::BufWriter::new(std::fs::File::create(dest).map_err(io)?);
    let mut body = out.body;
    while let Some(chunk) = body.next().await {
        let chunk = chunk.map_err(|e| AwsError::Request(format!("{url}: reading the object: {e}")))?;
        w.write_all(&chunk).map_err(io)?;
    }
    w.flush().map_err(io)
}

/// Every data file of the export at `s3://bucket/prefix` (see [`find_manifests`]), fetched
/// into `dir` (which the caller removes), named by its URL for messages. A file named by two
/// manifests is fetched once. The first failure, in manifest order, is the error.
pub async fn fetch_cost_export(
    clients: &Clients,
    bucket: &str,
    prefix: &str,
    dir: &Path,
) -> Result<Vec<NamedFile>, AwsError> {
    let mut files: Vec<DataFile> = Vec::new();
    for key in find_manifests(clients, bucket, prefix).await? {
        let bytes = get_object(clients, bucket, &key).await?;
        let listed = manifest::parse(&bytes, bucket)
            .map_err(|m| AwsError::Request(format!("s3://{bucket}/{key}: {m}")))?;
        tracing::debug!(manifest = %key, files = listed.len(), "cost export manifest");
        for f in listed {
            if !files.contains(&f) {
                files.push(f);
            }
        }
    }
    let limit = Arc::new(Semaphore::new(CONCURRENT_DOWNLOADS));
    let mut tasks = JoinSet::new();
    let mut named = Vec::with_capacity(files.len());
    for (i, file) in files.into_iter().enumerate() {
        let base = file.key.rsplit('/').next().unwrap_or("part").to_string();
        let path: PathBuf = dir.join(format!("{i:05}-{base}"));
        named.push(NamedFile {
            path: path.clone(),
            shown: PathBuf::from(format!("s3://{}/{}", file.bucket, file.key)),
        });
        let (clients, limit) = (clients.clone(), limit.clone());
        tasks.spawn(async move {
            let _permit = limit.acquire_owned().await;
            (i, download(&clients, &file, &path).await)
        });
    }
    let mut errors = Vec::new();
    while let Some(done) = tasks.join_next().await {
        match done {
            Ok((i, Err(e))) => errors.push((i, e)),
            Ok((_, Ok(()))) => {}
            Err(e) => errors.push((usize::MAX, AwsError::Request(format!("a download task failed: {e}")))),
        }
    }
    errors.sort_by_key(|(i, _)| *i);
    if let Some((_, e)) = errors.into_iter().next() {
        return Err(e);
    }
    Ok(named)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn s3_urls() {
        assert_eq!(parse_url("s3://b/env/prod.tfstate"), Some(("b", "env/prod.tfstate")));
        assert_eq!(parse_url("s3://b/"), None);
        assert_eq!(parse_url("s3:///k"), None);
        assert_eq!(parse_url("states/x.tfstate"), None);
    }
}
