//! Errors of live collection, and one way of turning any SDK error into a message a user can act
//! on. Failures of one account, region or source become `Attempt { status: error }` records in
//! the snapshot (the run goes on, partial); only a run that cannot start is an [`AwsError`].

use aws_sdk_sts::error::{ProvideErrorMetadata, SdkError};
use thiserror::Error;

/// A collection that cannot start at all (bad flags, no credentials at all). Everything after
/// the start is reported per attempt instead.
#[derive(Debug, Error)]
pub enum AwsError {
    /// Flags that do not make sense together, or a value that is not one.
    #[error("{0}")]
    Usage(String),
    /// The caller's identity could not be established: no credentials, no endpoint.
    #[error("{0}")]
    Setup(String),
    /// One request that failed, for callers that need a single object (S3 state).
    #[error("{0}")]
    Request(String),
}

/// What a user needs to know about a failed call: the operation, the AWS error code and
/// message, or why the endpoint could not be reached. Never includes credentials (the SDK does
/// not put them in errors, and we add nothing from the request).
pub(crate) fn describe<E>(operation: &str, err: &SdkError<E>) -> String
where
    E: ProvideErrorMetadata + std::error::Error + 'static,
{
    let status = err.raw_response().map(|r| r.status().as_u16());
    let html_body = err
        .raw_response()
        .and_then(|r| r.body().bytes())
        .is_some_and(|b| b.iter().find(|c| !c.is_ascii_whitespace()) == Some(&b'<'));
    let context = chain(err);
    // Test servers (moto) answer operations they do not implement with HTTP 500 and an HTML
    // page, which the SDK then fails to parse as JSON.
    if context.contains("unexpected token '<'") || (status == Some(500) && html_body) {
        return format!("{operation}: operation not available at this endpoint");
    }
    match (err.code(), err.message()) {
        (Some(code), Some(message)) => format!("{operation}: {code}: {message}"),
        (Some(code), None) => format!("{operation}: {code}"),
        _ => match err {
            SdkError::DispatchFailure(_) | SdkError::TimeoutError(_) => {
                format!("{operation}: could not reach the AWS endpoint: {context}")
            }
            _ => match status {
                Some(status) => format!("{operation}: HTTP {status}: {context}"),
                None => format!("{operation}: {context}"),
            },
        },
    }
}

/// Whether AWS refused the caller's credentials for the call (as opposed to failing it): the
/// fix is a permission. Cloud Control passes on the downstream service's refusal in the
/// message of its own error codes, so the message is read too.
pub(crate) fn is_denied<E>(err: &SdkError<E>) -> bool
where
    E: ProvideErrorMetadata + std::error::Error + 'static,
{
    let code = err.code().unwrap_or_default();
    let message = err.message().unwrap_or_default();
    code.contains("AccessDenied")
        || code.contains("Unauthorized")
        || message.contains("not authorized to perform")
        || message.contains("AccessDenied")
}

/// The error and its sources, `: `-separated. Not `DisplayErrorContext`: that appends the
/// `Debug` form, which holds the whole raw response.
fn chain(err: &dyn std::error::Error) -> String {
    let mut out = err.to_string();
    let mut source = err.source();
    while let Some(e) = source {
        let text = e.to_string();
        if !out.contains(&text) {
            out.push_str(": ");
            out.push_str(&text);
        }
        source = e.source();
    }
    out
}
