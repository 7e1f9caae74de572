//! Tag edits inside one `.tf` file: add a key to a literal `tags` map (or create the map),
//! rename a key, replace a literal value, in a resource's `tags` or a provider's
//! `default_tags`.
//!
//! hcl-edit finds the places (block, attribute, object, key and value spans); the change is
//! then one byte-range [`Replacement`] of the original text, so every byte outside the edited
//! tag map stays as it was, and the same replacement is what SARIF `fixes` carry. After the
//! change the map's items are re-aligned the way `terraform fmt` aligns them (consecutive
//! one-line items share the `=` column; consecutive `#`/`//` trailing comments share theirs),
//! only in the groups of lines that the change touched.
//!
//! Not responsible for: deciding which change goes where and with which value (`super`), or
//! anything whose value is an expression: a `tags` that is not a literal map, or a value that
//! is not a literal string, is a [`Refusal`] with its position: a person has to decide.

use std::collections::BTreeSet;
use std::ops::Range;

use hcl_edit::expr::{Expression, Object, ObjectKey, ObjectValueAssignment, ObjectValueTerminator};
use hcl_edit::structure::{Block, Body, Structure};
use hcl_edit::Span;

/// One change to a tag map.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) enum TagChange {
    /// Add `key = "value"` (the key is absent in every spelling).
    Add { key: String, value: String },
    /// Spell key `from` as `to`.
    Rename { from: String, to: String },
    /// Replace the literal value of `key` (as spelled in the file).
    SetValue { key: String, value: String },
}

impl TagChange {
    /// The key as the file spells it before the change (for `Add`, the new key).
    pub(crate) fn key(&self) -> &str {
        match self {
            TagChange::Add { key, .. } | TagChange::SetValue { key, .. } => key,
            TagChange::Rename { from, .. } => from,
        }
    }
}

/// The block whose tag map a change applies to.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub(crate) enum Target {
    /// `resource "TYPE" "NAME"`: its `tags` attribute.
    Resource { resource_type: String, name: String },
    /// `provider "NAME"` with `alias` (`None`: the default configuration): the `tags` of its
    /// `default_tags` block.
    Provider { name: String, alias: Option<String> },
}

impl std::fmt::Display for Target {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Target::Resource { resource_type, name } => write!(f, "{resource_type}.{name}"),
            Target::Provider { name, alias: None } => write!(f, "provider \"{name}\" default_tags"),
            Target::Provider { name, alias: Some(a) } => {
                write!(f, "provider \"{name}\" (alias {a}) default_tags")
            }
        }
    }
}

/// Bytes `range` of the original text become `text`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Replacement {
    pub range: Range<usize>,
    pub text: String,
}

/// A change that was not made, and why; `offset` is where a person should look.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Refusal {
    pub offset: usize,
    pub reason: String,
}

impl Refusal {
    fn at(offset: Option<usize>, reason: impl Into<String>) -> Self {
        Self { offset: offset.unwrap_or(0), reason: reason.into() }
    }
}

/// Where a target's tags are written.
pub(crate) enum Site<'a> {
    /// `tags = { ... }`.
    Literal(&'a Object),
    /// No `tags` attribute (for a provider: no `default_tags` block, or one without `tags`).
    Absent,
    /// `tags = <expression>`: starts at this offset.
    Expression(usize),
}

/// The block of `target` in `body`, if this file declares it.
pub(crate) fn find_block<'a>(body: &'a Body, target: &Target) -> Option<&'a Block> {
    body.blocks().find(|b| {
        let labels: Vec<&str> = b.labels.iter().map(|l| l.as_str()).collect();
        match target {
            Target::Resource { resource_type, name } => {
                b.ident.as_str() == "resource" && labels == [resource_type.as_str(), name.as_str()]
            }
            Target::Provider { name, alias } => {
                b.ident.as_str() == "provider"
                    && labels == [name.as_str()]
                    && literal_attr(&b.body, "alias").as_deref() == alias.as_deref()
            }
        }
    })
}

fn literal_attr(body: &Body, key: &str) -> Option<String> {
    body.get_attribute(key).and_then(|a| a.value.as_str().map(str::to_string))
}

