//! Terraform state in S3 (`--state s3://bucket/key`, the `backend "s3"` block): one
//! `GetObject`. Wiring into the state reader lives with that reader: call [`parse_url`] on the
//! input, then [`get_object`] with clients from [`Clients::load`], inside a tokio runtime.

use super::clients::Clients;
use super::error::{describe, AwsError};

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
