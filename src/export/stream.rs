//! The export's rows streamed from a [`CostTable`]: the same rows, in the same order and with
//! the same sums (scale included) as [`super::build`] makes from the table's records, made one
//! at a time from the aggregation's interned day cells. `build` needs a [`CostRecord`] per
//! record and a [`RowKey`] with its own strings per row, all held at once: at 1.8M rows
//! (a CUR 2.0 month of 60 accounts and 300 services) that was most of the run's memory.
//!
//! Only for exports whose row is a function of one record's key: no allocation (a share needs
//! the whole month), no per-resource rows, no Terraform state, no redaction (a pseudonym does
//! not sort as the owner does), and months by billing period. The caller sends anything else
//! to `build`.
//!
//! How: records of one billing month sort by charge period first, then by the rest of the row
//! key. A one-day record is a day cell of a group (everything of the key but the day), so the
//! groups are sorted once by the rest of their row key and, for each day, walked in that
//! order; the few other records (multi-day lines, spilled cells) are sorted apart and merged
//! in. Records that land on one row are added in the order `build` adds them (the order of
//! the records), since a `Decimal` sum's scale can depend on it.
//!
//! [`CostRecord`]: crate::costs::CostRecord

use chrono::{Datelike, NaiveDate};
use rust_decimal::Decimal;

use super::{add, AllocationStatus, Method, Row, RowKey};
use crate::costs::aggregate::{from_day_number, Aggregator, DayCells, Key, Sums, Sym, NONE, NO_DATE};
use crate::costs::exact::ExactSum;
use crate::costs::CostTable;
use crate::model::Tags;

/// The rest of a row's key after its billing month and charge period, as ranks: compares as
/// [`RowKey`] does for the exports streamed (no resource, tags and method follow the owner).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
struct Place {
    account: u32,
    service: u32,
    category: crate::model::ChargeCategory,
    currency: u32,
    /// The owner's rank; `None` sorts first, as `Option<String>` does.
    owner: Option<u32>,
    status: AllocationStatus,
}

/// The order of a row's records among themselves: what the records' order compares after
/// the fields a row shares (billing day, resource, tag set).
type Member = (i32, (bool, u32), u32);

/// One record on its way to a row.
#[derive(Clone, Copy)]
struct Item {
    place: Place,
    member: Member,
    /// Account, service, currency and owner (or `NONE`) ids, for the row's text.
    syms: [Sym; 4],
    sums: Sums,
}

/// What one record of a group says about its row, days aside.
#[derive(Clone, Copy)]
struct Head {
    place: Place,
    member: Member,
    syms: [Sym; 4],
}

/// What the streamed export added up: the input's and the rows' exact totals (to reconcile),
/// and the number of rows.
#[derive(Debug, Default)]
pub struct Totals {
    pub input_billed: ExactSum,
    pub input_effective: ExactSum,
    pub billed: ExactSum,
    pub effective: ExactSum,
    pub rows: usize,
}

/// The first day of the month a record is in by billing period, as `CostRecord::billing_month`
/// says; `None` for a record `into_records` leaves out (a day outside the calendar).
fn billing_month(key: &Key) -> Option<NaiveDate> {
    let start = from_day_number(key.start)?;
    from_day_number(key.end)?;
    Some(first_of_month(from_day_number(key.billing).unwrap_or(start)))
}

fn first_of_month(d: NaiveDate) -> NaiveDate {
    d.with_day0(0).unwrap_or(d)
}

/// Every billing month holding a record (what `build` could be asked for).
pub(crate) fn months(table: &CostTable) -> std::collections::BTreeSet<NaiveDate> {
    let agg = &table.agg;
    let mut months = std::collections::BTreeSet::new();
    for (key, cells) in agg.dense_groups() {
        let (base, len) = cells.span();
        // With a billing day, every record of the slab is in its month: one is enough.
        let per_day = from_day_number(key.billing).is_none();
        for day in base..base.saturating_add(len) {
            if cells.has(day) {
                if let Some(m) = billing_month(&Key { start: day, end: day + 1, ..key }) {
                    months.insert(m);
                    if !per_day {
                        break;
                    }
                }
            }
        }
    }
    months.extend(agg.spans().filter_map(|(k, _)| billing_month(k)));
    months
}

