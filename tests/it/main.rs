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
mod focus_validator;
mod formats;
mod hardening;
mod iam_policy;
mod layers;
mod moto;
mod review;
mod rules;
mod secrets;
mod support;
