//! tally: audit AWS cost and tagging against Terraform.
//!
//! The library never prints: commands build a [`report::Report`] and renderers write it to a
//! writer handed in by the binary. See `ARCHITECTURE.md` for the map of rooms.

pub mod app;
pub mod audit;
pub mod aws;
pub mod cli;
pub mod config;
pub mod costs;
pub mod error;
pub mod export;
pub mod fix;
mod hcl_syntax;
pub mod import;
pub mod model;
pub mod money;
mod parallel;
pub mod policy;
pub mod pricing;
pub mod report;
pub mod snapshot;
pub mod source;
pub mod terraform;