/// Ranks and the owner of every tag set: what turns a record's key into its row's place.
struct Ranker<'a> {
    agg: &'a Aggregator,
    ranks: Vec<u32>,
    tag_ranks: Vec<u32>,
    /// Owner value of each tag set id (`NONE` for none), computed when first asked.
    owners: Vec<Option<Sym>>,
    owner_tag: &'a str,
}

impl<'a> Ranker<'a> {
    fn new(agg: &'a Aggregator, owner_tag: &'a str) -> Self {
        let (ranks, tag_ranks) = agg.ranks();
        let owners = vec![None; tag_ranks.len()];
        Ranker { agg, ranks, tag_ranks, owners, owner_tag }
    }

    fn rank(&self, id: Sym) -> u32 {
        self.ranks.get(id as usize).copied().unwrap_or(0)
    }

    /// The owner tag's value in tag set `tags`, `NONE` when absent or empty.
    fn owner(&mut self, tags: Sym) -> Sym {
        if let Some(Some(o)) = self.owners.get(tags as usize) {
            return *o;
        }
        let agg = self.agg;
        let owner = agg
            .tag_pairs(tags)
            .iter()
            .find(|(k, _)| agg.strings.get(*k) == self.owner_tag)
            .map_or(NONE, |&(_, v)| if agg.strings.get(v).is_empty() { NONE } else { v });
        if let Some(slot) = self.owners.get_mut(tags as usize) {
            *slot = Some(owner);
        }
        owner
    }

    /// The place and member order of a record with this key (its days aside).
    fn head(&mut self, key: &Key) -> Head {
        let owner = if key.category.can_carry_tags() { self.owner(key.tags) } else { NONE };
        let status = match (owner != NONE, key.category.can_carry_tags()) {
            (true, _) => AllocationStatus::Allocated,
            (false, true) => AllocationStatus::Untagged,
            (false, false) => AllocationStatus::Untaggable,
        };
        let place = Place {
            account: self.rank(key.account),
            service: self.rank(key.service),
            category: key.category,
            currency: self.rank(key.currency),
            owner: (owner != NONE).then(|| self.rank(owner)),
            status,
        };
        // As `into_records` sorts: a billing day outside the calendar is none.
        let billing = if from_day_number(key.billing).is_some() { key.billing } else { NO_DATE };
        let member = (
            billing,
            (key.resource != NONE, self.rank(key.resource)),
            self.tag_ranks.get(key.tags as usize).copied().unwrap_or(0),
        );
        Head { place, member, syms: [key.account, key.service, key.currency, owner] }
    }
}