/// The body that holds the `tags` attribute: the resource's own, or the provider's
/// `default_tags` block (`None` when that block is absent).
fn tags_body<'a>(block: &'a Block, target: &Target) -> Option<&'a Body> {
    match target {
        Target::Resource { .. } => Some(&block.body),
        Target::Provider { .. } => block.body.get_blocks("default_tags").next().map(|b| &b.body),
    }
}

/// How `block` (the target's block) writes its tags.
pub(crate) fn site<'a>(block: &'a Block, target: &Target) -> Site<'a> {
    let Some(body) = tags_body(block, target) else { return Site::Absent };
    match body.get_attribute("tags") {
        None => Site::Absent,
        Some(attr) => match &attr.value {
            Expression::Object(object) => Site::Literal(object),
            other => Site::Expression(other.span().map_or(0, |s| s.start)),
        },
    }
}

/// A literal key of an object item: an identifier or a plain string.
fn key_text(key: &ObjectKey) -> Option<&str> {
    match key {
        ObjectKey::Ident(ident) => Some(ident.as_str()),
        ObjectKey::Expression(Expression::String(s)) => Some(s.value().as_str()),
        ObjectKey::Expression(_) => None,
    }
}

/// The literal keys of a tag map (keys that are expressions are left out).
pub(crate) fn literal_keys(object: &Object) -> Vec<String> {
    object.iter().filter_map(|(k, _)| key_text(k).map(str::to_string)).collect()
}

/// An identifier Terraform accepts unquoted as an object key; anything else is quoted.
fn is_identifier(s: &str) -> bool {
    let mut chars = s.chars();
    matches!(chars.next(), Some(c) if c.is_ascii_alphabetic() || c == '_')
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-')
        && !matches!(s, "true" | "false" | "null")
}

