//! Root modules under the paths given to `tally lint`: a whole repository in one run, as
//! `tflint --recursive` or `checkov -d` scan one, and files the way pre-commit passes them.
//!
//! The rule, applied per path given:
//! - a file (`.tf` or `.tf.json`) stands for its directory, which is linted as a root;
//! - a directory is walked (sorted, symlinks not followed, hidden directories such as
//!   `.terraform` and `.git` skipped). Every directory holding `.tf` or `.tf.json` files is a
//!   module. A module is a root unless another module found in the same walk calls it through a
//!   local `source = "./.."` or `"../.."`: then it is linted as instantiated by its callers,
//!   with their arguments, which is what Terraform would create. So `modules/vpc` called from
//!   `envs/prod` is linted through `envs/prod`, and a module collection whose `examples/*`
//!   call `../../` is linted through its examples. When every module of a walk is called by
//!   another (a cycle), every module is a root rather than none.
//! - a path with no Terraform file at all is an input error ("no Terraform files in X"), so a
//!   gate pointed at the wrong place fails instead of passing.
//!
//! Local calls are found with a textual scan for `source = "./..."` (cheap, and a false match
//! only turns a root into a called module, which is still linted through its caller).
//! Roots are returned sorted and deduplicated, relative to the working directory when they are
//! under it, so report paths read the same however the paths were given.

use std::collections::{HashMap, VecDeque};
use std::ffi::OsString;
use std::path::{Component, Path, PathBuf};
use std::sync::{Arc, Condvar, Mutex, MutexGuard, OnceLock, PoisonError};

use regex::Regex;

use super::hcl::{is_terraform_file, WalkedDir};
use crate::error::InputError;

/// Maps keyed by paths: foldhash, not SipHash.
type FastMap<K, V> = HashMap<K, V, foldhash::fast::RandomState>;

/// The root modules to lint for `paths` (see the module documentation for the rule).
pub fn find_roots(paths: &[PathBuf]) -> Result<Vec<PathBuf>, InputError> {
    find_roots_and_users(paths).map(|walked| walked.roots)
}

/// What one walk of the paths found: the roots, who uses which module, and every directory
/// holding Terraform files it listed, with the texts of the files it read.
pub struct Walked {
    /// The root modules, sorted.
    pub roots: Vec<PathBuf>,
    /// For each module directory the walk found, how many of the roots reach it through local
    /// calls (the root itself included), keyed as the code reader names module directories.
    pub users: FastMap<PathBuf, usize>,
    /// The directories with Terraform files the walk listed (it reads each file for local
    /// calls), keyed by [`super::hcl::text_key`], so that the code reader need not list them
    /// nor read their files again. A file that could not be read as UTF-8 text has no text
    /// there: the reader reports it.
    pub dirs: Vec<(PathBuf, WalkedDir)>,
}

/// [`find_roots`], and for each module directory the walk found, how many of the roots reach
/// it through local calls. A module reached by several roots can be parsed once for all of
/// them ([`super::hcl::SharedModules`]); the count says when the last of them is done with it.
pub fn find_roots_and_users(paths: &[PathBuf]) -> Result<Walked, InputError> {
    let cwd = std::env::current_dir().ok();
    let mut roots = Vec::new();
    let mut users: FastMap<PathBuf, usize> = FastMap::default();
    let mut dirs = Vec::new();
    for path in paths {
        let meta = std::fs::metadata(path).map_err(|e| InputError::io(path, e))?;
        if meta.is_file() {
            let name = path.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
            if !is_terraform_file(&name) {
                return Err(InputError::Usage(format!(
                    "{}: not a Terraform file (expected .tf or .tf.json)",
                    path.display()
                )));
            }
            let dir = match path.parent() {
                Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
                _ => PathBuf::from("."),
            };
            roots.push(relative(&dir, cwd.as_deref()));
            continue;
        }
        // Through `..` a path may name another file than its lexical form (`link/..`); the
        // reader reads lexical forms, so such a walk keeps nothing and the reader reads them.
        let keep = cwd.as_deref().filter(|_| !path.components().any(|c| c == Component::ParentDir));
        let modules = walk(path, keep, &mut dirs)?;
        if modules.keys.is_empty() {
            return Err(InputError::Usage(format!("no Terraform files in {}", path.display())));
        }
        let reached = modules.users();
        for (i, key) in modules.keys.iter().enumerate() {
            if reached[i] > 0 {
                *users.entry(relative(key, cwd.as_deref())).or_default() += reached[i];
            }
        }
        roots.extend(modules.roots().map(|i| relative(&modules.keys[i], cwd.as_deref())));
    }
    // One walk finds its roots in order; several paths, or roots made relative to the working
    // directory next to others that are not, may not be.
    if !roots.is_sorted() {
        roots.sort();
    }
    roots.dedup();
    Ok(Walked { roots, users, dirs })
}

