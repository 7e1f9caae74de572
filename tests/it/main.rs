//! One integration-test binary (fast linking): end-to-end CLI runs and real-world corpora.

mod aws;
mod bad_inputs;
mod cli;
mod corpus;
mod costs;
mod determinism;
mod example;
mod export;
mod faults;
mod focus_validator;
mod formats;
mod iam_policy;
mod moto;
mod rules;
mod secrets;
mod support;
