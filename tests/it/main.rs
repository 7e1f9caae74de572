//! One integration-test binary (fast linking): end-to-end CLI runs and real-world corpora.

mod aws;
mod bad_inputs;
mod chromium;
mod cli;
mod corpus;
mod cost_sources;
mod costs;
mod determinism;
mod engine_moto;
mod example;
mod export;
mod faults;
mod fix;
mod focus_validator;
mod formats;
mod iam_policy;
mod issue14;
mod layers;
mod lint_repo;
mod moto;
mod one_bill;
mod review;
mod rules;
mod secrets;
mod support;
mod visibility;