/// The module directories of one walk (sorted) and the local calls between them.
struct Modules {
    /// Normalised directories, in `Path` order.
    keys: Vec<PathBuf>,
    /// For each module, the modules of the walk it calls (by position in `keys`).
    calls: Vec<Vec<usize>>,
}

impl Modules {
    /// The modules no other module of the walk calls; all of them if that leaves none.
    fn roots(&self) -> impl Iterator<Item = usize> + '_ {
        let mut called = vec![false; self.keys.len()];
        for (caller, calls) in self.calls.iter().enumerate() {
            for &c in calls {
                if c != caller {
                    called[c] = true;
                }
            }
        }
        let none = called.iter().all(|&c| c);
        (0..self.keys.len()).filter(move |&i| none || !called[i])
    }

    /// For each module, how many of [`Self::roots`] reach it through local calls (a root
    /// reaches itself).
    fn users(&self) -> Vec<usize> {
        let mut users = vec![0; self.keys.len()];
        // `seen[m] == root + 1`: module `m` was reached from `root` already.
        let mut seen = vec![0usize; self.keys.len()];
        let mut stack = Vec::new();
        for root in self.roots() {
            stack.push(root);
            while let Some(module) = stack.pop() {
                if seen[module] != root + 1 {
                    seen[module] = root + 1;
                    users[module] += 1;
                    stack.extend(self.calls[module].iter().copied());
                }
            }
        }
        users
    }
}

/// Below this many files the walk reads them on the calling thread: a worker thread costs
/// about what reading and scanning a few dozen files does, and a small root is most of what
/// `tally lint` is run on.
const PARALLEL_MIN_FILES: usize = 64;

/// One directory entry: its name, its name as the reader spells it, and its kind.
struct Entry {
    name: OsString,
    lossy: String,
    dir: bool,
    /// A regular file (not a symlink), as the listing says.
    regular: bool,
}

