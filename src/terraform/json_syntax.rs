//! Terraform's JSON syntax (`*.tf.json`): translated to the native syntax, which the rest of
//! the code reader already understands, keeping each item on its JSON line.
//!
//! The translation follows <https://developer.hashicorp.com/terraform/language/syntax/json>:
//! the root object's `resource`, `data`, `variable`, `provider`, `module`, `output`, `locals`
//! and `terraform` properties become blocks (each level of labels one object, or an array of
//! objects for repeated blocks such as aliased providers); every JSON string in an expression
//! is a string template, so `"${var.tags}"` is the value of `var.tags` itself, exactly as in
//! native syntax; `"//"` properties of block bodies are comments. Nested blocks that tally reads
//! (`default_tags`, `tag`, `dynamic` + `content`, `backend`, `lifecycle`) become blocks; any
//! other object-valued property becomes an attribute (the schema decides in Terraform, and
//! tally reads no other nested block).
//!
//! Positions: every body item is written on the line of its JSON property and at its column,
//! so `file:line:col` point into the JSON file. JSON with several properties on one line
//! (minified JSON, `json.dumps` without `indent`) cannot keep them on one native line: later
//! items move down, and [`to_native_mapped`] gives the JSON line of every native line, which
//! the code reader uses for its positions.

use std::fmt::Write;

use crate::hcl_syntax::SyntaxError;

/// Nested JSON beyond this depth is rejected rather than risk the stack.
const MAX_DEPTH: usize = 128;

/// Translate a `.tf.json` text to native syntax with the same line numbers (see the module
/// documentation); a JSON or structure error is a [`SyntaxError`] at its JSON position.
#[cfg(test)]
pub(crate) fn to_native(text: &str) -> Result<String, SyntaxError> {
    to_native_mapped(text).map(|(native, _)| native)
}

/// [`to_native`], with the JSON line of each native line (index 0 is line 1) when some item
/// could not stay on its JSON line; `None` when every line is its own.
pub(crate) fn to_native_mapped(text: &str) -> Result<(String, Option<Vec<u32>>), SyntaxError> {
    let root = Parser::new(text).document()?;
    let Json::Object(items) = &root.value else {
        return Err(err(root.pos, "a .tf.json file must hold one JSON object"));
    };
    let mut out = Out {
        text: String::with_capacity(text.len()),
        line: 1,
        at_start: true,
        origins: Vec::new(),
        shifted: false,
    };
    for (key, value) in items {
        match key.name.as_str() {
            "resource" | "data" => {
                for (ty, by_name) in entries(value)? {
                    for (name, body) in entries(by_name)? {
                        let labels = [ty.name.as_str(), name.name.as_str()];
                        out.blocks(&key.name, &labels, name.pos, body, Context::Resource(&ty.name))?;
                    }
                }
            }
            "variable" | "provider" | "module" | "output" => {
                for (name, body) in entries(value)? {
                    let context = if key.name == "provider" { Context::Provider } else { Context::Other };
                    out.blocks(&key.name, &[name.name.as_str()], name.pos, body, context)?;
                }
            }
            "locals" => out.blocks("locals", &[], key.pos, value, Context::Other)?,
            "terraform" => out.blocks("terraform", &[], key.pos, value, Context::Terraform)?,
            // Comments, and blocks tally does not read (moved, import, check, removed...).
            _ => {}
        }
    }
    out.text.push('\n');
    let lines = out.shifted.then(|| {
        // Lines without an item of their own (closing braces) belong to the item before them.
        let mut map = Vec::with_capacity(out.line);
        let mut origins = out.origins.iter().peekable();
        let mut current = 1u32;
        for native in 1..=out.line {
            while let Some(&&(at, json)) = origins.peek() {
                if at > native {
                    break;
                }
                current = u32::try_from(json).unwrap_or(u32::MAX);
                origins.next();
            }
            map.push(current);
        }
        map
    });
    Ok((out.text, lines))
}

fn err(pos: Pos, message: impl Into<String>) -> SyntaxError {
    SyntaxError { line: pos.line, column: pos.column, message: message.into() }
}

