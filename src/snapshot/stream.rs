//! Reading a snapshot file without holding its whole text: the live resources (nearly all of a
//! large snapshot: 1M resources are ~290 MB of JSON) are parsed one by one from a window of
//! the file as it is read, and the rest of the file (collection, costs, budgets) is kept as
//! text with an empty `resources` array and read by [`Snapshot::parse_body`] as before. The text
//! and the parsed resources were both in memory at once, the largest peak of an audit. Equal
//! tag maps are given one shared copy as they are read (a million resources carry a few hundred
//! distinct tag sets), and the vector of resources is sized from the file's size once.
//!
//! This path only ever answers for a file it read completely and without complaint. Anything
//! unexpected (a syntax or shape error, a bad amount, a failed check, a second `resources` key)
//! returns `None`, and the caller reads the file as text the ordinary way, which gives every
//! message with its line exactly as before.

use std::io::Read;
use std::path::Path;

use super::Snapshot;
use crate::model::{LiveResource, TagsInterner};

/// How much of the file is read at a time.
const CHUNK: usize = 4 << 20;

/// The snapshot at `path`, when the streamed read vouches for it; `None` to read it as text.
pub(super) fn load(path: &Path) -> Option<Snapshot> {
    let mut file = crate::source::open_regular(path).ok()?;
    // Room for the resources a file of this size may hold (a resource is rarely under 128
    // bytes of JSON), so the vector is not copied as it doubles; what is never filled is
    // address space the program never touches.
    let size = file.metadata().map_or(0, |m| m.len());
    let capacity = usize::try_from(size / 128).unwrap_or(0).min(16 << 20);
    let mut reader = Reader { buf: Vec::with_capacity(2 * CHUNK), pos: 0, eof: false };
    let mut skeleton = Skeleton::default();
    let mut resources: Option<Vec<LiveResource>> = None;
    loop {
        if reader.pos == reader.buf.len() && !reader.fill(&mut file)? {
            break;
        }
        let start = reader.pos;
        let entered = skeleton.scan(&reader.buf[start..]);
        let end = start + entered.unwrap_or(reader.buf.len() - start);
        skeleton.text.extend_from_slice(&reader.buf[start..end]);
        reader.pos = end;
        if entered.is_some() {
            // A second top-level `resources` is a duplicate key: the text path says so.
            if resources.is_some() {
                return None;
            }
            resources = Some(read_array(&mut reader, &mut file, capacity)?);
            skeleton.text.push(b']');
        }
    }
    let text = String::from_utf8(skeleton.text).ok()?;
    let mut snapshot = Snapshot::parse_body(path, &text).ok()?;
    if let Some(resources) = resources {
        snapshot.resources = resources;
    }
    snapshot.validate(path).ok()?;
    Some(snapshot)
}

/// A window of the file: `buf[pos..]` is read but not yet consumed.
struct Reader {
    buf: Vec<u8>,
    pos: usize,
    eof: bool,
}

impl Reader {
    /// Drops what was consumed and reads more; `Some(false)` at the end of the file, `None` on
    /// a read error (the text path reports it).
    fn fill(&mut self, file: &mut std::fs::File) -> Option<bool> {
        if self.eof {
            return Some(false);
        }
        self.buf.drain(..self.pos);
        self.pos = 0;
        let have = self.buf.len();
        self.buf.resize(have + CHUNK, 0);
        let n = loop {
            match file.read(&mut self.buf[have..]) {
                Ok(n) => break n,
                Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
                Err(_) => return None,
            }
        };
        self.buf.truncate(have + n);
        self.eof = n == 0;
        Some(n > 0)
    }
}

fn is_ws(b: u8) -> bool {
    matches!(b, b' ' | b'\t' | b'\n' | b'\r')
}

/// The elements of the `resources` array, read after its `[` up to and including its `]`.
fn read_array(reader: &mut Reader, file: &mut std::fs::File, capacity: usize) -> Option<Vec<LiveResource>> {
    let mut resources = Vec::with_capacity(capacity);
    let mut tag_sets = TagsInterner::default();
    // After `[` or `,` a value (or, right after `[`, the end) comes next.
    let mut want_value = true;
    loop {
        while reader.pos < reader.buf.len() && is_ws(reader.buf[reader.pos]) {
            reader.pos += 1;
        }
        if reader.pos == reader.buf.len() {
            if !reader.fill(file)? {
                return None;
            }
            continue;
        }
        match reader.buf[reader.pos] {
            // `[a,]` is not JSON: only the end right after `[` or after a value.
            b']' if !want_value || resources.is_empty() => {
                reader.pos += 1;
                return Some(resources);
            }
            b',' if !want_value => {
                reader.pos += 1;
                want_value = true;
            }
            _ if want_value => {
                let mut values = serde_json::Deserializer::from_slice(&reader.buf[reader.pos..])
                    .into_iter::<LiveResource>();
                match values.next() {
                    Some(Ok(mut resource)) => {
                        reader.pos += values.byte_offset();
                        tag_sets.intern(&mut resource.tags);
                        resources.push(resource);
                        want_value = false;
                    }
                    // The value runs past the window: read more and parse it again.
                    Some(Err(e)) if e.is_eof() => {
                        if !reader.fill(file)? {
                            return None;
                        }
                    }
                    _ => return None,
                }
            }
            _ => return None,
        }
    }
}

/// The file's text outside the `resources` array, and where the scan is in its syntax.
#[derive(Default)]
struct Skeleton {
    text: Vec<u8>,
    /// Open objects and arrays.
    depth: usize,
    in_string: bool,
    escaped: bool,
    /// Where the string being scanned started in `text` (after its quote), when it is at the
    /// top level of the top-level object, where keys are.
    key_start: Option<usize>,
    after_key: AfterKey,
}