/// A value as an HCL string literal: quotes, escapes, and `${`/`%{` made literal.
pub(crate) fn quote(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('"');
    let mut chars = s.chars().peekable();
    while let Some(c) = chars.next() {
        if crate::hcl_syntax::push_common_escape(&mut out, c) {
            continue;
        }
        match c {
            '$' | '%' if chars.peek() == Some(&'{') => {
                out.push(c);
                out.push(c);
            }
            c if c.is_control() => out.push_str(&format!("\\u{:04X}", c as u32)),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

fn key_source(key: &str) -> String {
    if is_identifier(key) {
        key.to_string()
    } else {
        quote(key)
    }
}

/// The one replacement that makes `changes` in `target`'s tags, in the file `text` (parsed as
/// `body`).
pub(crate) fn plan(
    text: &str,
    body: &Body,
    target: &Target,
    changes: &[TagChange],
) -> Result<Replacement, Refusal> {
    let block = find_block(body, target)
        .ok_or_else(|| Refusal::at(None, format!("{target} is not declared in this file")))?;
    let replacement = match site(block, target) {
        Site::Literal(object) => edit_object(text, object, changes)?,
        Site::Expression(offset) => {
            return Err(Refusal::at(
                Some(offset),
                "tags is an expression, not a literal map: change it where its value comes from",
            ))
        }
        Site::Absent => {
            let mut adds = Vec::new();
            for change in changes {
                match change {
                    TagChange::Add { key, value } => adds.push((key.as_str(), value.as_str())),
                    other => {
                        return Err(Refusal::at(
                            block.span().map(|s| s.start),
                            format!("key \"{}\" is not in a literal tag map here", other.key()),
                        ))
                    }
                }
            }
            create_tags(text, block, target, &adds)?
        }
    };
    // Lines added in a CRLF file end like its other lines.
    let replacement = if text.contains("\r\n") {
        Replacement { text: replacement.text.replace("\r\n", "\n").replace('\n', "\r\n"), ..replacement }
    } else {
        replacement
    };
    Ok(minimize(text, replacement))
}

/// Shrink a replacement to the lines that differ, so diffs and SARIF show only them.
fn minimize(text: &str, r: Replacement) -> Replacement {
    let old = &text[r.range.clone()];
    let new = r.text.as_str();
    // Common prefix and suffix, cut back to line boundaries (after a '\n').
    let mut prefix = old.bytes().zip(new.bytes()).take_while(|(a, b)| a == b).count();
    prefix = old[..prefix].rfind('\n').map_or(0, |i| i + 1);
    let max_suffix = (old.len() - prefix).min(new.len() - prefix);
    let mut suffix =
        old.bytes().rev().zip(new.bytes().rev()).take(max_suffix).take_while(|(a, b)| a == b).count();
    // Keep the suffix starting at a line start of `old` (the byte before it is '\n').
    while suffix > 0 && old.as_bytes()[old.len() - suffix - 1] != b'\n' {
        suffix -= 1;
    }
    if prefix + suffix > old.len() || prefix + suffix > new.len() {
        return r;
    }
    Replacement {
        range: r.range.start + prefix..r.range.end - suffix,
        text: new[prefix..new.len() - suffix].to_string(),
    }
}

/// Leading spaces and tabs of the line that contains `offset`.
fn indent_at(text: &str, offset: usize) -> &str {
    let start = text[..offset].rfind('\n').map_or(0, |i| i + 1);
    let line = &text[start..];
    &line[..line.len() - line.trim_start_matches([' ', '\t']).len()]
}

/// Offset just after the end of the line containing `offset` (after its '\n', or the end).
fn after_line(text: &str, offset: usize) -> usize {
    text[offset..].find('\n').map_or(text.len(), |i| offset + i + 1)
}

/// An item of a literal map, as spans of the text it was parsed from.
struct Item {
    key: Option<String>,
    key_span: Range<usize>,
    value_span: Range<usize>,
    value: Option<String>,
    equals: bool,
    comma: bool,
}

fn items(object: &Object) -> Option<Vec<Item>> {
    object
        .iter()
        .map(|(k, v)| {
            Some(Item {
                key: key_text(k).map(str::to_string),
                key_span: k.span()?,
                value_span: v.expr().span()?,
                value: v.expr().as_str().map(str::to_string),
                equals: v.assignment() == ObjectValueAssignment::Equals,
                comma: v.terminator() == ObjectValueTerminator::Comma,
            })
        })
        .collect()
}

/// The edited object text, as one replacement of the object's span.
fn edit_object(text: &str, object: &Object, changes: &[TagChange]) -> Result<Replacement, Refusal> {
    let span = object.span().ok_or_else(|| Refusal::at(None, "tag map has no position"))?;
    let at = Some(span.start);
    let items = items(object).ok_or_else(|| Refusal::at(at, "tag map has no position"))?;
    let obj = &text[span.clone()];
    let multiline = obj.contains('\n');
    let base = span.start;
    // Replacements relative to the object's text, then applied back to front.
    let mut edits: Vec<(Range<usize>, String)> = Vec::new();
    let mut touched: BTreeSet<String> = BTreeSet::new();
    let find = |key: &str| items.iter().find(|i| i.key.as_deref() == Some(key));
    let mut adds: Vec<(&str, &str)> = Vec::new();
    for change in changes {
        match change {
            TagChange::Rename { from, to } => {
                let item = find(from)
                    .ok_or_else(|| Refusal::at(at, format!("key \"{from}\" is not in this map")))?;
                if find(to).is_some() {
                    return Err(Refusal::at(
                        Some(item.key_span.start),
                        format!("both \"{from}\" and \"{to}\" are set: keep one"),
                    ));
                }
                edits.push((rel(&item.key_span, base), key_source(to)));
                touched.insert(to.clone());
            }
            TagChange::SetValue { key, value } => {
                let item =
                    find(key).ok_or_else(|| Refusal::at(at, format!("key \"{key}\" is not in this map")))?;
                if item.value.is_none() {
                    return Err(Refusal::at(
                        Some(item.value_span.start),
                        format!("the value of \"{key}\" is an expression, not a literal string"),
                    ));
                }
                edits.push((rel(&item.value_span, base), quote(value)));
                touched.insert(key.clone());
            }
            TagChange::Add { key, value } => {
                if items.iter().any(|i| i.key.as_deref().is_some_and(|k| k.eq_ignore_ascii_case(key))) {
                    continue;
                }
                adds.push((key, value));
                touched.insert(key.clone());
            }
        }
    }
    if !adds.is_empty() {
        let comma = items.last().is_some_and(|i| i.comma);
        let mut insert = |at: usize, s: String| edits.push((at..at, s));
        if multiline {
            let close = obj.len() - 1;
            let close_indent = indent_at(obj, close);
            let closing_alone =
                obj[..close].rfind('\n').is_some_and(|nl| obj[nl + 1..close].trim().is_empty());
            if !closing_alone {
                return Err(Refusal::at(
                    Some(base + close),
                    "the map's closing brace shares a line: edit it by hand",
                ));
            }
            let (at, indent) = match items.last() {
                Some(last) => {
                    let end = last.value_span.end - base;
                    (after_line(obj, end), indent_at(obj, last.key_span.start - base).to_string())
                }
                None => (obj[..close].rfind('\n').map_or(close, |i| i + 1), format!("{close_indent}  ")),
            };
            let mut lines = String::new();
            for (key, value) in &adds {
                lines.push_str(&format!(
                    "{indent}{} = {}{}\n",
                    key_source(key),
                    quote(value),
                    if comma { "," } else { "" }
                ));
            }
            insert(at, lines);
        } else {
            let parts: Vec<String> =
                adds.iter().map(|(k, v)| format!("{} = {}", key_source(k), quote(v))).collect();
            match items.last() {
                Some(last) => {
                    // After the last value (and its comma, when it has one).
                    let mut end = last.value_span.end - base;
                    if last.comma {
                        end += obj[end..].find(',').map_or(0, |i| i + 1);
                        insert(end, format!(" {}", parts.join(", ")));
                    } else {
                        insert(end, format!(", {}", parts.join(", ")));
                    }
                }
                None => edits.push((0..obj.len(), format!("{{ {} }}", parts.join(", ")))),
            }
        }
    }
    edits.sort_by(|a, b| b.0.start.cmp(&a.0.start).then(b.0.end.cmp(&a.0.end)));
    let mut new = obj.to_string();
    for (range, s) in edits {
        new.replace_range(range, &s);
    }
    let new = if multiline { realign(&new, &touched).map_err(|m| Refusal::at(at, m))? } else { new };
    Ok(Replacement { range: span, text: new })
}

fn rel(span: &Range<usize>, base: usize) -> Range<usize> {
    span.start - base..span.end - base
}

/// Re-align the groups of a map's lines that hold a key of `touched`, as `terraform fmt` does.
/// `object` is the map's text, from `{` to `}`.
pub(crate) fn realign(object: &str, touched: &BTreeSet<String>) -> Result<String, String> {
    // Parsed on its own: the spans are then offsets into `object` (after the `x = ` prefix).
    const PREFIX: &str = "x = ";
    let source = format!("{PREFIX}{object}\n");
    let body = crate::hcl_syntax::parse_body(&source)
        .map_err(|e| format!("the edited tag map does not parse: {}", e.message))?;
    let Some(Expression::Object(parsed)) = body.get_attribute("x").map(|a| &a.value) else {
        return Err("the edited tag map is not a map".to_string());
    };
    let items = items(parsed).ok_or("the edited tag map has no positions")?;
    let text = &source[..];
    let line_of = |offset: usize| text[..offset].matches('\n').count();
    let col = |offset: usize| {
        let start = text[..offset].rfind('\n').map_or(0, |i| i + 1);
        text[start..offset].chars().count()
    };
    // Runs of one-line `key = value` items on consecutive lines (the first line is `x = {`).
    let mut groups: Vec<Vec<usize>> = Vec::new();
    let mut last_line: Option<usize> = None;
    for (n, item) in items.iter().enumerate() {
        let line = line_of(item.key_span.start);
        let one_line = line == line_of(item.value_span.end) && item.equals && line > 0;
        let alone = items.iter().enumerate().all(|(m, o)| m == n || line_of(o.key_span.start) != line);
        if !(one_line && alone) {
            last_line = None;
            continue;
        }
        match (last_line, groups.last_mut()) {
            (Some(prev), Some(group)) if prev + 1 == line => group.push(n),
            _ => groups.push(vec![n]),
        }
        last_line = Some(line);
    }
    let mut edits: Vec<(Range<usize>, String)> = Vec::new();
    for group in groups {
        if !group.iter().any(|&n| items[n].key.as_ref().is_some_and(|k| touched.contains(k))) {
            continue;
        }
        let width = group.iter().map(|&n| col(items[n].key_span.end)).max().unwrap_or(0);
        // Where each value will end once the `=` are aligned: for the comment column.
        let mut value_ends = Vec::new();
        for &n in &group {
            let item = &items[n];
            let pad = width - col(item.key_span.end) + 1;
            edits.push((item.key_span.end..item.value_span.start, format!("{}= ", " ".repeat(pad))));
            let after_value = col(item.value_span.end) - col(item.value_span.start);
            let comma =
                usize::from(text[item.value_span.end..].trim_start_matches([' ', '\t']).starts_with(','));
            value_ends.push(width + 3 + after_value + comma);
        }
        // Trailing `#` and `//` comments on consecutive lines share a column.
        let mut run: Vec<(usize, Range<usize>)> = Vec::new();
        let flush = |run: &mut Vec<(usize, Range<usize>)>, edits: &mut Vec<(Range<usize>, String)>| {
            let column = run.iter().map(|(end, _)| *end).max().unwrap_or(0);
            for (end, gap) in run.drain(..) {
                edits.push((gap, " ".repeat(column - end + 1)));
            }
        };
        for (i, &n) in group.iter().enumerate() {
            let item = &items[n];
            let mut end = item.value_span.end;
            let rest = &text[end..];
            let trimmed = rest.trim_start_matches([' ', '\t']);
            if trimmed.starts_with(',') {
                end += rest.len() - trimmed.len() + 1;
            }
            let rest = &text[end..];
            let trimmed = rest.trim_start_matches([' ', '\t']);
            if trimmed.starts_with('#') || trimmed.starts_with("//") {
                run.push((value_ends[i], end..end + rest.len() - trimmed.len()));
            } else {
                flush(&mut run, &mut edits);
            }
        }
        flush(&mut run, &mut edits);
    }
    edits.sort_by_key(|e| std::cmp::Reverse(e.0.start));
    let mut out = source.clone();
    for (range, s) in edits {
        out.replace_range(range, &s);
    }
    Ok(out[PREFIX.len()..out.len() - 1].to_string())
}

/// A new `tags = { ... }` (or, for a provider, `default_tags { tags = { ... } }`) at the end of
/// the block that has none.
fn create_tags(
    text: &str,
    block: &Block,
    target: &Target,
    adds: &[(&str, &str)],
) -> Result<Replacement, Refusal> {
    let span = block.span().ok_or_else(|| Refusal::at(None, "block has no position"))?;
    let at = Some(span.start);
    // A provider with `default_tags` but no `tags` in it: the new attribute goes there.
    let (container_span, container_body) = match target {
        Target::Provider { .. } => match block.body.get_blocks("default_tags").next() {
            Some(dt) => (dt.span().ok_or_else(|| Refusal::at(at, "block has no position"))?, Some(&dt.body)),
            None => (span.clone(), None),
        },
        Target::Resource { .. } => (span.clone(), Some(&block.body)),
    };
    let body = container_body.unwrap_or(&block.body);
    let block_text = &text[container_span.clone()];
    let close = container_span.start
        + block_text.rfind('}').ok_or_else(|| Refusal::at(at, "block has no closing brace"))?;
    let outer = indent_at(text, container_span.start).to_string();
    let inner = body
        .iter()
        .find_map(|s| s.span())
        .filter(|s| text[..s.start].rfind('\n').is_some_and(|nl| text[nl + 1..s.start].trim().is_empty()))
        .map_or_else(|| format!("{outer}  "), |s| indent_at(text, s.start).to_string());
    let width = adds.iter().map(|(k, _)| key_source(k).chars().count()).max().unwrap_or(0);
    let mut map = String::from("{\n");
    for (key, value) in adds {
        let key = key_source(key);
        let pad = width - key.chars().count() + 1;
        map.push_str(&format!("{inner}  {key}{}= {}\n", " ".repeat(pad), quote(value)));
    }
    map.push_str(&format!("{inner}}}"));
    let new_attr = match (target, container_body) {
        (Target::Provider { .. }, None) => {
            // `default_tags { tags = {...} }`: the map one level deeper.
            let deeper: String = map.lines().map(|l| format!("  {l}")).collect::<Vec<_>>().join("\n");
            format!("{inner}default_tags {{\n{inner}  tags = {}\n{inner}}}\n", deeper.trim_start())
        }
        _ => format!("{inner}tags = {map}\n"),
    };
    // A blank line before it when the body ends with a nested block, as people write it.
    let last_is_block = matches!(body.iter().last(), Some(Structure::Block(_)));
    let line_start = text[..close].rfind('\n').map(|i| i + 1);
    match line_start {
        Some(ls) if ls > container_span.start && text[ls..close].trim().is_empty() => {
            let blank = if last_is_block { "\n" } else { "" };
            Ok(Replacement { range: ls..ls, text: format!("{blank}{new_attr}") })
        }
        _ => {
            // `resource "x" "y" {}`, or a closing brace after other text on its line.
            let before = &text[container_span.start..close];
            if before.trim_end().ends_with('{') && !before.contains('\n') {
                let open = container_span.start + before.rfind('{').unwrap_or(0) + 1;
                Ok(Replacement { range: open..close, text: format!("\n{new_attr}{outer}") })
            } else {
                Err(Refusal::at(at, "the block's closing brace shares a line: add the tags by hand"))
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn apply(text: &str, target: &Target, changes: &[TagChange]) -> Result<String, Refusal> {
        let body = crate::hcl_syntax::parse_body(text).expect("fixture parses");
        let r = plan(text, &body, target, changes)?;
        let mut out = text.to_string();
        out.replace_range(r.range, &r.text);
        // Whatever the edit, the result must parse.
        crate::hcl_syntax::parse_body(&out).expect("edited file parses");
        Ok(out)
    }

    fn res(name: &str) -> Target {
        Target::Resource { resource_type: "aws_instance".into(), name: name.into() }
    }

    fn add(k: &str, v: &str) -> TagChange {
        TagChange::Add { key: k.into(), value: v.into() }
    }

    #[test]
    fn adds_to_a_multiline_map_and_realigns_its_group() {
        let text = "resource \"aws_instance\" \"a\" {\n  ami = \"x\"\n  tags = {\n    Name = \"a\" # the name\n    env  = \"prod\"\n  }\n}\n";
        let out = apply(text, &res("a"), &[add("cost-center", "cc-1")]).unwrap();
        assert_eq!(
            out,
            "resource \"aws_instance\" \"a\" {\n  ami = \"x\"\n  tags = {\n    Name        = \"a\" # the name\n    env         = \"prod\"\n    cost-center = \"cc-1\"\n  }\n}\n"
        );
    }

    #[test]
    fn group_after_a_comment_line_is_aligned_alone() {
        let text = "resource \"aws_instance\" \"a\" {\n  tags = {\n    Name = \"a\"\n    # owners\n    team = \"x\"\n  }\n}\n";
        let out = apply(text, &res("a"), &[add("cost-center", "cc")]).unwrap();
        assert!(
            out.contains(
                "    Name = \"a\"\n    # owners\n    team        = \"x\"\n    cost-center = \"cc\"\n"
            ),
            "{out}"
        );
    }

    #[test]
    fn adds_to_a_one_line_map_and_an_empty_one() {
        let text = "resource \"aws_instance\" \"a\" {\n  tags = { Name = \"a\" }\n}\nresource \"aws_instance\" \"b\" {\n  tags = {}\n}\n";
        let out = apply(text, &res("a"), &[add("team", "x")]).unwrap();
        assert!(out.contains("tags = { Name = \"a\", team = \"x\" }"), "{out}");
        let out = apply(text, &res("b"), &[add("team", "x")]).unwrap();
        assert!(out.contains("tags = { team = \"x\" }"), "{out}");
    }

    #[test]
    fn creates_tags_at_the_end_of_the_block() {
        let text = "resource \"aws_instance\" \"a\" {\n  ami = \"x\"\n\n  root_block_device {\n    size = 8\n  }\n}\n";
        let out = apply(text, &res("a"), &[add("team", "x"), add("cost-center", "cc")]).unwrap();
        assert_eq!(
            out,
            "resource \"aws_instance\" \"a\" {\n  ami = \"x\"\n\n  root_block_device {\n    size = 8\n  }\n\n  tags = {\n    team        = \"x\"\n    cost-center = \"cc\"\n  }\n}\n"
        );
        let out = apply("resource \"aws_instance\" \"a\" {}\n", &res("a"), &[add("team", "x")]).unwrap();
        assert_eq!(out, "resource \"aws_instance\" \"a\" {\n  tags = {\n    team = \"x\"\n  }\n}\n");
    }

    #[test]
    fn renames_and_replaces_values_in_place() {
        let text = "resource \"aws_instance\" \"a\" {\n  tags = {\n    Team = \"Platform\"\n    env  = \"prod\"\n  }\n}\n";
        let changes = [
            TagChange::Rename { from: "Team".into(), to: "team".into() },
            TagChange::SetValue { key: "Team".into(), value: "platform".into() },
        ];
        let out = apply(text, &res("a"), &changes).unwrap();
        assert!(out.contains("    team = \"platform\"\n    env  = \"prod\"\n"), "{out}");
    }

    #[test]
    fn refuses_expressions() {
        let text = "resource \"aws_instance\" \"a\" {\n  tags = merge(local.tags, { a = 1 })\n}\nresource \"aws_instance\" \"b\" {\n  tags = { team = var.team }\n}\n";
        let err = apply(text, &res("a"), &[add("team", "x")]).unwrap_err();
        assert!(err.reason.contains("expression"), "{err:?}");
        assert_eq!(&text[err.offset..err.offset + 5], "merge");
        let err = apply(text, &res("b"), &[TagChange::SetValue { key: "team".into(), value: "x".into() }])
            .unwrap_err();
        assert!(err.reason.contains("expression"), "{err:?}");
        assert_eq!(&text[err.offset..err.offset + 8], "var.team");
    }

    #[test]
    fn provider_default_tags_are_created_or_extended() {
        let text = "provider \"aws\" {\n  region = \"eu-west-1\"\n}\n";
        let target = Target::Provider { name: "aws".into(), alias: None };
        let out = apply(text, &target, &[add("team", "x")]).unwrap();
        assert_eq!(
            out,
            "provider \"aws\" {\n  region = \"eu-west-1\"\n  default_tags {\n    tags = {\n      team = \"x\"\n    }\n  }\n}\n"
        );
        let text =
            "provider \"aws\" {\n  default_tags {\n    tags = {\n      env = \"prod\"\n    }\n  }\n}\n";
        let out = apply(text, &target, &[add("team", "x")]).unwrap();
        assert!(out.contains("      env  = \"prod\"\n      team = \"x\"\n"), "{out}");
        let aliased = Target::Provider { name: "aws".into(), alias: Some("west".into()) };
        assert!(apply(text, &aliased, &[add("team", "x")]).is_err());
    }

    #[test]
    fn crlf_files_get_crlf_lines() {
        let text = "resource \"aws_instance\" \"a\" {\r\n  tags = {\r\n    Name = \"a\"\r\n  }\r\n}\r\n";
        let out = apply(text, &res("a"), &[add("team", "x")]).unwrap();
        assert_eq!(out, "resource \"aws_instance\" \"a\" {\r\n  tags = {\r\n    Name = \"a\"\r\n    team = \"x\"\r\n  }\r\n}\r\n");
    }

    #[test]
    fn quotes_keys_and_values_that_need_it() {
        assert_eq!(quote("a\"b${c}"), "\"a\\\"b$${c}\"");
        assert_eq!(key_source("kubernetes.io/role"), "\"kubernetes.io/role\"");
        assert_eq!(key_source("cost-center"), "cost-center");
        assert_eq!(key_source("true"), "\"true\"");
    }

    #[test]
    fn replacements_are_minimal_lines() {
        let text =
            "resource \"aws_instance\" \"a\" {\n  tags = {\n    Name = \"a\"\n    tier = \"web\"\n  }\n}\n";
        let body = crate::hcl_syntax::parse_body(text).unwrap();
        let r = plan(text, &body, &res("a"), &[add("team", "x")]).unwrap();
        assert_eq!(&text[r.range.clone()], "");
        assert_eq!(r.text, "    team = \"x\"\n");
        assert_eq!(
            &text[..r.range.start],
            "resource \"aws_instance\" \"a\" {\n  tags = {\n    Name = \"a\"\n    tier = \"web\"\n"
        );
    }
}