/// The properties of an object, or of each object of an array (repeated blocks).
fn entries(node: &Node) -> Result<Vec<(&Key, &Node)>, SyntaxError> {
    match &node.value {
        Json::Object(items) => Ok(items.iter().map(|(k, v)| (k, v)).collect()),
        Json::Array(list) => {
            let mut out = Vec::new();
            for item in list {
                out.extend(entries(item)?);
            }
            Ok(out)
        }
        _ => Err(err(node.pos, "expected a JSON object here (block labels or a block body)")),
    }
}

#[derive(Clone, Copy)]
enum Context<'a> {
    Resource(&'a str),
    Provider,
    Terraform,
    Other,
}

impl Context<'_> {
    /// Whether `name` in a body of this context is a nested block tally reads.
    fn is_block(self, name: &str) -> bool {
        matches!(
            (self, name),
            (_, "dynamic" | "lifecycle")
                | (Context::Resource("aws_autoscaling_group"), "tag")
                | (Context::Provider, "default_tags")
                | (Context::Terraform, "backend" | "required_providers")
        )
    }
}

struct Out {
    text: String,
    /// The line the next character goes on (1-based).
    line: usize,
    at_start: bool,
    /// (native line, JSON line) where each item starts, in order.
    origins: Vec<(usize, usize)>,
    /// Whether some item is not on its JSON line.
    shifted: bool,
}

impl Out {
    /// Start a body item on the line and column of `pos` (or the next line if already past it).
    fn item_at(&mut self, pos: Pos) {
        if self.at_start && pos.line == 1 {
            // First item on the first line: nothing to separate.
        } else if self.line < pos.line {
            for _ in self.line..pos.line {
                self.text.push('\n');
            }
            self.line = pos.line;
        } else {
            self.text.push('\n');
            self.line += 1;
        }
        self.at_start = false;
        self.origins.push((self.line, pos.line));
        self.shifted |= self.line != pos.line;
        for _ in 1..pos.column {
            self.text.push(' ');
        }
    }

    /// One block per body (`body` an object, or an array of objects for repeated blocks).
    fn blocks(
        &mut self,
        kind: &str,
        labels: &[&str],
        pos: Pos,
        body: &Node,
        context: Context<'_>,
    ) -> Result<(), SyntaxError> {
        // Repeated blocks (an array of bodies) each start where their body does.
        let bodies: Vec<(&Node, Pos)> = match &body.value {
            Json::Array(list) => list.iter().map(|b| (b, b.pos)).collect(),
            _ => vec![(body, pos)],
        };
        for (body, pos) in bodies {
            let Json::Object(items) = &body.value else {
                return Err(err(body.pos, format!("the body of a {kind} block must be a JSON object")));
            };
            self.item_at(pos);
            self.text.push_str(kind);
            for label in labels {
                self.text.push(' ');
                string(&mut self.text, label);
            }
            self.text.push_str(" {");
            self.body(items, context)?;
            self.text.push('\n');
            self.line += 1;
            self.text.push('}');
        }
        Ok(())
    }

    fn body(&mut self, items: &[(Key, Node)], context: Context<'_>) -> Result<(), SyntaxError> {
        for (key, value) in items {
            let name = key.name.as_str();
            if name == "//" || !is_identifier(name) {
                continue;
            }
            if context.is_block(name) {
                match name {
                    // `dynamic` and `backend`: one label level, then the body.
                    "dynamic" | "backend" => {
                        for (label, inner) in entries(value)? {
                            let inner_context = if name == "dynamic" { Context::Other } else { context };
                            self.dynamic_or_labelled(name, label, inner, inner_context)?;
                        }
                    }
                    _ => self.blocks(name, &[], key.pos, value, Context::Other)?,
                }
                continue;
            }
            self.item_at(key.pos);
            self.text.push_str(name);
            self.text.push_str(" = ");
            expression(&mut self.text, value, 0)?;
        }
        Ok(())
    }

