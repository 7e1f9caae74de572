//! The report's visibility section (computed by `audit::visibility`): what the live inventory
//! could see, so a coverage figure never silently leaves out what tally could not look at.
//! Every human format shows [`Visibility::summary_line`].

pub use crate::audit::visibility::{TypeVisibility, UnitVisibility, Visibility, VisibilityGap};
