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
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc::{Receiver, SyncSender};
use std::sync::Mutex;

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

/// A batch is sent to the parsers once it holds this many bytes of whole elements (small in
/// tests, so that they send many).
const BATCH: usize = if cfg!(test) { 4 << 10 } else { 1 << 20 };

/// Threads parsing the batches of `resources` elements.
const PARSERS: usize = 2;

/// Where the scan of the array is between elements.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Between {
    /// Right after `[`: an element or the end.
    First,
    /// After `,`: an element.
    Next,
    /// After an element: `,` or the end.
    After,
}

/// Whole elements of the array, in file order (`seq`), with where each starts and ends in
/// `bytes`.
struct Batch {
    seq: usize,
    bytes: Vec<u8>,
    spans: Vec<(usize, usize)>,
}

/// The elements of the `resources` array, read after its `[` up to and including its `]`.
///
/// This thread scans the text for the elements' bounds (strings, nesting, the commas between
/// elements: the array's own syntax) and hands runs of whole elements to [`PARSERS`] threads,
/// which parse each element on its own; the parsed runs are put back in file order. A parsed
/// element is valid JSON, so its bounds are the ones the scan found, and the scan checked
/// everything between elements: a file this accepts is one serde_json reads whole, to the
/// same resources. Anything else gives `None` (the text read reports it).
fn read_array(reader: &mut Reader, file: &mut std::fs::File, capacity: usize) -> Option<Vec<LiveResource>> {
    let failed = AtomicBool::new(false);
    let (batches, queue) = std::sync::mpsc::sync_channel::<Batch>(2 * PARSERS);
    let queue = Mutex::new(queue);
    let parsed: Option<Vec<(usize, Vec<LiveResource>)>> = std::thread::scope(|scope| {
        let parsers: Vec<_> = (0..PARSERS).map(|_| scope.spawn(|| parse_batches(&queue, &failed))).collect();
        let scanned = scan_array(reader, file, &batches, &failed);
        drop(batches);
        let mut runs = Vec::new();
        for parser in parsers {
            runs.extend(parser.join().unwrap_or_else(|panic| std::panic::resume_unwind(panic)));
        }
        (scanned.is_some() && !failed.load(Ordering::Relaxed)).then_some(runs)
    });
    let mut parsed = parsed?;
    parsed.sort_unstable_by_key(|(seq, _)| *seq);
    let mut resources = Vec::with_capacity(capacity.max(parsed.iter().map(|(_, run)| run.len()).sum()));
    for (_, run) in parsed {
        resources.extend(run);
    }
    Some(resources)
}

/// A parser thread: batches from `queue` until it is closed or something fails.
fn parse_batches(queue: &Mutex<Receiver<Batch>>, failed: &AtomicBool) -> Vec<(usize, Vec<LiveResource>)> {
    let mut tag_sets = TagsInterner::default();
    let mut runs = Vec::new();
    loop {
        // A poisoned lock still holds a valid receiver: nothing panics while it is held.
        let next = queue.lock().unwrap_or_else(std::sync::PoisonError::into_inner).recv();
        let Ok(batch) = next else { return runs };
        if failed.load(Ordering::Relaxed) {
            continue;
        }
        let mut run = Vec::with_capacity(batch.spans.len());
        for &(start, end) in &batch.spans {
            match serde_json::from_slice::<LiveResource>(&batch.bytes[start..end]) {
                Ok(mut resource) => {
                    tag_sets.intern(&mut resource.tags);
                    run.push(resource);
                }
                Err(_) => {
                    failed.store(true, Ordering::Relaxed);
                    break;
                }
            }
        }
        runs.push((batch.seq, run));
    }
}

/// Scans the array from `reader.pos` (after its `[`) to its `]`, sending whole elements to
/// `batches`; `None` on anything but a well-formed array of objects, a read error, or a
/// parser's failure.
fn scan_array(
    reader: &mut Reader,
    file: &mut std::fs::File,
    batches: &SyncSender<Batch>,
    failed: &AtomicBool,
) -> Option<()> {
    let mut seq = 0;
    let mut between = Between::First;
    // Inside an element: its nesting depth, and whether in a string (after a backslash).
    let mut depth = 0usize;
    let mut in_string = false;
    let mut escaped = false;
    // `reader.buf[reader.pos..]` is not sent yet; the spans of its whole elements so far.
    let mut spans: Vec<(usize, usize)> = Vec::new();
    let mut element_start = 0;
    let mut i = reader.pos;
    let mut send = |reader: &mut Reader, spans: &mut Vec<(usize, usize)>, upto: usize| -> Option<()> {
        if spans.is_empty() {
            return Some(());
        }
        let base = reader.pos;
        let bytes = reader.buf[base..upto].to_vec();
        let spans = std::mem::take(spans).into_iter().map(|(s, e)| (s - base, e - base)).collect();
        reader.pos = upto;
        batches.send(Batch { seq, bytes, spans }).ok()?;
        seq += 1;
        (!failed.load(Ordering::Relaxed)).then_some(())
    };
    loop {
        if i == reader.buf.len() {
            // Keep what is not sent; the offsets move down with it.
            let kept = reader.pos;
            if !reader.fill(file)? {
                return None;
            }
            i -= kept;
            element_start -= kept.min(element_start);
            for span in &mut spans {
                span.0 -= kept;
                span.1 -= kept;
            }
            continue;
        }
        let buf = &reader.buf;
        if depth > 0 {
            if in_string {
                if escaped {
                    escaped = false;
                    i += 1;
                    continue;
                }
                match memchr::memchr2(b'"', b'\\', &buf[i..]) {
                    None => i = buf.len(),
                    Some(at) => {
                        i += at;
                        if buf[i] == b'"' {
                            in_string = false;
                        } else {
                            escaped = true;
                        }
                        i += 1;
                    }
                }
                continue;
            }
            match buf[i] {
                b'"' => in_string = true,
                b'{' | b'[' => depth += 1,
                b'}' | b']' => {
                    depth -= 1;
                    if depth == 0 {
                        spans.push((element_start, i + 1));
                        between = Between::After;
                        if i + 1 - reader.pos >= BATCH {
                            send(reader, &mut spans, i + 1)?;
                        }
                    }
                }
                _ => {}
            }
            i += 1;
            continue;
        }
        match (buf[i], between) {
            (b' ' | b'\t' | b'\n' | b'\r', _) => {}
            (b'{', Between::First | Between::Next) => {
                depth = 1;
                element_start = i;
            }
            (b',', Between::After) => between = Between::Next,
            (b']', Between::First | Between::After) => {
                let last = spans.last().map_or(reader.pos, |&(_, end)| end);
                send(reader, &mut spans, last)?;
                reader.pos = i + 1;
                return Some(());
            }
            _ => return None,
        }
        i += 1;
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
            // Commas and elements out of place, an element that is not an object.
            (format!("[{} {}]", resource(1), resource(2)), ""),
            (format!("[,{}]", resource(1)), ""),
            (format!("[{},,{}]", resource(1), resource(2)), ""),
            (format!("[{}, 1]", resource(1)), ""),
            (format!("[{}}}]", resource(1)), ""),
            // A bad element after many batches of good ones.
            (format!("[{}, {{\"arn\": 1}}]", (0..300).map(resource).collect::<Vec<_>>().join(",")), ""),
        ] {
            let text = snapshot_text(&resources, after);
            let (_dir, path) = write("s.json", &text);
            assert!(load(&path).is_none(), "{resources}{after}");
            assert!(Snapshot::load(&path).is_err());
        }
    }
}