    /// `dynamic "tag" { for_each = ..., content { ... } }` or `backend "s3" { ... }`.
    fn dynamic_or_labelled(
        &mut self,
        kind: &str,
        label: &Key,
        body: &Node,
        context: Context<'_>,
    ) -> Result<(), SyntaxError> {
        let Json::Object(items) = &body.value else {
            return Err(err(body.pos, format!("the body of a {kind} block must be a JSON object")));
        };
        self.item_at(label.pos);
        self.text.push_str(kind);
        self.text.push(' ');
        string(&mut self.text, &label.name);
        self.text.push_str(" {");
        if kind == "dynamic" {
            for (key, value) in items {
                match key.name.as_str() {
                    "content" => self.blocks("content", &[], key.pos, value, Context::Other)?,
                    "//" => {}
                    name if is_identifier(name) => {
                        self.item_at(key.pos);
                        self.text.push_str(name);
                        self.text.push_str(" = ");
                        expression(&mut self.text, value, 0)?;
                    }
                    _ => {}
                }
            }
        } else {
            self.body(items, context)?;
        }
        self.text.push('\n');
        self.line += 1;
        self.text.push('}');
        Ok(())
    }
}

/// A JSON value as a native expression on one line: strings are templates, as in JSON syntax.
fn expression(out: &mut String, node: &Node, depth: usize) -> Result<(), SyntaxError> {
    if depth > MAX_DEPTH {
        return Err(err(node.pos, "JSON nested too deeply"));
    }
    match &node.value {
        Json::String(s) => string(out, s),
        Json::Number(n) => out.push_str(n),
        Json::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
        Json::Null => out.push_str("null"),
        Json::Array(items) => {
            out.push('[');
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.push_str(", ");
                }
                expression(out, item, depth + 1)?;
            }
            out.push(']');
        }
        Json::Object(items) => {
            out.push('{');
            for (i, (key, value)) in items.iter().enumerate() {
                if i > 0 {
                    out.push_str(", ");
                }
                string(out, &key.name);
                out.push_str(" = ");
                expression(out, value, depth + 1)?;
            }
            out.push('}');
        }
    }
    Ok(())
}

/// A quoted native string with the same template content. The JSON value is already decoded, so
/// the text inside `${ }` / `%{ }` is an expression as written in native syntax: it is copied as
/// it is (its own quoted strings and escapes included, `"${lower("P")}"`), and only the literal
/// parts of the template are escaped.
fn string(out: &mut String, s: &str) {
    /// Where the scanner is: the template's literal text, an interpolation or directive (its
    /// brace depth), or a quoted string inside one.
    enum Mode {
        Expression(usize),
        Quoted,
    }
    let mut stack: Vec<Mode> = Vec::new();
    let mut chars = s.chars().peekable();
    out.push('"');
    while let Some(c) = chars.next() {
        match stack.last_mut() {
            None | Some(Mode::Quoted) => {
                let opens = matches!(c, '$' | '%') && chars.peek() == Some(&'{');
                if (c == '$' || c == '%') && chars.peek() == Some(&c) {
                    // `$${` and `%%{` are literal `${` / `%{` in both syntaxes: keep them whole.
                    out.push(c);
                    out.push(chars.next().unwrap_or(c));
                    continue;
                }
                if opens {
                    out.push(c);
                    out.push(chars.next().unwrap_or('{'));
                    stack.push(Mode::Expression(1));
                    continue;
                }
                if stack.is_empty() {
                    literal_char(out, c);
                    continue;
                }
                // Inside a quoted string of an expression: native escapes are already native.
                match c {
                    '\\' => {
                        out.push(c);
                        if let Some(next) = chars.next() {
                            out.push(next);
                        }
                    }
                    '"' => {
                        out.push(c);
                        stack.pop();
                    }
                    '\n' => out.push_str("\\n"),
                    c => out.push(c),
                }
            }
            Some(Mode::Expression(depth)) => match c {
                '{' => {
                    *depth += 1;
                    out.push(c);
                }
                '}' => {
                    *depth -= 1;
                    if *depth == 0 {
                        stack.pop();
                    }
                    out.push(c);
                }
                '"' => {
                    stack.push(Mode::Quoted);
                    out.push(c);
                }
                // A line break inside an interpolation is white space; a quoted string cannot
                // hold a raw one.
                '\n' | '\r' => out.push(' '),
                c => out.push(c),
            },
        }
    }
    out.push('"');
}

/// One character of a template's literal text, escaped for a native quoted string.
fn literal_char(out: &mut String, c: char) {
    if crate::hcl_syntax::push_common_escape(out, c) {
        return;
    }
    match c {
        c if c.is_control() => {
            let _ = write!(out, "\\u{:04x}", c as u32);
        }
        c => out.push(c),
    }
}

