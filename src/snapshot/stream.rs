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
use std::sync::{mpsc, Arc};

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
    let mut reader = Reader { buf: Arc::new(Vec::with_capacity(2 * CHUNK)), pos: 0, eof: false };
    let mut skeleton = Skeleton::default();
    let mut resources: Option<Arc<Vec<LiveResource>>> = None;
    // The resources are checked (ARNs, accounts, regions, tag keys) on a second thread while
    // the rest of the file (costs, budgets) is read and parsed here.
    let (text, checks_ok) = std::thread::scope(|scope| {
        let mut check = None;
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
                let read = Arc::new(read_array(&mut reader, &mut file, capacity)?);
                resources = Some(Arc::clone(&read));
                check = Some(scope.spawn(move || {
                    arns_look_unique(&read) && Snapshot::check_resources(path, &read).is_ok()
                }));
                skeleton.text.push(b']');
                // The rest of the file is kept as it is, unscanned: a second top-level
                // `resources` there is a duplicate field to the full read of that text, which
                // refuses it (and the text path says so).
                reader.rest_into(&mut file, &mut skeleton.text)?;
                break;
            }
        }
        let text = String::from_utf8(std::mem::take(&mut skeleton.text)).ok()?;
        let snapshot = Snapshot::parse_body_ok(path, &text);
        let checks_ok =
            check.is_none_or(|check| check.join().unwrap_or_else(|panic| std::panic::resume_unwind(panic)));
        Some((snapshot, checks_ok))
    })?;
    let mut snapshot = text?;
    if !checks_ok {
        return None;
    }
    if let Some(resources) = resources {
        // The checking thread is done with them.
        snapshot.resources = Arc::into_inner(resources)?;
    }
    snapshot.validate_head_money(path).ok()?;
    snapshot.validate_rest(path).ok()?;
    Some(snapshot)
}

/// Whether every ARN starts with `arn:` and none is listed twice, as far as 64-bit hashes
/// tell: sorted, a million of them take a fraction of a hash table of the ARNs themselves. Two
/// equal hashes answer `false` even for two different ARNs (about one chance in 2^25 for a
/// million of them), and the text read then checks the ARNs themselves: the answer never
/// depends on the hash.
fn arns_look_unique(resources: &[LiveResource]) -> bool {
    use std::hash::BuildHasher;
    let state = foldhash::fast::FixedState::default();
    let mut hashes = Vec::with_capacity(resources.len());
    for r in resources {
        if !r.arn.starts_with("arn:") {
            return false;
        }
        hashes.push(state.hash_one(r.arn.as_str()));
    }
    hashes.sort_unstable();
    hashes.windows(2).all(|pair| pair[0] != pair[1])
}

/// A window of the file: `buf[pos..]` is read but not yet consumed.
struct Reader {
    /// Shared with the second parser thread while it reads a range of it.
    buf: Arc<Vec<u8>>,
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
        // The second parser has given its share back by now: this does not copy.
        let buf = Arc::make_mut(&mut self.buf);
        buf.drain(..self.pos);
        self.pos = 0;
        let have = buf.len();
        buf.resize(have + CHUNK, 0);
        let n = loop {
            match file.read(&mut buf[have..]) {
                Ok(n) => break n,
                Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
                Err(_) => return None,
            }
        };
        buf.truncate(have + n);
        self.eof = n == 0;
        Some(n > 0)
    }

    /// Appends what is left of the window and of the file to `out`; `None` on a read error.
    fn rest_into(&mut self, file: &mut std::fs::File, out: &mut Vec<u8>) -> Option<()> {
        out.extend_from_slice(&self.buf[self.pos..]);
        self.pos = self.buf.len();
        if !self.eof {
            // `read_to_end` reserves what the file's size says is left, once.
            file.read_to_end(out).ok()?;
            self.eof = true;
        }
        Some(())
    }
}

fn is_ws(b: u8) -> bool {
    matches!(b, b' ' | b'\t' | b'\n' | b'\r')
}