/// Progress towards `"resources"` `:` `[` at the top level.
#[derive(Default, Clone, Copy, PartialEq, Eq)]
enum AfterKey {
    #[default]
    Nothing,
    /// The string `"resources"` just closed.
    Name,
    /// ... and its `:`.
    Colon,
}

impl Skeleton {
    /// Scans `bytes`, which follow `text`; `Some(n)` when `bytes[..n]` ends with the `[` that
    /// opens the top-level `resources` array, `None` when all of `bytes` was scanned.
    fn scan(&mut self, bytes: &[u8]) -> Option<usize> {
        for (i, &b) in bytes.iter().enumerate() {
            if self.in_string {
                if self.escaped {
                    self.escaped = false;
                } else if b == b'\\' {
                    self.escaped = true;
                } else if b == b'"' {
                    self.in_string = false;
                    if let Some(start) = self.key_start.take() {
                        // Offsets count `text` then `bytes`: the string may span two windows.
                        let name = match start.checked_sub(self.text.len()) {
                            Some(in_bytes) => bytes[in_bytes..i].to_vec(),
                            None => [&self.text[start..], &bytes[..i]].concat(),
                        };
                        if name == b"resources" {
                            self.after_key = AfterKey::Name;
                        }
                    }
                }
                continue;
            }
            if is_ws(b) {
                continue;
            }
            match (self.after_key, b) {
                (AfterKey::Name, b':') => {
                    self.after_key = AfterKey::Colon;
                    continue;
                }
                (AfterKey::Colon, b'[') => {
                    self.after_key = AfterKey::Nothing;
                    return Some(i + 1);
                }
                _ => self.after_key = AfterKey::Nothing,
            }
            match b {
                b'"' => {
                    self.in_string = true;
                    // `text` does not hold `bytes[..=i]` yet: the string starts at this offset
                    // of the combined text.
                    self.key_start = (self.depth == 1).then_some(self.text.len() + i + 1);
                }
                b'{' | b'[' => self.depth += 1,
                b'}' | b']' => self.depth = self.depth.saturating_sub(1),
                _ => {}
            }
        }
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn write(name: &str, text: &str) -> (tempfile::TempDir, std::path::PathBuf) {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join(name);
        std::fs::write(&path, text).unwrap();
        (dir, path)
    }

    fn snapshot_text(resources: &str, after: &str) -> String {
        format!(
            r#"{{"format": "tally-snapshot", "version": 1, "collected_at": "2026-11-18T06:00:00Z",
  "as_of": "2026-11-18", "collection": {{"accounts": ["111111111111"], "regions": ["eu-west-1"],
  "attempts": [{{"account": "111111111111", "region": "eu-west-1", "source": "resources", "status": "ok"}}]}},
  "resources": {resources}{after}}}"#
        )
    }

    fn resource(i: usize) -> String {
        format!(
            r#"{{"arn": "arn:aws:sqs:eu-west-1:111111111111:q-{i}", "account": "111111111111",
   "region": "eu-west-1", "type": "sqs", "tags": {{"team": "t-{i}", "note": "a \"quoted\" ] }} value"}},
   "sources": ["tagging-api"]}}"#
        )
    }

    #[test]
    fn streamed_read_equals_the_text_read() {
        let many: Vec<String> = (0..3_000).map(resource).collect();
        let costs = r#", "costs": {"lines": [{"period": {"start": "2026-11-01", "end": "2026-11-02"},
  "account": "111111111111", "service": "Amazon SQS", "amount": "1.25", "currency": "USD",
  "charge_category": "usage"}]}"#;
        for (resources, after) in [
            (format!("[{}]", many.join(",\n")), costs),
            ("[]".to_string(), ""),
            (format!("[ {} ]", resource(1)), ""),
        ] {
            let text = snapshot_text(&resources, after);
            let (_dir, path) = write("s.json", &text);
            let streamed = load(&path).expect("streamed");
            assert_eq!(streamed, Snapshot::parse(&path, &text).unwrap());
        }
    }

    #[test]
    fn a_value_longer_than_the_window_is_read_whole() {
        let long = format!(
            r#"[{{"arn": "arn:aws:sqs:eu-west-1:111111111111:q", "account": "111111111111",
   "region": "eu-west-1", "type": "sqs", "tags": {{"big": "{}"}}, "sources": ["tagging-api"]}}]"#,
            "x".repeat(CHUNK + 10)
        );
        let text = snapshot_text(&long, "");
        let (_dir, path) = write("s.json", &text);
        assert_eq!(load(&path).expect("streamed"), Snapshot::parse(&path, &text).unwrap());
    }

    #[test]
    fn anything_unusual_is_left_to_the_text_read() {
        for (resources, after) in [
            // Trailing comma, a bad element, a truncated file, a second `resources`.
            (format!("[{},]", resource(1)), ""),
            (r#"[{"arn": 1}]"#.to_string(), ""),
            (format!("[{}", resource(1)), ""),
            ("[]".to_string(), r#", "resources": []"#),
            // An amount the strict rule refuses (rust_decimal alone would read 1000).
            (
                "[]".to_string(),
                r#", "costs": {"lines": [{"period": {"start": "2026-11-01", "end": "2026-11-02"},
  "account": "111111111111", "service": "S", "amount": "1_000.00", "currency": "USD",
  "charge_category": "usage"}]}"#,
            ),
            // A duplicate ARN fails validation.
            (format!("[{}, {}]", resource(1), resource(1)), ""),
        ] {
            let text = snapshot_text(&resources, after);
            let (_dir, path) = write("s.json", &text);
            assert!(load(&path).is_none(), "{resources}{after}");
            assert!(Snapshot::load(&path).is_err());
        }
    }
}