/// The module directories under `dir` and the local calls between them. With `keep` (the
/// working directory), every directory holding Terraform files goes into `dirs`, with the
/// text of every file read.
fn walk(
    dir: &Path,
    keep: Option<&Path>,
    dirs: &mut Vec<(PathBuf, WalkedDir)>,
) -> Result<Modules, InputError> {
    // The directories are listed on this thread, subdirectories in the order of their names,
    // depth first, so that they come out in `Path` order; the files are read and scanned as
    // their directories are found, by helper threads once there are enough of them to pay for
    // one (this thread joins in when the listing is done). Nothing else can start before the
    // walk has found the roots.
    let mut found: Vec<(PathBuf, Vec<Entry>)> = Vec::new();
    // (directory, entry) of every Terraform file, in the order found.
    let mut jobs: Vec<(usize, usize)> = Vec::new();
    let queue = FileQueue::default();
    let scanned = std::thread::scope(|scope| -> Result<Vec<Scanned>, InputError> {
        // Helpers stop once the queue is closed, whichever way this closure returns.
        let _close = CloseOnDrop(&queue);
        let mut helpers = Vec::new();
        let mut stack = vec![dir.to_path_buf()];
        while let Some(current) = stack.pop() {
            let listing = match std::fs::read_dir(&current) {
                Ok(entries) => entries,
                // The directory the user named must be readable; below it, an unreadable
                // directory is skipped like any directory without Terraform files.
                Err(e) if current == dir => return Err(InputError::io(dir, e)),
                Err(e) => {
                    tracing::warn!(dir = %current.display(), error = %e, "directory not readable, skipped");
                    continue;
                }
            };
            let mut entries: Vec<Entry> = listing
                .filter_map(Result::ok)
                .filter_map(|entry| {
                    let kind = entry.file_type().ok()?;
                    let name = entry.file_name();
                    let lossy = name.to_string_lossy().into_owned();
                    Some(Entry { name, lossy, dir: kind.is_dir(), regular: kind.is_file() })
                })
                .collect();
            entries.sort_unstable_by(|a, b| a.name.cmp(&b.name));
            let before = stack.len();
            stack.extend(
                entries.iter().filter(|e| e.dir && !e.lossy.starts_with('.')).map(|e| current.join(&e.name)),
            );
            stack[before..].reverse();
            let files: Vec<usize> = (0..entries.len())
                .filter(|&e| !entries[e].dir && is_terraform_file(&entries[e].lossy))
                .collect();
            if files.is_empty() {
                continue;
            }
            let d = found.len();
            let shared_dir: Arc<Path> = Arc::from(current.as_path());
            queue.push(files.iter().enumerate().map(|(k, &e)| FileJob {
                id: jobs.len() + k,
                dir: Arc::clone(&shared_dir),
                name: entries[e].name.clone(),
                regular: entries[e].regular,
            }));
            jobs.extend(files.iter().map(|&e| (d, e)));
            found.push((current, entries));
            if helpers.is_empty() && jobs.len() >= PARALLEL_MIN_FILES {
                let more = crate::parallel::workers_for(usize::MAX).saturating_sub(1);
                helpers.extend((0..more).map(|_| scope.spawn(|| queue.work(keep.is_some()))));
            }
        }
        queue.close();
        let mut done = queue.work(keep.is_some());
        for helper in helpers {
            // A helper panics only on a bug: its panic is re-raised rather than a file lost.
            done.extend(helper.join().unwrap_or_else(|e| std::panic::resume_unwind(e)));
        }
        done.sort_unstable_by_key(|(id, _)| *id);
        Ok(done.into_iter().map(|(_, scanned)| scanned).collect())
    })?;

    let keys: Vec<PathBuf> = found.iter().map(|(current, _)| normalise(current)).collect();
    let index: FastMap<&Path, usize> = keys.iter().enumerate().map(|(i, k)| (k.as_path(), i)).collect();
    let mut calls: Vec<Vec<usize>> = vec![Vec::new(); keys.len()];
    let mut texts: Vec<FastMap<&str, String>> = Vec::new();
    texts.resize_with(found.len(), FastMap::default);
    for (&(d, e), (called, text)) in jobs.iter().zip(scanned) {
        calls[d].extend(called.iter().filter_map(|c| index.get(c.as_path()).copied()));
        if let Some(text) = text {
            let entry = &found[d].1[e];
            // The reader asks by the name it reads: only a name that is valid UTF-8 is that.
            if entry.name.to_str().is_some() {
                texts[d].insert(entry.lossy.as_str(), text);
            }
        }
    }
    if let Some(cwd) = keep {
        for ((current, entries), mut texts) in found.iter().zip(texts) {
            let listed = entries.iter().map(|e| (e.lossy.clone(), e.dir)).collect();
            let walked = WalkedDir::new(listed, |name| texts.remove(name));
            dirs.push((super::hcl::text_key(current, cwd), walked));
        }
    }
    debug_assert!(keys.is_sorted(), "the walk visits directories in Path order");
    Ok(Modules { keys, calls })
}

/// What reading one file gave: the normalised directories it calls locally, and its text
/// (kept when the walk hands texts over).
type Scanned = (Vec<PathBuf>, Option<String>);

/// One file for the walk to read.
struct FileJob {
    /// Its position among the files of the walk.
    id: usize,
    dir: Arc<Path>,
    name: OsString,
    /// Listed as a regular file (not a symlink).
    regular: bool,
}