fn is_identifier(name: &str) -> bool {
    let mut chars = name.chars();
    chars.next().is_some_and(|c| c.is_alphabetic() || c == '_')
        && chars.all(|c| c.is_alphanumeric() || c == '_' || c == '-')
}

// ---------------------------------------------------------------------------------------------
// A JSON reader that keeps positions (serde_json does not report them per value).
// ---------------------------------------------------------------------------------------------

/// 1-based line and column (in characters).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Pos {
    line: usize,
    column: usize,
}

#[derive(Debug)]
struct Key {
    name: String,
    pos: Pos,
}

#[derive(Debug)]
struct Node {
    pos: Pos,
    value: Json,
}

#[derive(Debug)]
enum Json {
    Object(Vec<(Key, Node)>),
    Array(Vec<Node>),
    String(String),
    /// The number's text, kept as written (native syntax reads it the same way).
    Number(String),
    Bool(bool),
    Null,
}

struct Parser<'a> {
    chars: std::iter::Peekable<std::str::Chars<'a>>,
    pos: Pos,
}

impl<'a> Parser<'a> {
    fn new(text: &'a str) -> Self {
        Self { chars: text.chars().peekable(), pos: Pos { line: 1, column: 1 } }
    }

    fn document(mut self) -> Result<Node, SyntaxError> {
        self.ws();
        let node = self.value(0)?;
        self.ws();
        match self.chars.peek() {
            None => Ok(node),
            Some(c) => Err(err(self.pos, format!("unexpected `{c}` after the JSON value"))),
        }
    }

    fn bump(&mut self) -> Option<char> {
        let c = self.chars.next()?;
        if c == '\n' {
            self.pos.line += 1;
            self.pos.column = 1;
        } else {
            self.pos.column += 1;
        }
        Some(c)
    }

    fn ws(&mut self) {
        while matches!(self.chars.peek(), Some(' ' | '\t' | '\n' | '\r')) {
            self.bump();
        }
    }

    fn expect(&mut self, want: char) -> Result<(), SyntaxError> {
        match self.bump() {
            Some(c) if c == want => Ok(()),
            Some(c) => Err(err(self.pos, format!("expected `{want}`, found `{c}`"))),
            None => Err(err(self.pos, format!("expected `{want}`, found the end of the file"))),
        }
    }

    fn value(&mut self, depth: usize) -> Result<Node, SyntaxError> {
        if depth > MAX_DEPTH {
            return Err(err(self.pos, "JSON nested too deeply"));
        }
        let pos = self.pos;
        let value = match self.chars.peek().copied() {
            Some('{') => {
                self.bump();
                let mut items = Vec::new();
                self.ws();
                if self.chars.peek() == Some(&'}') {
                    self.bump();
                } else {
                    loop {
                        self.ws();
                        let key_pos = self.pos;
                        if self.chars.peek() != Some(&'"') {
                            return Err(err(self.pos, "expected a property name in double quotes"));
                        }
                        let name = self.string()?;
                        self.ws();
                        self.expect(':')?;
                        self.ws();
                        let value = self.value(depth + 1)?;
                        items.push((Key { name, pos: key_pos }, value));
                        self.ws();
                        match self.bump() {
                            Some(',') => continue,
                            Some('}') => break,
                            _ => return Err(err(self.pos, "expected `,` or `}` in an object")),
                        }
                    }
                }
                Json::Object(items)
            }
            Some('[') => {
                self.bump();
                let mut items = Vec::new();
                self.ws();
                if self.chars.peek() == Some(&']') {
                    self.bump();
                } else {
                    loop {
                        self.ws();
                        items.push(self.value(depth + 1)?);
                        self.ws();
                        match self.bump() {
                            Some(',') => continue,
                            Some(']') => break,
                            _ => return Err(err(self.pos, "expected `,` or `]` in an array")),
                        }
                    }
                }
                Json::Array(items)
            }
            Some('"') => Json::String(self.string()?),
            Some('t') => self.word("true", Json::Bool(true))?,
            Some('f') => self.word("false", Json::Bool(false))?,
            Some('n') => self.word("null", Json::Null)?,
            Some(c) if c == '-' || c.is_ascii_digit() => {
                let mut n = String::new();
                while let Some(&c) = self.chars.peek() {
                    if c.is_ascii_digit() || matches!(c, '-' | '+' | '.' | 'e' | 'E') {
                        n.push(c);
                        self.bump();
                    } else {
                        break;
                    }
                }
                if n.parse::<f64>().is_err() {
                    return Err(err(pos, format!("`{n}` is not a number")));
                }
                Json::Number(n)
            }
            Some(c) => return Err(err(pos, format!("unexpected `{c}`: expected a JSON value"))),
            None => return Err(err(pos, "expected a JSON value, found the end of the file")),
        };
        Ok(Node { pos, value })
    }

