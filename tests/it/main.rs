//! One integration-test binary (fast linking): end-to-end CLI runs and real-world corpora.

mod cli;
mod corpus;
mod example;
mod formats;
mod rules;
mod support;