impl FileJob {
    fn scan(&self, keep: bool) -> Scanned {
        let path = self.dir.join(&self.name);
        let read = if self.regular {
            crate::source::read_listed_regular(&path)
        } else {
            crate::source::read_regular(&path)
        };
        // An unreadable file is the loader's to report (with its path); here it calls nothing.
        let Some(text) = read.ok().and_then(|bytes| String::from_utf8(bytes).ok()) else {
            return (Vec::new(), None);
        };
        let calls = local_sources(&text).map(|s| normalise(&self.dir.join(s))).collect();
        (calls, keep.then_some(text))
    }
}

/// The files the walk has found and not yet read, taken by whichever thread is free.
#[derive(Default)]
struct FileQueue {
    state: Mutex<QueueState>,
    ready: Condvar,
}

#[derive(Default)]
struct QueueState {
    jobs: VecDeque<FileJob>,
    /// No more jobs will come.
    closed: bool,
    /// Threads waiting for a job (only they need waking).
    waiting: usize,
}

impl FileQueue {
    fn lock(&self) -> MutexGuard<'_, QueueState> {
        // Nothing panics while holding the lock; a poisoned queue is still a consistent queue.
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }

    fn push(&self, jobs: impl Iterator<Item = FileJob>) {
        let mut state = self.lock();
        state.jobs.extend(jobs);
        if state.waiting > 0 {
            self.ready.notify_all();
        }
    }

    fn close(&self) {
        self.lock().closed = true;
        self.ready.notify_all();
    }

    /// Read and scan jobs until the queue is closed and empty: (job id, what it gave).
    fn work(&self, keep: bool) -> Vec<(usize, Scanned)> {
        let mut done = Vec::new();
        loop {
            let job = {
                let mut state = self.lock();
                loop {
                    if let Some(job) = state.jobs.pop_front() {
                        break Some(job);
                    }
                    if state.closed {
                        break None;
                    }
                    state.waiting += 1;
                    state = self.ready.wait(state).unwrap_or_else(PoisonError::into_inner);
                    state.waiting -= 1;
                }
            };
            let Some(job) = job else { return done };
            done.push((job.id, job.scan(keep)));
        }
    }
}

/// Closes the queue when dropped, so that no helper waits for jobs that will not come.
struct CloseOnDrop<'q>(&'q FileQueue);

impl Drop for CloseOnDrop<'_> {
    fn drop(&mut self) {
        self.0.close();
    }
}

/// `source = "./x"` / `"../x"` values in native or JSON syntax: the captures of
/// `(?:^|[^\w-])"?source"?\s*[=:]\s*"(\.\.?/[^"]*)"`, left to right and not overlapping, as
/// the `regex` crate finds them. Scanned by hand: compiling that regex (Unicode `\w` and `\s`)
/// took longer than linting a small root (see docs/performance.md); `local_sources_match_the_regex`
/// holds the two to the same answers.
fn local_sources(text: &str) -> impl Iterator<Item = &str> {
    // `from`: where the next match may begin; `search`: where to look for the next `source`
    // (`source` is ASCII, so one past its first byte is a char boundary).
    // memchr's substring search: `str::find` took six times as long, on every file of the walk.
    static SOURCE: OnceLock<memchr::memmem::Finder<'static>> = OnceLock::new();
    let finder = SOURCE.get_or_init(|| memchr::memmem::Finder::new("source"));
    let (mut from, mut search) = (0, 0);
    std::iter::from_fn(move || loop {
        let at = search + finder.find(text.as_bytes().get(search..)?)?;
        search = at + 1;
        if let Some((value, end)) = local_source_at(text, from, at) {
            (from, search) = (end, end);
            return Some(value);
        }
    })
}

/// The match around the word `source` at `at` when there is one starting at or after `from`:
/// the captured value and the offset just past the closing quote.
fn local_source_at(text: &str, from: usize, at: usize) -> Option<(&str, usize)> {
    let before = &text[..at];
    // The match starts with `^` or one character that is neither a word character nor `-`,
    // then an optional quote. A quote just before `source` is such a character itself.
    let starts = match before.chars().next_back() {
        None => true,
        Some('"') => at > from,
        Some(c) => !(is_word_char(c) || c == '-') && at - c.len_utf8() >= from,
    };
    if !starts {
        return None;
    }
    let mut rest = &text[at + "source".len()..];
    rest = rest.strip_prefix('"').unwrap_or(rest);
    rest = rest.trim_start_matches(char::is_whitespace);
    rest = rest.strip_prefix(['=', ':'])?;
    rest = rest.trim_start_matches(char::is_whitespace);
    let value = rest.strip_prefix('"')?;
    if !(value.starts_with("./") || value.starts_with("../")) {
        return None;
    }
    let len = value.find('"')?;
    let start = text.len() - value.len();
    Some((&value[..len], start + len + 1))
}

