//! The usage columns of a Parquet batch (usage type, quantity, unit, region, operation), read
//! only when plan pricing asks for effective unit rates (see [`crate::costs::usage`]).

use rust_decimal::Decimal;

use super::decode::{decimals, syms};
use super::{at, ColFn, RowError};
use crate::costs::aggregate::{Aggregator, Sym, NONE};
use crate::costs::row::{Col, Layout};

/// Columns dropped from the read unless usage is kept.
pub(super) const USAGE_COLS: [Col; 5] =
    [Col::UsageType, Col::UsageAmount, Col::PricingUnit, Col::Region, Col::Operation];

/// The usage columns of one batch.
pub(super) struct UsageCols {
    quantity: Vec<Decimal>,
    usage_type: Vec<Sym>,
    unit: Vec<Sym>,
    region: Vec<Sym>,
    operation: Vec<Sym>,
}

impl UsageCols {
    /// `None` when the layout has no usage quantity (not asked for, or not in the file).
    pub(super) fn read(
        col: &ColFn<'_>,
        layout: &Layout,
        n: usize,
        agg: &mut Aggregator,
    ) -> Result<Option<Self>, RowError> {
        if layout.get(Col::UsageAmount).is_none() {
            return Ok(None);
        }
        let named = |c: Col| move |(r, m): RowError| (r, format!("{}: {m}", layout.name(c)));
        let mut quantity = Vec::new();
        decimals(col(Col::UsageAmount).as_ref(), n, &mut quantity).map_err(named(Col::UsageAmount))?;
        let mut usage_type = Vec::new();
        syms(col(Col::UsageType).as_ref(), n, agg, &mut usage_type).map_err(named(Col::UsageType))?;
        let mut unit = Vec::new();
        syms(col(Col::PricingUnit).as_ref(), n, agg, &mut unit).map_err(named(Col::PricingUnit))?;
        let mut region = Vec::new();
        syms(col(Col::Region).as_ref(), n, agg, &mut region).map_err(named(Col::Region))?;
        let mut operation = Vec::new();
        syms(col(Col::Operation).as_ref(), n, agg, &mut operation).map_err(named(Col::Operation))?;
        Ok(Some(UsageCols { quantity, usage_type, unit, region, operation }))
    }

    /// Row `r`'s usage, added to the aggregator's usage table.
    #[allow(clippy::too_many_arguments)]
    pub(super) fn add(
        &self,
        agg: &mut Aggregator,
        r: usize,
        category: crate::model::ChargeCategory,
        service: Sym,
        currency: Sym,
        billed: Decimal,
        effective: Decimal,
        start: i64,
        end: i64,
        consumes: bool,
    ) -> Result<(), RowError> {
        let key = crate::costs::usage::UsageKey {
            service,
            usage_type: self.usage_type.get(r).copied().unwrap_or(NONE),
            region: self.region.get(r).copied().unwrap_or(NONE),
            unit: self.unit.get(r).copied().unwrap_or(NONE),
            operation: self.operation.get(r).copied().unwrap_or(NONE),
            currency,
        };
        let line =
            crate::costs::usage::UsageLine { quantity: at(&self.quantity, r), billed, effective, start, end };
        agg.add_usage(category, key, line, consumes).map_err(|m| (r, m))
    }
}