    fn word(&mut self, word: &str, value: Json) -> Result<Json, SyntaxError> {
        let pos = self.pos;
        for want in word.chars() {
            if self.bump() != Some(want) {
                return Err(err(pos, format!("expected `{word}`")));
            }
        }
        Ok(value)
    }

    fn string(&mut self) -> Result<String, SyntaxError> {
        let start = self.pos;
        self.expect('"')?;
        let mut out = String::new();
        loop {
            match self.bump() {
                Some('"') => return Ok(out),
                Some('\\') => match self.bump() {
                    Some('"') => out.push('"'),
                    Some('\\') => out.push('\\'),
                    Some('/') => out.push('/'),
                    Some('b') => out.push('\u{8}'),
                    Some('f') => out.push('\u{c}'),
                    Some('n') => out.push('\n'),
                    Some('r') => out.push('\r'),
                    Some('t') => out.push('\t'),
                    Some('u') => {
                        let unit = self.hex4()?;
                        let c = if (0xD800..0xDC00).contains(&unit) {
                            // A surrogate pair: the low half must follow.
                            if self.bump() != Some('\\') || self.bump() != Some('u') {
                                return Err(err(self.pos, "unpaired surrogate in a \\u escape"));
                            }
                            let low = self.hex4()?;
                            char::from_u32(
                                0x10000 + ((unit - 0xD800) << 10) + (low.wrapping_sub(0xDC00) & 0x3FF),
                            )
                        } else {
                            char::from_u32(unit)
                        };
                        out.push(c.ok_or_else(|| err(self.pos, "invalid \\u escape"))?);
                    }
                    _ => return Err(err(self.pos, "invalid escape in a string")),
                },
                Some('\n') | None => return Err(err(start, "unterminated string")),
                Some(c) => out.push(c),
            }
        }
    }

