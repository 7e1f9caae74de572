//! One integration-test binary (fast linking): end-to-end CLI runs and real-world corpora.

mod aws;
mod bad_inputs;
mod cli;
mod corpus;
mod cost_sources;
mod costs;
mod example;
mod export;
mod focus_validator;
mod formats;
mod iam_policy;
mod moto;
mod rules;
mod support;
