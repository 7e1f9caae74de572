//! FOCUS columns carried from FOCUS input: every column the output has and the input has is
//! copied, so rows of every provider keep their provider, service, SKU and prices. Values are
//! rewritten only where the input breaks the spec's format and the intent is unambiguous, and
//! each such repair is counted for a warning ([`Fixes`]):
//! - date/times in another ISO 8601 form (`2024-09-01 00:00:00`) become `2024-09-01T00:00:00Z`;
//! - decimals in exponent notation become plain decimals (exactly);
//! - a value that is an allowed value in another letter case (`Usage-based`) takes the
//!   allowed spelling;
//! - an empty ContractedCost or ListCost takes the BilledCost (the spec: a charge not
//!   calculated from other charges MUST match its BilledCost);
//! - columns the input lacks: ServiceSubcategory (1.2) is the category's "Other (...)",
//!   ChargeFrequency follows the ChargeCategory.
//!
//! Anything else that breaks the spec (a ChargeCategory that is no category, a missing
//! BilledCost) is an error at the line, from [`super::check_row`].

use std::collections::BTreeMap;

use super::{datetime, other_subcategory, spec_column, FocusVersion, OutColumn, Type};
use crate::costs::lines::{parse_amount, parse_time, Line};

/// Repairs made, by description: how many lines, and where the first is
/// ([`Line::location`]).
pub type Fixes = BTreeMap<String, (u64, String)>;

fn note(fixes: &mut Fixes, what: std::fmt::Arguments<'_>, line: &Line<'_>) {
    // Noted on most lines of some inputs (every date/time of the FOCUS sample): the key is
    // written into a reused buffer, and allocated only the first time.
    thread_local! {
        static KEY: std::cell::RefCell<String> = const { std::cell::RefCell::new(String::new()) };
    }
    KEY.with_borrow_mut(|key| {
        key.clear();
        let _ = std::fmt::Write::write_fmt(key, what);
        match fixes.get_mut(key.as_str()) {
            Some(e) => e.0 = e.0.saturating_add(1),
            None => {
                fixes.insert(key.clone(), (1, line.location()));
            }
        }
    });
}

/// The cells of `columns` (spec columns; `None` for the `x_` ones) for one FOCUS line.
pub fn cells(
    line: &Line<'_>,
    _version: FocusVersion,
    columns: &[OutColumn],
    fixes: &mut Fixes,
) -> Result<Vec<Option<String>>, String> {
    let mut out = Vec::with_capacity(columns.len());
    for col in columns {
        let Some(spec) = spec_column(col.name) else {
            out.push(None);
            continue;
        };
        let raw = line.get(col.name);
        let value = if raw.is_empty() {
            None
        } else {
            Some(match spec.ty {
                Type::DateTime => {
                    let t = datetime(parse_time(raw).map_err(|m| format!("{}: {m}", col.name))?)?;
                    if t != raw {
                        note(
                            fixes,
                            format_args!("{}: date/times rewritten as YYYY-MM-DDTHH:mm:ssZ", col.name),
                            line,
                        );
                    }
                    t
                }
                Type::Decimal => {
                    let d = parse_amount(raw).map_err(|m| format!("{}: {m}", col.name))?.to_string();
                    if raw.contains(['e', 'E']) {
                        note(
                            fixes,
                            format_args!("{}: exponent notation rewritten as a plain decimal", col.name),
                            line,
                        );
                    }
                    d
                }
                _ if !spec.allowed.is_empty() && !spec.allowed.contains(&raw) => {
                    match spec.allowed.iter().find(|a| a.eq_ignore_ascii_case(raw)) {
                        Some(a) => {
                            note(fixes, format_args!("{}: \"{raw}\" spelled \"{a}\"", col.name), line);
                            (*a).to_string()
                        }
                        // Left as is: the row check names it as an error.
                        None => raw.to_string(),
                    }
                }
                _ => raw.to_string(),
            })
        };
        out.push(value);
    }
    let at = |name: &str| columns.iter().position(|c| c.name == name);
    let billed = at("BilledCost").and_then(|i| out[i].clone());
    for name in ["ContractedCost", "ListCost"] {
        if let Some(i) = at(name) {
            if out[i].is_none() && billed.is_some() {
                let why = if line.has(name) { "empty" } else { "not in the input" };
                note(fixes, format_args!("{name}: {why}, set to BilledCost"), line);
                out[i] = billed.clone();
            }
        }
    }
    if let (Some(i), false) = (at("ServiceSubcategory"), line.has("ServiceSubcategory")) {
        if let Some(cat) = at("ServiceCategory").and_then(|c| out[c].as_deref()) {
            out[i] = Some(other_subcategory(cat).to_string());
        }
    }
    // Quantities the spec requires to be null: ConsumedQuantity/Unit unless the charge is
    // usage, PricingQuantity/Unit on tax. Providers write them anyway (the FOCUS sample does
    // on credits); a conformant dataset cannot carry them.
    let category = at("ChargeCategory").and_then(|c| out[c].clone()).unwrap_or_default();
    let mut clear = |names: [&str; 2], why: &str, out: &mut Vec<Option<String>>| {
        for name in names {
            if let Some(i) = at(name) {
                if out[i].take().is_some() {
                    note(fixes, format_args!("{name}: dropped on a {why} line (FOCUS: MUST be null)"), line);
                }
            }
        }
    };
    if category != "Usage" && !category.is_empty() {
        clear(["ConsumedQuantity", "ConsumedUnit"], &category, &mut out);
    }
    if category == "Tax" {
        clear(["PricingQuantity", "PricingUnit"], "Tax", &mut out);
    }
    if let Some(i) = at("ChargeFrequency") {
        if out[i].is_none() {
            let derived = match at("ChargeCategory").and_then(|c| out[c].as_deref()) {
                Some("Usage") => "Usage-Based",
                Some(_) => "One-Time",
                None => "",
            };
            if !derived.is_empty() {
                note(fixes, format_args!("ChargeFrequency: empty, derived from ChargeCategory"), line);
                out[i] = Some(derived.to_string());
            }
        }
    }
    Ok(out)
}