/// The elements of the `resources` array, read after its `[` up to and including its `]`.
///
/// A window of the file that holds several elements is parsed on two threads: a second thread
/// takes the elements from a guessed element start near the window's middle (a `{` after `}`
/// and `,`), this one those before it. The guess is kept only when this thread's own parse,
/// element by element from the known start, ends exactly there: then both threads read the
/// same elements, in the same way, as one parser reading on would. A guess inside a string
/// (or past the array) is dropped and the window read on by this thread alone, so the result
/// never depends on the guess. Both threads parse ranges of the one window; nothing is copied.
fn read_array(reader: &mut Reader, file: &mut std::fs::File, capacity: usize) -> Option<Vec<LiveResource>> {
    let mut resources = Vec::with_capacity(capacity);
    let mut tag_sets = TagsInterner::default();
    std::thread::scope(|scope| {
        let (jobs, job) = mpsc::channel::<(Arc<Vec<u8>>, usize)>();
        let (done, finished) = mpsc::channel::<(Vec<LiveResource>, Run)>();
        scope.spawn(move || {
            // Its own interner: a tag set both threads meet has two copies, not one.
            let mut tag_sets = TagsInterner::default();
            for (window, start) in job {
                let mut parsed = Vec::new();
                let run = parse_run(&window[start..], true, false, &mut tag_sets, &mut parsed);
                // The window goes back to the reader unshared, to be refilled in place.
                drop(window);
                if done.send((parsed, run)).is_err() {
                    break;
                }
            }
        });
        // After `[` or `,` a value (or, right after `[`, the end) comes next.
        let mut want_value = true;
        let mut split = true;
        loop {
            let window = &reader.buf[reader.pos..];
            let guess = if split && window.len() >= MIN_SPLIT {
                element_start_after(window, window.len() / 2)
            } else {
                None
            };
            split = true;
            let run = match guess {
                Some(mid) => {
                    jobs.send((Arc::clone(&reader.buf), reader.pos + mid)).ok()?;
                    let first = resources.is_empty();
                    let mine = parse_run(&window[..mid], want_value, first, &mut tag_sets, &mut resources);
                    let (mut theirs, run) = finished.recv().ok()?;
                    if mine.pos == mid && mine.want_value && mine.end == RunEnd::More {
                        resources.append(&mut theirs);
                        Run { pos: mid + run.pos, ..run }
                    } else if mine.end == RunEnd::Closed {
                        mine
                    } else {
                        // The guess was not an element's start: read on alone from where
                        // this thread stopped (its elements are whole, each inside the range).
                        reader.pos += mine.pos;
                        want_value = mine.want_value;
                        split = false;
                        continue;
                    }
                }
                None => {
                    let first = resources.is_empty();
                    parse_run(window, want_value, first, &mut tag_sets, &mut resources)
                }
            };
            reader.pos += run.pos;
            want_value = run.want_value;
            match run.end {
                RunEnd::Closed => return Some(std::mem::take(&mut resources)),
                RunEnd::Bad => return None,
                // The rest of the window is blank or a value it cuts: read more.
                RunEnd::More => {
                    if !reader.fill(file)? {
                        return None;
                    }
                }
            }
        }
    })
}

/// The smallest window worth a second thread (a few thousand resources).
const MIN_SPLIT: usize = 256 << 10;

/// Where [`parse_run`] stopped.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum RunEnd {
    /// At the array's `]` (consumed).
    Closed,
    /// At the end of the bytes, or at a value they cut (not consumed).
    More,
    /// At something that is not an element, a comma or the end.
    Bad,
}

#[derive(Debug, Clone, Copy)]
struct Run {
    /// Bytes consumed.
    pos: usize,
    /// Whether a value comes next (after `,`) rather than `,` or `]`.
    want_value: bool,
    end: RunEnd,
}

/// Parses the array's elements from `bytes` into `out`. `first`: right after the `[`, where
/// `]` may close an empty array.
fn parse_run(
    bytes: &[u8],
    mut want_value: bool,
    mut first: bool,
    tag_sets: &mut TagsInterner,
    out: &mut Vec<LiveResource>,
) -> Run {
    let mut pos = 0;
    let end = loop {
        while pos < bytes.len() && is_ws(bytes[pos]) {
            pos += 1;
        }
        let Some(&b) = bytes.get(pos) else { break RunEnd::More };
        match b {
            // `[a,]` is not JSON: only the end right after `[` or after a value.
            b']' if !want_value || first => {
                pos += 1;
                break RunEnd::Closed;
            }
            b',' if !want_value => {
                pos += 1;
                want_value = true;
            }
            _ if want_value => {
                let mut values =
                    serde_json::Deserializer::from_slice(&bytes[pos..]).into_iter::<LiveResource>();
                match values.next() {
                    Some(Ok(mut resource)) => {
                        pos += values.byte_offset();
                        tag_sets.intern(&mut resource.tags);
                        out.push(resource);
                        want_value = false;
                        first = false;
                    }
                    // The value runs past the bytes.
                    Some(Err(e)) if e.is_eof() => break RunEnd::More,
                    _ => break RunEnd::Bad,
                }
            }
            _ => break RunEnd::Bad,
        }
    };
    Run { pos, want_value, end }
}