    fn hex4(&mut self) -> Result<u32, SyntaxError> {
        let mut n = 0;
        for _ in 0..4 {
            let d = self
                .bump()
                .and_then(|c| c.to_digit(16))
                .ok_or_else(|| err(self.pos, "invalid \\u escape"))?;
            n = n * 16 + d;
        }
        Ok(n)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn minified_json_maps_every_native_line_back_to_its_json_line() {
        let json = "{\"resource\": {\"aws_s3_bucket\": {\"a\": {\"bucket\": \"a\"}, \"b\": {\"tags\": {}}}},\n\"locals\": {\"x\": 1, \"y\": 2}}";
        let (native, lines) = to_native_mapped(json).unwrap();
        let lines = lines.expect("items moved off their line");
        assert_eq!(lines.len(), native.lines().count());
        let line_of = |needle: &str| {
            let i = native.lines().position(|l| l.contains(needle)).unwrap();
            lines[i]
        };
        assert_eq!(
            (line_of("\"a\" {"), line_of("bucket"), line_of("\"b\" {"), line_of("tags")),
            (1, 1, 1, 1)
        );
        assert_eq!((line_of("x ="), line_of("y =")), (2, 2));
        // Pretty JSON keeps every item on its line: no map needed.
        assert_eq!(to_native_mapped("{\n\"locals\": {\n\"x\": 1\n}\n}").unwrap().1, None);
    }

    #[test]
    fn blocks_keep_their_json_lines() {
        let json = r#"{
  "resource": {
    "aws_s3_bucket": {
      "logs": {
        "//": "a comment",
        "bucket": "logs-${var.env}",
        "count": "${var.n}",
        "tags": {"env": "prod", "quote": "a \"b\"\n"}
      }
    }
  },
  "variable": {
    "env": {
      "default": "dev"
    }
  },
  "locals": {"x": [1, 2.5, true, null]},
  "provider": {
    "aws": [
      {"region": "eu-west-1", "default_tags": {"tags": {"owner": "platform"}}},
      {"alias": "west", "region": "us-west-2"}
    ]
  }
}"#;
        let native = to_native(json).unwrap();
        let lines: Vec<&str> = native.lines().collect();
        assert_eq!(lines[3], "      resource \"aws_s3_bucket\" \"logs\" {", "{native}");
        assert_eq!(lines[5], "        bucket = \"logs-${var.env}\"", "{native}");
        assert_eq!(lines[6], "        count = \"${var.n}\"", "{native}");
        assert_eq!(
            lines[7], "        tags = {\"env\" = \"prod\", \"quote\" = \"a \\\"b\\\"\\n\"}",
            "{native}"
        );
        assert_eq!(lines[12], "    variable \"env\" {", "{native}");
        assert_eq!(lines[13], "      default = \"dev\"", "{native}");
        assert_eq!(lines[19], "      provider \"aws\" {", "{native}");
        assert!(!native.contains("comment"));
        let body = crate::hcl_syntax::parse_body(&native).unwrap_or_else(|e| panic!("{e:?}\n{native}"));
        let providers: Vec<_> = body.blocks().filter(|b| b.ident.as_str() == "provider").collect();
        assert_eq!(providers.len(), 2);
        assert_eq!(providers[0].body.get_blocks("default_tags").count(), 1);
        assert!(providers[1].body.get_attribute("alias").is_some());
        assert_eq!(body.blocks().filter(|b| b.ident.as_str() == "locals").count(), 1);
    }

    #[test]
    fn interpolations_keep_their_own_strings() {
        // `"${lower(\"P\")}"` in the JSON file is the template `${lower("P")}`: its quotes belong
        // to the expression, not to the template's text (they were escaped, and hcl-edit rejected
        // the file).
        let cases = [
            (r#""${lower(\"P\")}""#, r#""${lower("P")}""#),
            (r#""a\"b${x}""#, r#""a\"b${x}""#),
            (
                r#""${merge(var.t, {\"k\" = \"v${var.e}\"})}-x\"""#,
                r#""${merge(var.t, {"k" = "v${var.e}"})}-x\"""#,
            ),
            (r#""$${literal} %%{also} \"q\"""#, r#""$${literal} %%{also} \"q\"""#),
            (r#""%{ if var.a }\"yes\"%{ endif }""#, r#""%{ if var.a }\"yes\"%{ endif }""#),
            (r#""${format(\"a\\\"b\")}""#, r#""${format("a\"b")}""#),
            (r#""${var.a\n+ 1}""#, r#""${var.a + 1}""#),
        ];
        for (json, native) in cases {
            let text = to_native(&format!("{{\"locals\": {{\"s\": {json}}}}}")).unwrap();
            assert_eq!(text.trim_end(), format!(" locals {{\n            s = {native}\n}}"), "{json}");
            crate::hcl_syntax::parse_body(&text).unwrap_or_else(|e| panic!("{json}: {e:?}\n{text}"));
        }
    }

    #[test]
    fn errors_point_into_the_json() {
        let e = to_native("{\n  \"resource\": {\n    \"a\": 1,\n  }\n}").unwrap_err();
        assert_eq!((e.line, e.column), (4, 3), "a trailing comma: {e:?}");
        let e = to_native("{\n  \"resource\": {,}\n}").unwrap_err();
        assert_eq!((e.line, e.column), (2, 16), "{e:?}");
        let e = to_native("[1]").unwrap_err();
        assert_eq!(e.line, 1);
        assert!(to_native("{} x").is_err());
        assert!(to_native(&format!("{{\"locals\": {{\"a\": {}1{}}}}}", "[".repeat(200), "]".repeat(200)))
            .is_err());
        let native = to_native("{\"locals\": {\"s\": \"\\ud83d\\ude00\"}}").unwrap();
        assert_eq!(native, " locals {\n            s = \"\u{1f600}\"\n}\n");
    }
}
