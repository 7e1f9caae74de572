//! Typed rule ids, generated from the files in `rules/` by `build.rs`: a check names its rule
//! as `RuleId::TAG001`, so a misspelt id does not compile.

use std::fmt;

include!(concat!(env!("OUT_DIR"), "/rule_ids.rs"));

impl RuleId {
    /// The rule an id names, if it is one: `TAG001`.
    pub fn parse(id: &str) -> Option<RuleId> {
        RuleId::ALL.into_iter().find(|r| r.as_str() == id)
    }
}

impl fmt::Display for RuleId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}