/// A guess at an element's start at or after `from`: a `{` that follows `}` and `,` (blanks
/// aside). A guess only: the bytes may be inside a string.
fn element_start_after(bytes: &[u8], from: usize) -> Option<usize> {
    let mut i = from;
    while let Some(comma) = bytes[i..].iter().position(|&b| b == b',') {
        let at = i + comma;
        let before = bytes[..at].iter().rposition(|&b| !is_ws(b));
        let after = bytes[at + 1..].iter().position(|&b| !is_ws(b)).map(|n| at + 1 + n);
        if let (Some(before), Some(after)) = (before, after) {
            if bytes[before] == b'}' && bytes[after] == b'{' {
                return Some(after);
            }
        }
        i = at + 1;
    }
    None
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
    fn a_guessed_split_inside_a_string_changes_nothing() {
        // Every tag value looks like the end of one element and the start of the next, so the
        // guess near a window's middle lands inside a string as often as not.
        let tricky = |i: usize| {
            format!(
                r#"{{"arn": "arn:aws:sqs:eu-west-1:111111111111:q-{i}", "account": "111111111111",
   "region": "eu-west-1", "type": "sqs", "tags": {{"a": "}}, {{", "b": "}} , {{\"arn\": 1}}"}},
   "sources": ["tagging-api"]}}"#
            )
        };
        let many: Vec<String> = (0..6_000).map(tricky).collect();
        let text = snapshot_text(&format!("[{}]", many.join(",")), "");
        assert!(text.len() > 2 * MIN_SPLIT);
        let (_dir, path) = write("s.json", &text);
        let streamed = load(&path).expect("streamed");
        assert_eq!(streamed.resources.len(), 6_000);
        assert_eq!(streamed, Snapshot::parse(&path, &text).unwrap());
    }

    #[test]
    fn a_problem_in_either_half_is_left_to_the_text_read() {
        let many: Vec<String> = (0..6_000).map(resource).collect();
        for bad in [10, 2_000, 3_100, 5_990] {
            let mut broken = many.clone();
            broken[bad] = r#"{"arn": 1}"#.to_string();
            let text = snapshot_text(&format!("[{}]", broken.join(",\n")), "");
            let (_dir, path) = write("s.json", &text);
            assert!(load(&path).is_none(), "element {bad}");
            let mut comma = many.clone();
            comma[bad].push(',');
            let text = snapshot_text(&format!("[{}]", comma.join(",\n")), "");
            let (_dir, path) = write("s.json", &text);
            assert!(load(&path).is_none(), "comma after {bad}");
        }
        // Cut inside the array: no `]`.
        let text = snapshot_text(&format!("[{}", many.join(",\n")), "");
        let (_dir, path) = write("s.json", &text[..text.len() - 1]);
        assert!(load(&path).is_none());
    }

    #[test]
    fn the_guess_is_a_brace_after_a_brace_and_a_comma() {
        assert_eq!(element_start_after(br#"{"a": 1} , {"b": 2}"#, 0), Some(11));
        assert_eq!(element_start_after(br#"{"a": 1}, {"b": 2}"#, 9), None);
        assert_eq!(element_start_after(br#"{"a": [1, 2]}, 3"#, 0), None);
        assert_eq!(element_start_after(b"}, {", 0), Some(3));
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
            // So do an account its ARN contradicts and an empty tag key, checked beside the
            // rest of the file.
            (
                r#"[{"arn": "arn:aws:sqs:eu-west-1:111111111111:q", "account": "222222222222",
   "region": "eu-west-1", "type": "sqs", "tags": {}, "sources": ["tagging-api"]}]"#
                    .to_string(),
                "",
            ),
            (
                r#"[{"arn": "arn:aws:sqs:eu-west-1:111111111111:q", "account": "111111111111",
   "region": "eu-west-1", "type": "sqs", "tags": {"": "x"}, "sources": ["tagging-api"]}]"#
                    .to_string(),
                "",
            ),
            // A second `resources` after the costs, in the part of the file kept unscanned.
            ("[]".to_string(), r#", "costs": {"lines": []}, "resources": []"#),
            // A currency the money checks refuse, in that part.
            (
                "[]".to_string(),
                r#", "costs": {"lines": [{"period": {"start": "2026-11-01", "end": "2026-11-02"},
  "account": "111111111111", "service": "S", "amount": "1.00", "currency": "XYZ",
  "charge_category": "usage"}]}"#,
            ),
        ] {
            let text = snapshot_text(&resources, after);
            let (_dir, path) = write("s.json", &text);
            assert!(load(&path).is_none(), "{resources}{after}");
            assert!(Snapshot::load(&path).is_err());
        }
    }
}