/// Walk the rows of billing month `month` in order, calling `row` with each; `Err` only when a
/// row's sum leaves what a `Decimal` holds exactly (as `build` fails), or as `row` fails. The
/// units of a [`Walk`] one after the other, as the export writes them (on threads).
#[cfg(test)]
pub(crate) fn for_each_row<E: From<String>>(
    table: &CostTable,
    month: NaiveDate,
    owner_tag: &str,
    mut row: impl FnMut(&RowView<'_>) -> Result<(), E>,
) -> Result<Totals, E> {
    let walk = Walk::new(table, month, owner_tag);
    let mut totals = Totals::default();
    let mut scratch = Scratch::default();
    for unit in 0..walk.units() {
        totals.absorb(&walk.unit(unit, &mut scratch, &mut row)?);
    }
    Ok(totals)
}

impl Totals {
    /// Add the totals of another part of the rows.
    pub fn absorb(&mut self, other: &Totals) {
        self.input_billed.absorb(&other.input_billed);
        self.input_effective.absorb(&other.input_effective);
        self.billed.absorb(&other.billed);
        self.effective.absorb(&other.effective);
        self.rows += other.rows;
    }
}

/// The rows of one billing month, ready to be made in *units*: one per charge day (the
/// records of other charge periods sorting before that day's, then the day's rows) and a last
/// one for the records sorting after every day. Units are independent: they can be made on
/// several threads and their rows written in unit order.
pub(crate) struct Walk<'a> {
    agg: &'a Aggregator,
    month: NaiveDate,
    owner_tag: &'a str,
    /// Slabs of groups whose every record is in `month`, sorted by place and member.
    groups: Vec<(Head, DayCells<'a>)>,
    /// Every other record of `month`, sorted by charge period, place and member.
    spans: Vec<(i32, i32, Item)>,
    /// The days the groups hold, in order.
    days: Vec<i32>,
}

impl<'a> Walk<'a> {
    pub(crate) fn new(table: &'a CostTable, month: NaiveDate, owner_tag: &'a str) -> Self {
        let agg = &table.agg;
        let mut ranker = Ranker::new(agg, owner_tag);
        // Groups whose every record is in `month` (their billing day is), sorted; the records
        // of any other group in `month` (no billing day: each day has its own month) join the
        // spans.
        let mut groups: Vec<(Head, DayCells<'_>)> = Vec::new();
        let mut spans: Vec<(i32, i32, Item)> = Vec::new();
        for (key, cells) in agg.dense_groups() {
            if let Some(billing) = from_day_number(key.billing) {
                if first_of_month(billing) == month {
                    groups.push((ranker.head(&key), cells));
                }
                continue;
            }
            let (base, len) = cells.span();
            for day in base..base.saturating_add(len) {
                let key = Key { start: day, end: day + 1, ..key };
                if let Some(sums) = cells.at(day).filter(|_| billing_month(&key) == Some(month)) {
                    let h = ranker.head(&key);
                    spans.push((day, day + 1, Item { place: h.place, member: h.member, syms: h.syms, sums }));
                }
            }
        }
        for (key, sums) in agg.spans() {
            if billing_month(key) == Some(month) {
                let h = ranker.head(key);
                spans.push((
                    key.start,
                    key.end,
                    Item { place: h.place, member: h.member, syms: h.syms, sums: *sums },
                ));
            }
        }
        groups.sort_unstable_by_key(|(h, _)| (h.place, h.member));
        spans.sort_unstable_by_key(|(s, e, i)| (*s, *e, i.place, i.member));

        // The days the groups hold, as sorted, disjoint runs.
        let mut runs: Vec<(i32, i32)> = groups
            .iter()
            .map(|(_, c)| {
                let (base, len) = c.span();
                (base, base.saturating_add(len))
            })
            .collect();
        runs.sort_unstable();
        let mut days: Vec<(i32, i32)> = Vec::new();
        for (a, b) in runs {
            match days.last_mut() {
                Some(last) if a <= last.1 => last.1 = last.1.max(b),
                _ => days.push((a, b)),
            }
        }
        let days = days.iter().flat_map(|&(a, b)| a..b).collect();
        Walk { agg, month, owner_tag, groups, spans, days }
    }

    /// How many units there are.
    pub(crate) fn units(&self) -> usize {
        self.days.len() + 1
    }

    /// The first span record sorting at or after (`unit`'s day, day + 1); `after`: after it.
    fn span_bound(&self, unit: usize, after: bool) -> usize {
        match self.days.get(unit) {
            Some(&day) => self.spans.partition_point(|(s, e, _)| {
                if after {
                    (*s, *e) <= (day, day + 1)
                } else {
                    (*s, *e) < (day, day + 1)
                }
            }),
            None => self.spans.len(),
        }
    }

    /// Make the rows of unit `unit` (below [`Walk::units`]), calling `row` with each; the
    /// totals of the unit's records and rows. `scratch` is reused from unit to unit.
    pub(crate) fn unit<E: From<String>>(
        &self,
        unit: usize,
        scratch: &mut Scratch,
        mut row: impl FnMut(&RowView<'_>) -> Result<(), E>,
    ) -> Result<Totals, E> {
        let mut out =
            Out { totals: Totals::default(), month: self.month, owner_tag: self.owner_tag, agg: self.agg };
        let items = &mut scratch.items;
        let spans = &self.spans;
        // Multi-day and other records sorting after the previous day's rows and before this
        // day's.
        let mut next_span = match unit.checked_sub(1) {
            Some(previous) => self.span_bound(previous, true),
            None => 0,
        };
        let Some(&day) = self.days.get(unit) else {
            while next_span < spans.len() {
                next_span = out.slice(spans, next_span, items, &mut row)?;
            }
            return Ok(out.totals);
        };
        let before = self.span_bound(unit, false);
        while next_span < before {
            next_span = out.slice(spans, next_span, items, &mut row)?;
        }
        let to = self.span_bound(unit, true);
        if from_day_number(day).is_none() || from_day_number(day + 1).is_none() {
            // No rows on a day outside the calendar: its span records, as any others.
            while next_span < to {
                next_span = out.slice(spans, next_span, items, &mut row)?;
            }
            return Ok(out.totals);
        }
        // The day's cells in the groups' order and the day's span records (sorted the same
        // way) merged: no two records share a place and member order, so this is the order a
        // sort of both gives, without sorting 50k items a day.
        let mut extra = spans[next_span..to].iter().map(|(_, _, i)| *i).peekable();
        items.clear();
        for (h, cells) in &self.groups {
            if let Some(sums) = cells.at(day) {
                while let Some(x) = extra.next_if(|x| (x.place, x.member) < (h.place, h.member)) {
                    items.push(x);
                }
                items.push(Item { place: h.place, member: h.member, syms: h.syms, sums });
            }
        }
        items.extend(extra);
        out.rows(day, day + 1, items, &mut row)?;
        Ok(out.totals)
    }
}

/// What [`Walk::unit`] makes a unit's rows in, kept from one unit to the next: a day's ~57k
/// records (4 MB at the CUR 2.0 bench's shape) were a fresh vector grown by doubling each day,
/// its pages faulted in again every time.
#[derive(Default)]
pub(crate) struct Scratch {
    items: Vec<Item>,
}

struct Out<'a> {
    totals: Totals,
    month: NaiveDate,
    owner_tag: &'a str,
    agg: &'a Aggregator,
}

impl Out<'_> {
    /// The rows of the span records sharing the charge period of `spans[from]` (sorted by
    /// place within it); returns the index after them.
    fn slice<E: From<String>>(
        &mut self,
        spans: &[(i32, i32, Item)],
        from: usize,
        items: &mut Vec<Item>,
        row: &mut impl FnMut(&RowView<'_>) -> Result<(), E>,
    ) -> Result<usize, E> {
        let (s, e, _) = spans[from];
        let to = from + spans[from..].iter().take_while(|(a, b, _)| (*a, *b) == (s, e)).count();
        items.clear();
        items.extend(spans[from..to].iter().map(|(_, _, i)| *i));
        self.rows(s, e, items, row)?;
        Ok(to)
    }

    /// Fold `items` (sorted by place, then member) into rows of charge period `[start, end)`.
    fn rows<E: From<String>>(
        &mut self,
        start: i32,
        end: i32,
        items: &[Item],
        row: &mut impl FnMut(&RowView<'_>) -> Result<(), E>,
    ) -> Result<(), E> {
        let (Some(start), Some(end)) = (from_day_number(start), from_day_number(end)) else {
            return Ok(());
        };
        let mut i = 0;
        while let Some(first) = items.get(i) {
            let (mut billed, mut effective) = (Decimal::ZERO, Decimal::ZERO);
            let mut j = i;
            while let Some(item) = items.get(j).filter(|x| x.place == first.place) {
                self.totals.input_billed.push(item.sums.billed);
                self.totals.input_effective.push(item.sums.effective);
                billed = add(billed, item.sums.billed)?;
                effective = add(effective, item.sums.effective)?;
                j += 1;
            }
            i = j;
            self.totals.billed.push(billed);
            self.totals.effective.push(effective);
            self.totals.rows += 1;
            row(&self.make_row(first, start, end, billed, effective))?;
        }
        Ok(())
    }

    fn make_row(
        &self,
        item: &Item,
        start: NaiveDate,
        end: NaiveDate,
        billed: Decimal,
        effective: Decimal,
    ) -> RowView<'_> {
        let text = |id: Sym| self.agg.strings.get(id);
        let [account, service, currency, owner] = item.syms;
        RowView {
            billing_period: self.month,
            charge_start: start,
            charge_end: end,
            account: text(account),
            service: text(service),
            category: item.place.category,
            currency: text(currency),
            owner: (owner != NONE).then(|| text(owner)),
            owner_tag: self.owner_tag,
            status: item.place.status,
            billed,
            effective,
        }
    }
}

/// One streamed row, its text borrowed from the cost table: [`RowView::to_row`] is the [`Row`]
/// `build` makes for it.
pub(crate) struct RowView<'a> {
    pub billing_period: NaiveDate,
    pub charge_start: NaiveDate,
    pub charge_end: NaiveDate,
    pub account: &'a str,
    pub service: &'a str,
    pub category: crate::model::ChargeCategory,
    pub currency: &'a str,
    pub owner: Option<&'a str>,
    pub owner_tag: &'a str,
    pub status: AllocationStatus,
    pub billed: Decimal,
    pub effective: Decimal,
}

impl RowView<'_> {
    pub(crate) fn method(&self) -> Method {
        if self.status == AllocationStatus::Allocated {
            Method::Tag
        } else {
            Method::Unallocated
        }
    }

    pub(crate) fn to_row(&self) -> Row {
        Row {
            key: RowKey {
                billing_period: self.billing_period,
                charge_start: self.charge_start,
                charge_end: self.charge_end,
                account: self.account.to_string(),
                service: self.service.to_string(),
                resource_id: None,
                category: self.category,
                currency: self.currency.to_string(),
                owner: self.owner.map(str::to_string),
                status: self.status,
                method: self.method(),
                tags: self
                    .owner
                    .iter()
                    .map(|o| (self.owner_tag.to_string(), o.to_string()))
                    .collect::<Tags>(),
                terraform_managed: None,
                terraform_address: None,
            },
            billed: self.billed,
            effective: self.effective,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::costs::aggregate::Aggregator;
    use crate::export::{build, write::write_csv, write::CsvRows, Allocation, ExportOptions, MonthBasis};
    use crate::model::ChargeCategory;

    fn day(s: &str) -> i32 {
        chrono::Datelike::num_days_from_ce(&s.parse::<NaiveDate>().unwrap())
    }

    /// Random lines over a few accounts, services, owners (some tag sets without the owner
    /// tag or with another tag beside it), categories, billing days (some none, some in the
    /// next month), one-day lines inside and outside the month, multi-day lines, amounts of
    /// many scales that cross zero, and amounts that leave fixed point (spilled cells).
    fn lines(seed: u64) -> Aggregator {
        let mut agg = Aggregator::default();
        let mut x = seed;
        let mut next = move || {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            x
        };
        let oct = day("2026-10-01");
        for _ in 0..30_000 {
            let r = next();
            let account = agg.strings.intern(["1111", "2222", "0333", "aaa"][(r % 4) as usize]);
            let service =
                agg.strings.intern(["EC2", "S3", "Amazon RDS", "ec2", "Tax svc"][(r >> 3) as usize % 5]);
            let mut pairs = Vec::new();
            match (r >> 6) % 6 {
                0 => {}
                1 => pairs.push((agg.strings.intern("env"), agg.strings.intern("prod"))),
                2 => pairs.push((agg.strings.intern("team"), agg.strings.intern(""))),
                n => {
                    let team = ["web", "Data", "ops"][n as usize - 3];
                    pairs.push((agg.strings.intern("team"), agg.strings.intern(team)));
                    if (r >> 9) & 1 == 1 {
                        pairs.push((agg.strings.intern("env"), agg.strings.intern("dev")));
                    }
                }
            }
            let tags = agg.tag_set(&mut pairs);
            let category =
                [ChargeCategory::Usage, ChargeCategory::Usage, ChargeCategory::Tax, ChargeCategory::Credit]
                    [(r >> 10) as usize % 4];
            let start = oct + i32::try_from((r >> 12) % 40).unwrap() - 4;
            let end =
                if (r >> 18) % 7 == 0 { start + i32::try_from((r >> 21) % 31).unwrap() } else { start + 1 };
            let billing = match (r >> 24) % 10 {
                0 => NO_DATE,
                1 => day("2026-11-01"),
                2 => oct + 3,
                _ => oct,
            };
            let key = Key {
                start,
                end,
                billing,
                account,
                service,
                resource: NONE,
                tags,
                category,
                currency: agg.strings.intern(if (r >> 28) % 9 == 0 { "EUR" } else { "USD" }),
            };
            let amount = |v: u64| {
                // Up to 20 decimals: cells hold an i64 mantissa, so a sum of scale 0 cannot
                // take an amount of scale 19 or 20 (10^19 is beyond i64) and spills.
                let scale = u32::try_from(v % 21).unwrap();
                let m = i64::try_from((v >> 4) % 2_000_001).unwrap() - 1_000_000;
                Decimal::new(if (v >> 30) & 7 == 0 { 0 } else { m }, scale)
            };
            agg.add(key, amount(next()), amount(next())).unwrap();
        }
        agg.finish().unwrap();
        agg
    }

    fn streamed(table: &CostTable, month: NaiveDate) -> Vec<u8> {
        let mut out = Vec::new();
        let mut w = CsvRows::new(month, false, false, &mut out).unwrap();
        let totals =
            for_each_row(table, month, "team", |row| w.view(row).map_err(|e| e.to_string())).unwrap();
        w.finish().unwrap();
        assert!(
            totals.billed.same_as(&totals.input_billed) && totals.effective.same_as(&totals.input_effective)
        );
        out
    }

    #[test]
    fn streamed_rows_are_the_built_rows_byte_for_byte() {
        for seed in [1, 0x2545_F491_4F6C_DD1D, 99] {
            let table = CostTable::from_aggregator(lines(seed));
            let data = CostTable::from_aggregator(lines(seed)).into_data().unwrap();
            let want_months: std::collections::BTreeSet<NaiveDate> =
                data.records.iter().map(|r| r.billing_month()).collect();
            assert_eq!(months(&table), want_months);
            assert!(want_months.len() >= 2, "{want_months:?}");
            for month in want_months {
                let opts = ExportOptions {
                    month,
                    month_basis: MonthBasis::Billing,
                    owner_tag: "team".into(),
                    by_resource: false,
                    allocation: Allocation::None,
                    redact: false,
                    terraform: None,
                };
                let export = build(&data.records, &opts).unwrap();
                let mut want = Vec::new();
                write_csv(&export, &mut want).unwrap();
                let got = streamed(&table, month);
                assert!(export.rows.len() > 10, "{}", export.rows.len());
                assert_eq!(
                    String::from_utf8(got).unwrap(),
                    String::from_utf8(want).unwrap(),
                    "seed {seed}, {month}"
                );
            }
        }
    }

    #[test]
    fn a_row_sum_beyond_a_decimal_is_an_error() {
        let mut agg = Aggregator::default();
        let oct = day("2026-10-01");
        for tags in [NONE, {
            let mut p = vec![(agg.strings.intern("env"), agg.strings.intern("x"))];
            agg.tag_set(&mut p)
        }] {
            let key = Key {
                start: oct,
                end: oct + 1,
                billing: oct,
                account: agg.strings.intern("1"),
                service: agg.strings.intern("s"),
                resource: NONE,
                tags,
                category: ChargeCategory::Usage,
                currency: agg.strings.intern("USD"),
            };
            agg.add(key, Decimal::MAX, Decimal::ZERO).unwrap();
        }
        agg.finish().unwrap();
        let table = CostTable::from_aggregator(agg);
        let month = "2026-10-01".parse().unwrap();
        let err = for_each_row(&table, month, "team", |_| Ok::<(), String>(())).unwrap_err();
        assert!(err.contains("beyond the range"), "{err}");
    }
}