/// The regex `\w`: ASCII letters, digits and `_`, and Unicode word characters beyond ASCII
/// (asked of the `regex` crate itself, so the two cannot disagree; real code never gets there).
fn is_word_char(c: char) -> bool {
    if c.is_ascii() {
        return c.is_ascii_alphanumeric() || c == '_';
    }
    static WORD: OnceLock<Regex> = OnceLock::new();
    let word = WORD.get_or_init(|| Regex::new(r"^\w$").unwrap_or_else(|e| panic!("{e}")));
    let mut buf = [0u8; 4];
    word.is_match(c.encode_utf8(&mut buf))
}

/// Lexically normalised: `.` dropped (a lone `.` kept), `a/..` folded.
fn normalise(path: &Path) -> PathBuf {
    super::hcl::normalise_path(path, false)
}

/// `path` relative to `cwd` when it is under it (absolute paths given for the working tree read
/// like relative ones); otherwise as given, normalised.
fn relative(path: &Path, cwd: Option<&Path>) -> PathBuf {
    let path = normalise(path);
    if let Some(rest) = cwd.and_then(|cwd| path.strip_prefix(cwd).ok()) {
        return if rest.as_os_str().is_empty() { PathBuf::from(".") } else { rest.to_path_buf() };
    }
    path
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tree(files: &[(&str, &str)]) -> PathBuf {
        static N: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);
        let n = N.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        let dir = std::env::temp_dir().join(format!("tally-roots-{}-{n}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        for (path, text) in files {
            let p = dir.join(path);
            std::fs::create_dir_all(p.parent().unwrap()).unwrap();
            std::fs::write(p, text).unwrap();
        }
        dir
    }

    fn names(dir: &Path, roots: &[PathBuf]) -> Vec<String> {
        roots
            .iter()
            .map(|r| {
                r.strip_prefix(dir).map_or_else(|_| r.display().to_string(), |p| p.display().to_string())
            })
            .collect()
    }

    #[test]
    fn called_modules_are_not_roots() {
        let dir = tree(&[
            ("envs/prod/main.tf", "module \"vpc\" {\n  source = \"../../modules/vpc\"\n}\n"),
            ("envs/dev/main.tf.json", r#"{"module": {"vpc": {"source": "../../modules/vpc"}}}"#),
            ("modules/vpc/main.tf", "resource \"aws_vpc\" \"v\" {}\n"),
            ("modules/vpc/README.md", "# not code\n"),
            ("standalone/x.tf", "resource \"aws_s3_bucket\" \"b\" {}\n"),
            (".terraform/modules/m/main.tf", "resource \"aws_s3_bucket\" \"b\" {}\n"),
            ("docs/readme.txt", ""),
        ]);
        let roots = find_roots(std::slice::from_ref(&dir)).unwrap();
        assert_eq!(names(&dir, &roots), ["envs/dev", "envs/prod", "standalone"]);
        let _ = std::fs::remove_dir_all(&dir);
    }

    #[test]
    fn users_count_the_roots_that_reach_each_module() {
        let dir = tree(&[
            ("envs/prod/main.tf", "module \"vpc\" {\n  source = \"../../modules/vpc\"\n}\n"),
            ("envs/dev/main.tf", "module \"vpc\" {\n  source = \"../../modules/vpc\"\n}\n"),
            ("modules/vpc/main.tf", "module \"sub\" {\n  source = \"./sub\"\n}\n"),
            ("modules/vpc/sub/main.tf", "resource \"aws_vpc\" \"v\" {}\n"),
            ("standalone/x.tf", "resource \"aws_s3_bucket\" \"b\" {}\n"),
        ]);
        let Walked { roots, users, .. } = find_roots_and_users(std::slice::from_ref(&dir)).unwrap();
        assert_eq!(names(&dir, &roots), ["envs/dev", "envs/prod", "standalone"]);
        let mut users: Vec<(PathBuf, usize)> = users.into_iter().collect();
        users.sort();
        let keys: Vec<PathBuf> = users.iter().map(|(k, _)| k.clone()).collect();
        let counts: Vec<(String, usize)> =
            names(&dir, &keys).into_iter().zip(users.iter().map(|(_, n)| *n)).collect();
        let expected = [
            ("envs/dev", 1),
            ("envs/prod", 1),
            ("modules/vpc", 2),
            ("modules/vpc/sub", 2),
            ("standalone", 1),
        ];
        assert_eq!(counts, expected.map(|(k, n)| (k.to_string(), n)));
        let _ = std::fs::remove_dir_all(&dir);
    }

    /// The walk hands over the listing of every directory with Terraform files and the text
    /// of every file it read, under the key the reader looks up (whether it names the directory
    /// relative or absolute), on one thread or several; a path given with `..` keeps none, and a
    /// file that is not UTF-8 is left for the reader to report.
    #[test]
    fn the_walk_keeps_the_texts_it_read() {
        let mut files: Vec<(String, String)> = (0..PARALLEL_MIN_FILES + 6)
            .map(|i| (format!("m{}/f{i}.tf", i % 7), format!("# file {i}\n")))
            .collect();
        files.push(("app/main.tf".into(), "module \"m\" {\n  source = \"../m0\"\n}\n".into()));
        let refs: Vec<(&str, &str)> = files.iter().map(|(p, t)| (p.as_str(), t.as_str())).collect();
        for n in [1, refs.len()] {
            let dir = tree(&refs[refs.len() - n..]);
            std::fs::write(dir.join("app/bad.tf"), b"\xff\xfe").unwrap();
            std::fs::create_dir(dir.join("app/.terraform")).unwrap();
            let walked = find_roots_and_users(std::slice::from_ref(&dir)).unwrap();
            let cwd = std::env::current_dir().unwrap();
            let dirs: HashMap<PathBuf, WalkedDir> = walked.dirs.into_iter().collect();
            let mut taken = 0;
            for (path, text) in &refs[refs.len() - n..] {
                let via = dir.join(path.replace("m0/", "app/../m0/"));
                let key = super::super::hcl::text_key(via.parent().unwrap(), &cwd);
                let name = via.file_name().unwrap().to_str().unwrap();
                let listed = dirs.get(&key).unwrap_or_else(|| panic!("{path}: directory not listed"));
                assert_eq!(listed.take_text(name).as_deref(), Some(*text), "{path}");
                assert_eq!(listed.take_text(name), None, "{path}: taken once");
                taken += 1;
            }
            assert_eq!(taken, n);
            let app = &dirs[&super::super::hcl::text_key(&dir.join("app"), &cwd)];
            assert_eq!(app.take_text("bad.tf"), None, "not UTF-8: the reader reports it");
            assert!(app.has(".terraform") && app.has("bad.tf") && !app.has("m0"));
            let users = walked.users;
            assert_eq!(users.get(&normalise(&dir.join("m0"))), if n == 1 { None } else { Some(&1) });
            let dotted = dir.join("app/..");
            assert!(find_roots_and_users(&[dotted]).unwrap().dirs.is_empty());
            let _ = std::fs::remove_dir_all(&dir);
        }
    }

    #[test]
    fn a_module_collection_is_linted_through_its_examples() {
        let dir = tree(&[
            ("main.tf", "resource \"aws_s3_bucket\" \"b\" {}\n"),
            ("examples/complete/main.tf", "module \"b\" {\n  source = \"../../\"\n}\n"),
        ]);
        let roots = find_roots(std::slice::from_ref(&dir)).unwrap();
        assert_eq!(names(&dir, &roots), ["examples/complete"]);
        let _ = std::fs::remove_dir_all(&dir);
    }

    #[test]
    fn a_cycle_keeps_every_module() {
        let dir = tree(&[
            ("a/main.tf", "module \"b\" {\n  source = \"../b\"\n}\n"),
            ("b/main.tf", "module \"a\" {\n  source = \"../a\"\n}\n"),
        ]);
        let roots = find_roots(std::slice::from_ref(&dir)).unwrap();
        assert_eq!(names(&dir, &roots), ["a", "b"]);
        let _ = std::fs::remove_dir_all(&dir);
    }

    #[test]
    fn files_stand_for_their_directories() {
        let dir = tree(&[("a/main.tf", ""), ("a/vars.tf", ""), ("b/x.tf.json", "{}"), ("b/notes.md", "")]);
        let paths = [dir.join("a/main.tf"), dir.join("a/vars.tf"), dir.join("b/x.tf.json")];
        let roots = find_roots(&paths).unwrap();
        assert_eq!(names(&dir, &roots), ["a", "b"]);
        let err = find_roots(&[dir.join("b/notes.md")]).unwrap_err();
        assert!(err.to_string().contains("not a Terraform file"), "{err}");
        let _ = std::fs::remove_dir_all(&dir);
    }

    #[test]
    fn no_terraform_is_an_error_naming_the_path() {
        let dir = tree(&[("docs/readme.md", ""), (".terraform/x.tf", "")]);
        let err = find_roots(std::slice::from_ref(&dir)).unwrap_err();
        assert!(matches!(err, InputError::Usage(_)));
        assert_eq!(err.to_string(), format!("no Terraform files in {}", dir.display()));
        assert!(find_roots(&[dir.join("missing")]).is_err());
        let _ = std::fs::remove_dir_all(&dir);
    }

    #[test]
    fn local_sources_in_both_syntaxes() {
        let text =
            "module \"a\" {\n  source = \"./a\"\n}\nmodule \"r\" {\n  source = \"hashicorp/x/aws\"\n}\n\
                    {\"source\": \"../b\"}\n";
        let found: Vec<&str> = local_sources(text).collect();
        assert_eq!(found, ["./a", "../b"]);
        assert_eq!(normalise(Path::new("./a/../b/./c")), PathBuf::from("b/c"));
        assert_eq!(normalise(Path::new("./")), PathBuf::from("."));
    }

    /// The hand scanner against the regex it replaces, on real shapes and on the edges of the
    /// pattern (prefix characters, quotes, separators, overlapping and unterminated matches).
    #[test]
    fn local_sources_match_the_regex() {
        let re = Regex::new(r#"(?:^|[^\w-])"?source"?\s*[=:]\s*"(\.\.?/[^"]*)""#).unwrap();
        let cases = [
            "module \"a\" {\n  source = \"./a\"\n}\n",
            "source=\"./x\"",
            "\"source\":\"../y\"",
            "\"source\" : \"../y\" , \"source\": \"./z\"",
            "xsource = \"./no\"",
            "-source = \"./no\"",
            "_source = \"./no\"",
            "\u{e9}source = \"./no\"",
            "\u{2003}source = \"./yes\"",
            "\u{00a0}source\u{00a0}=\u{2003}\"./yes\"",
            "source = \"./a\"source = \"./b\"",
            "source = \"./a\" source = \"./b\"",
            "source = \"./a\"\"source = \"./b\"",
            "source = \".x/\"",
            "source = \"..x\"",
            "source = \".../x\"",
            "source = \"./unterminated",
            "source = \"./multi\nline\"",
            "sourcesource = \"./x\"",
            " sourcesource = \"./x\"",
            "source \"=\"./x\"",
            "source\" = \"./x\"",
            "\"\"source = \"./x\"",
            "source = \"../\"",
            "# source = \"./commented\"",
            "tags = { source = \"./tag\" }",
            "",
            "source",
            "source =",
            "\u{1F600}source = \"./emoji\"",
        ];
        for text in cases {
            let want: Vec<&str> =
                re.captures_iter(text).filter_map(|c| c.get(1)).map(|m| m.as_str()).collect();
            let got: Vec<&str> = local_sources(text).collect();
            assert_eq!(got, want, "{text:?}");
        }
    }
}
