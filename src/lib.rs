//! tally: audit AWS cost and tagging against Terraform.
//!
//! The library never prints: commands build a [`report::Report`] and renderers write it to a
//! writer handed in by the binary. See `ARCHITECTURE.md` for the map of rooms.

pub mod error;
pub mod model;
pub mod snapshot;
pub mod terraform;
