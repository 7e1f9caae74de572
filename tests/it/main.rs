//! One integration-test binary (fast linking): end-to-end CLI runs and real-world corpora.

mod aws;
mod cli;
mod iam_policy;
mod moto;
mod support;
