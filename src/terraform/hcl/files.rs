//! Files: reading and parsing `*.tf` / `*.tf.json` files (in parallel), the module tree reached
//! through local module sources, and path and literal helpers shared by the reader.

use std::collections::HashMap;
use std::ops::Range;
use std::path::{Component, Path, PathBuf};
use std::sync::{Arc, Mutex};

use hcl_edit::expr::{Expression, TraversalOperator};
use hcl_edit::structure::Body;

use super::MAX_MODULE_DEPTH;
use crate::error::InputError;
use crate::model::{Diagnostic, SourceLocation};
use crate::source::{strip_bom, LineIndex};

/// One parsed file with the index that turns byte offsets into line and column.
pub(super) struct SourceFile {
    pub(super) path: String,
    pub(super) text: String,
    pub(super) lines: LineIndex,
    pub(super) body: Body,
    /// For a `.tf.json` file whose items could not all keep their JSON line: the JSON line of
    /// each line of `text` (index 0 is line 1).
    pub(super) json_lines: Option<Vec<u32>>,
    /// Whether reading `path` again and parsing it gives exactly `text` and `body`: a native
    /// syntax file read without a BOM through a path that is valid UTF-8 (`path` is its lossy
    /// display). Set by the reader of `.tf` files, false for any other source.
    pub(super) as_on_disk: bool,
}

impl SourceFile {
    /// Parse `text` (BOM already stripped); a parse error becomes a diagnostic at its position.
    pub(super) fn parse(path: String, text: String) -> Result<Self, Box<Diagnostic>> {
        let mut json_lines = None;
        let text = if path.ends_with(".tf.json") {
            match crate::terraform::json_syntax::to_native_mapped(&text) {
                Ok((native, lines)) => {
                    json_lines = lines;
                    native
                }
                Err(err) => {
                    return Err(Box::new(hcl_diagnostic(
                        SourceLocation::at(path, to_u32(err.line), to_u32(err.column)),
                        format!("cannot parse (JSON syntax): {}", err.message),
                    )))
                }
            }
        } else {
            text
        };
        match crate::hcl_syntax::parse_code(&text) {
            Ok(body) => {
                Ok(Self { path, lines: LineIndex::new(&text), text, body, json_lines, as_on_disk: false })
            }
            Err(err) => Err(Box::new(hcl_diagnostic(
                SourceLocation::at(
                    path,
                    json_line(json_lines.as_deref(), to_u32(err.line)),
                    to_u32(err.column),
                ),
                format!("cannot parse: {}", err.message),
            ))),
        }
    }

    /// 1-based line and column (in characters) of a byte offset.
    pub(super) fn location_of(&self, offset: usize) -> SourceLocation {
        let (line, column) = self.lines.line_col_chars(&self.text, offset);
        SourceLocation::at(self.path.clone(), json_line(self.json_lines.as_deref(), line), column)
    }

    pub(super) fn location(&self, span: Option<Range<usize>>) -> SourceLocation {
        match span {
            Some(span) => self.location_of(span.start),
            None => SourceLocation::file(self.path.clone()),
        }
    }
}

/// The JSON line of a line of the native text translated from a `.tf.json` file (`lines`: see
/// [`SourceFile::json_lines`]); the line itself otherwise.
fn json_line(lines: Option<&[u32]>, line: u32) -> u32 {
    lines.and_then(|map| map.get((line as usize).saturating_sub(1)).copied()).unwrap_or(line)
}

pub(super) fn to_u32(n: usize) -> u32 {
    u32::try_from(n).unwrap_or(u32::MAX)
}

pub(super) fn hcl_diagnostic(location: SourceLocation, message: impl Into<String>) -> Diagnostic {
    Diagnostic {
        source: "hcl".into(),
        location: Some(location),
        account: None,
        region: None,
        message: message.into(),
    }
}

/// Read a text file as UTF-8 without a leading BOM.
pub(super) fn read_text(path: &Path) -> std::io::Result<String> {
    read_utf8(path).map(without_bom)
}

fn read_utf8(path: &Path) -> std::io::Result<String> {
    let bytes = crate::source::read_regular(path)?;
    String::from_utf8(bytes)
        .map_err(|_| std::io::Error::new(std::io::ErrorKind::InvalidData, "file is not valid UTF-8"))
}

fn without_bom(text: String) -> String {
    match strip_bom(&text) {
        rest if rest.len() == text.len() => text,
        rest => rest.to_string(),
    }
}

/// The key under which the roots walk hands a file's text to the reader: the path made
/// absolute against `cwd` and normalised lexically, so `envs/a/../../modules/x/main.tf` and
/// `/repo/modules/x/main.tf` are one file (the reader reads lexical forms; the walk keeps no
/// text for paths given with `..`, see [`crate::terraform::roots`]).
pub(crate) fn text_key(path: &Path, cwd: &Path) -> PathBuf {
    if path.is_absolute() {
        normalise_path(path, false)
    } else {
        normalise_path(&cwd.join(path), false)
    }
}

/// Lexically normalised path: no `.` (except a leading one), `a/..` folded.
pub(super) fn normalise(path: &Path) -> PathBuf {
    normalise_path(path, true)
}

/// Whether a file name is Terraform code (native or JSON syntax).
pub(crate) fn is_terraform_file(name: &str) -> bool {
    name.ends_with(".tf") || name.ends_with(".tf.json")
}

/// Lexically normalised path: `a/..` folded, `.` dropped except a leading one when
/// `keep_leading_dot` (a lone `.` is kept either way).
pub(crate) fn normalise_path(path: &Path, keep_leading_dot: bool) -> PathBuf {
    // Most paths are normal already (the walk's directories, the reader's files): a copy, not
    // a rebuild from components (~2% of linting a corpus).
    if is_normal(path) {
        return path.to_path_buf();
    }
    normalise_components(path, keep_leading_dot)
}

/// Whether `path` is its own normal form: no `.` or `..` component, no empty one (`a//b`, a
/// trailing `/`), so that rebuilding it from its components gives the same bytes.
#[cfg(unix)]
fn is_normal(path: &Path) -> bool {
    use std::os::unix::ffi::OsStrExt;
    let bytes = path.as_os_str().as_bytes();
    if bytes.is_empty() || bytes.ends_with(b"/") {
        return false;
    }
    let rest = bytes.strip_prefix(b"/").unwrap_or(bytes);
    rest.split(|&b| b == b'/').all(|part| !part.is_empty() && part != b"." && part != b"..")
}

#[cfg(not(unix))]
fn is_normal(_: &Path) -> bool {
    false
}

fn normalise_components(path: &Path, keep_leading_dot: bool) -> PathBuf {
    let mut out: Vec<Component<'_>> = Vec::new();
    for c in path.components() {
        match c {
            Component::CurDir if keep_leading_dot && out.is_empty() => out.push(c),
            Component::CurDir => {}
            Component::ParentDir => match out.last() {
                Some(Component::Normal(_)) => {
                    out.pop();
                }
                Some(Component::RootDir | Component::Prefix(_)) => {}
                _ => out.push(c),
            },
            _ => out.push(c),
        }
    }
    if out.is_empty() {
        PathBuf::from(".")
    } else {
        out.iter().collect()
    }
}

/// The parsed files of one module directory, and the diagnostics of those that did not parse.
pub(super) struct ParsedDir {
    pub(super) files: Vec<SourceFile>,
    pub(super) diagnostics: Vec<Diagnostic>,
}

/// Hasher for the maps keyed by paths: foldhash, not SipHash (a lookup per file and module).
type PathMap<V> = HashMap<PathBuf, V, foldhash::fast::RandomState>;

/// One directory as the roots walk listed it, with the texts of the Terraform files it read,
/// so that the code reader lists and reads it no second time.
pub struct WalkedDir {
    /// Every entry's name (lossy UTF-8, as the reader names files) and whether it is a
    /// directory (not following symlinks), sorted by name.
    entries: Vec<(String, bool)>,
    /// The Terraform files among `entries` ([`list_tf_files`] of the directory).
    tf_files: Vec<String>,
    /// The text the walk read for each of `tf_files` (none: not read as UTF-8 through that
    /// name); each is taken by the first load that reads its file.
    texts: Mutex<Vec<Option<String>>>,
}

impl WalkedDir {
    /// `entries`: every entry's name with whether it is a directory, in any order; `text`
    /// gives the text read for each Terraform file among them (by name).
    pub fn new(mut entries: Vec<(String, bool)>, mut text: impl FnMut(&str) -> Option<String>) -> Self {
        entries.sort_unstable();
        let tf_files: Vec<String> = entries
            .iter()
            .filter(|(name, dir)| !dir && is_terraform_file(name))
            .map(|(n, _)| n.clone())
            .collect();
        let texts = tf_files.iter().map(|name| text(name)).collect();
        WalkedDir { entries, tf_files, texts: Mutex::new(texts) }
    }

    /// The names of the entries, sorted.
    pub(super) fn names(&self) -> impl Iterator<Item = &str> {
        self.entries.iter().map(|(name, _)| name.as_str())
    }

    /// Whether an entry of this name exists (of any kind).
    pub(crate) fn has(&self, name: &str) -> bool {
        self.entries.binary_search_by(|(n, _)| n.as_str().cmp(name)).is_ok()
    }

    /// The text the walk read for the file `name`, if any and not yet taken.
    pub(crate) fn take_text(&self, name: &str) -> Option<String> {
        let i = self.tf_files.binary_search_by(|n| n.as_str().cmp(name)).ok()?;
        self.texts.lock().unwrap_or_else(std::sync::PoisonError::into_inner)[i].take()
    }
}

/// Module directories parsed once for all the roots of one run that reach them (`tally lint`
/// over a repository: a module collection's `examples/*` all call `../../`; in real corpora a
/// third of what the roots load is such a module loaded again). Only the directories the
/// caller expects two or more roots to load are kept, each until the last of them has loaded
/// it, so memory holds what is still to be shared, not every tree of the run. A directory a
/// root loads that was not expected is parsed as usual; one released too early is parsed again:
/// either way the result is what parsing it would give, the cache only saves the work.
pub struct SharedModules {
    dirs: Mutex<PathMap<Slot>>,
    /// Directories the roots walk listed, keyed by [`text_key`], with the texts of their files:
    /// a load lists none of them again, and reads a file only when its text was taken already.
    walked: PathMap<WalkedDir>,
    /// The working directory the keys of `walked` were made against.
    cwd: Option<PathBuf>,
}

struct Slot {
    users_left: usize,
    parsed: Option<Arc<ParsedDir>>,
}

impl SharedModules {
    /// `users`: module directory (named as the reader names it: the calling directory joined
    /// with the literal `source`, normalised) -> how many roots will load it.
    pub fn new(users: impl IntoIterator<Item = (PathBuf, usize)>) -> Self {
        let dirs = users
            .into_iter()
            .filter(|(_, n)| *n > 1)
            .map(|(key, users_left)| (key, Slot { users_left, parsed: None }))
            .collect();
        SharedModules { dirs: Mutex::new(dirs), walked: PathMap::default(), cwd: None }
    }

    /// Hand over the directories the roots walk listed (keyed by [`text_key`] against the
    /// working directory, which must not have changed since), so they are not listed nor
    /// their files read twice.
    #[must_use]
    pub fn with_walked(mut self, walked: impl IntoIterator<Item = (PathBuf, WalkedDir)>) -> Self {
        self.walked = walked.into_iter().collect();
        self.cwd = std::env::current_dir().ok().filter(|_| !self.walked.is_empty());
        self
    }

    /// The walk's listing of `dir`, if it listed it.
    pub(super) fn walked(&self, dir: &Path) -> Option<&WalkedDir> {
        let cwd = self.cwd.as_deref()?;
        self.walked.get(&text_key(dir, cwd))
    }

    /// The text the walk read for `path`, if any and not yet taken.
    fn take_text(&self, path: &Path) -> Option<String> {
        let name = path.file_name()?.to_str()?;
        self.walked(path.parent()?)?.take_text(name)
    }

    /// How many directories are kept now (parsed or waiting to be).
    pub fn len(&self) -> usize {
        self.lock().len()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    pub(super) fn get(&self, key: &Path) -> Option<Arc<ParsedDir>> {
        self.lock().get(key)?.parsed.clone()
    }

    fn offer(&self, key: &Path, parsed: &Arc<ParsedDir>) {
        if let Some(slot) = self.lock().get_mut(key) {
            slot.parsed.get_or_insert_with(|| Arc::clone(parsed));
        }
    }

    /// One root has loaded these directories: the last of their users drops them.
    fn release<'k>(&self, keys: impl Iterator<Item = &'k PathBuf>) {
        let mut dirs = self.lock();
        for key in keys {
            if let Some(slot) = dirs.get_mut(key) {
                slot.users_left = slot.users_left.saturating_sub(1);
                if slot.users_left == 0 {
                    dirs.remove(key);
                }
            }
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, PathMap<Slot>> {
        // Nothing panics while holding the lock; a poisoned map is still a consistent map.
        self.dirs.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
    }
}

/// The parsed files of every module directory reachable through local module sources, and of
/// the remote modules `terraform init` installed (see [`super::manifest`]).
pub(super) struct ModuleTree {
    pub(super) modules: HashMap<PathBuf, Arc<ParsedDir>>,
    /// Module directories that could not be read, with the reason.
    pub(super) unreadable: HashMap<PathBuf, String>,
}

impl ModuleTree {
    /// Breadth-first over local module sources; every file of a level is parsed in parallel.
    /// Called modules (not the root, which is read through the path the user gave) come from
    /// `shared` when another root already parsed them.
    pub(super) fn load(
        root: &Path,
        installed: &[PathBuf],
        serial: bool,
        shared: Option<&SharedModules>,
        diagnostics: &mut Vec<Diagnostic>,
    ) -> Result<Self, InputError> {
        let mut tree = ModuleTree { modules: HashMap::new(), unreadable: HashMap::new() };
        let root_names = tf_files_of(root, shared).map_err(|e| InputError::io(root, e))?;
        // The root is read through the path the user gave; children through their normalised key.
        let mut level: Vec<(PathBuf, PathBuf, Vec<String>)> =
            vec![(normalise(root), root.to_path_buf(), root_names)];
        for depth in 0..=MAX_MODULE_DEPTH {
            if level.is_empty() {
                break;
            }
            let cached: Vec<Option<Arc<ParsedDir>>> = level
                .iter()
                .map(|(key, _, _)| if depth == 0 { None } else { shared.and_then(|s| s.get(key)) })
                .collect();
            let jobs: Vec<(usize, PathBuf, String)> = level
                .iter()
                .enumerate()
                .filter(|(i, _)| cached[*i].is_none())
                .flat_map(|(i, (_, dir, names))| {
                    names.iter().map(move |name| {
                        let path = dir.join(name);
                        let display = path.to_string_lossy().into_owned();
                        (i, path, display)
                    })
                })
                .collect();
            let mut parsed: Vec<ParsedDir> =
                level.iter().map(|_| ParsedDir { files: Vec::new(), diagnostics: Vec::new() }).collect();
            for (i, result) in parse_parallel(jobs, serial, shared) {
                match result {
                    Ok(file) => parsed[i].files.push(file),
                    Err(diag) => parsed[i].diagnostics.push(*diag),
                }
            }
            let mut next: Vec<(PathBuf, PathBuf, Vec<String>)> = Vec::new();
            for (((key, _, _), fresh), cached) in level.into_iter().zip(parsed).zip(cached) {
                let dir = match cached {
                    Some(dir) => dir,
                    None => {
                        let dir = Arc::new(fresh);
                        if let (Some(shared), true) = (shared, depth > 0) {
                            shared.offer(&key, &dir);
                        }
                        dir
                    }
                };
                diagnostics.extend(dir.diagnostics.iter().cloned());
                if depth < MAX_MODULE_DEPTH {
                    // Installed remote modules are read with the root's children: which call
                    // uses which is settled by the loader through the manifest's keys.
                    let remote = if depth == 0 { installed } else { &[] };
                    for child in local_module_dirs(&dir.files, &key).into_iter().chain(remote.iter().cloned())
                    {
                        let seen = tree.modules.contains_key(&child)
                            || tree.unreadable.contains_key(&child)
                            || child == key
                            || next.iter().any(|(k, _, _)| *k == child);
                        if seen {
                            continue;
                        }
                        match tf_files_of(&child, shared) {
                            Ok(names) => next.push((child.clone(), child, names)),
                            Err(e) => {
                                tree.unreadable.insert(child, e.to_string());
                            }
                        }
                    }
                }
                tree.modules.insert(key, dir);
            }
            next.retain(|(k, _, _)| !tree.modules.contains_key(k));
            level = next;
        }
        if let Some(shared) = shared {
            // This root holds its own references to what it loaded; the cache's can go once
            // every expected root has taken its own.
            shared.release(tree.modules.keys());
        }
        Ok(tree)
    }
}

/// [`list_tf_files`], from the roots walk's listing when it listed `dir`.
fn tf_files_of(dir: &Path, shared: Option<&SharedModules>) -> std::io::Result<Vec<String>> {
    match shared.and_then(|s| s.walked(dir)) {
        Some(walked) => Ok(walked.tf_files.clone()),
        None => list_tf_files(dir),
    }
}

/// Names of the `*.tf` and `*.tf.json` files of `dir` (override files included), sorted.
pub(super) fn list_tf_files(dir: &Path) -> std::io::Result<Vec<String>> {
    let mut names = Vec::new();
    for entry in std::fs::read_dir(dir)? {
        let entry = entry?;
        let name = entry.file_name().to_string_lossy().into_owned();
        if is_terraform_file(&name) && entry.file_type().is_ok_and(|t| !t.is_dir()) {
            names.push(name);
        }
    }
    names.sort();
    Ok(names)
}

pub(super) type Parsed = Result<SourceFile, Box<Diagnostic>>;

/// Below this much text the files are parsed on the calling thread: starting workers (a
/// thread, its allocator heap and the fresh memory it touches) costs about what parsing this
/// much takes, and a small root is most of what `tally lint` is run on.
const PARALLEL_MIN_BYTES: usize = 128 << 10;

/// Read the files, then parse them, on every core when there is enough to parse. Results come
/// back in job order, so nothing downstream depends on scheduling.
pub(super) fn parse_parallel(
    jobs: Vec<(usize, PathBuf, String)>,
    serial: bool,
    shared: Option<&SharedModules>,
) -> Vec<(usize, Parsed)> {
    // (group, display, text without its BOM, whether the file is as it is on disk).
    type Job = (usize, String, Result<String, String>, bool);
    let texts: Vec<Job> = jobs
        .into_iter()
        .map(|(group, path, display)| {
            let text = match shared.and_then(|s| s.take_text(&path)) {
                Some(text) => Ok(text),
                None => read_utf8(&path).map_err(|e| e.to_string()),
            };
            let as_on_disk = display.ends_with(".tf")
                && path.to_str().is_some()
                && text.as_ref().is_ok_and(|t| !t.starts_with('\u{feff}'));
            (group, display, text.map(without_bom), as_on_disk)
        })
        .collect();
    let parse_owned = |(group, display, text, as_on_disk): Job| -> (usize, Parsed) {
        let result = match text {
            Ok(text) => SourceFile::parse(display, text).map(|file| SourceFile { as_on_disk, ..file }),
            Err(e) => {
                Err(Box::new(hcl_diagnostic(SourceLocation::file(display), format!("cannot read: {e}"))))
            }
        };
        (group, result)
    };
    let parse = |(group, display, text, as_on_disk): &Job| {
        parse_owned((*group, display.clone(), text.clone(), *as_on_disk))
    };
    let bytes: usize = texts.iter().map(|(_, _, t, _)| t.as_ref().map_or(0, String::len)).sum();
    if serial || texts.len() <= 1 || bytes < PARALLEL_MIN_BYTES {
        return texts.into_iter().map(parse_owned).collect();
    }
    // A worker panics only on a bug in the parser: the panic is re-raised, no file is lost.
    crate::parallel::map_ordered(&texts, crate::parallel::workers_for(texts.len()), parse)
}

/// Normalised directories of the local module sources called from these files.
pub(super) fn local_module_dirs(files: &[SourceFile], dir: &Path) -> Vec<PathBuf> {
    files
        .iter()
        .flat_map(|f| f.body.blocks())
        .filter(|b| b.ident.as_str() == "module")
        .filter_map(|b| literal_string(b.body.get_attribute("source").map(|a| &a.value)?))
        .filter(|s| is_local_source(s))
        .map(|s| normalise(&dir.join(s)))
        .collect()
}

pub(super) fn is_local_source(source: &str) -> bool {
    source.starts_with("./") || source.starts_with("../")
}

pub(super) fn literal_string(expr: &Expression) -> Option<String> {
    match expr {
        Expression::String(s) => Some(s.value().clone()),
        Expression::StringTemplate(t) => {
            t.iter().map(|e| e.as_literal().map(|l| l.value().as_str())).collect::<Option<String>>()
        }
        _ => None,
    }
}

/// `aws`, `aws.west`: a provider reference written as a traversal.
pub(super) fn reference_text(expr: &Expression) -> Option<String> {
    match expr {
        Expression::Variable(v) => Some(v.as_str().to_string()),
        Expression::Traversal(t) => {
            let mut out = match &t.expr {
                Expression::Variable(v) => v.as_str().to_string(),
                _ => return None,
            };
            for op in &t.operators {
                match op.value() {
                    TraversalOperator::GetAttr(name) => {
                        out.push('.');
                        out.push_str(name.as_str());
                    }
                    _ => return None,
                }
            }
            Some(out)
        }
        Expression::String(s) => Some(s.value().clone()),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The copy taken for a path already normal is what the rebuild from components gives.
    #[test]
    fn normal_paths_are_copied_as_the_rebuild_gives_them() {
        let paths = [
            "",
            ".",
            "..",
            "/",
            "//",
            "a",
            "a/b",
            "/a/b",
            "a/",
            "a//b",
            "./a",
            "../a",
            "a/.",
            "a/..",
            "a/./b",
            "a/../b",
            "/..",
            "/./a",
            ".a/..b/...",
            "a/.b",
            "//a",
            "a/b/",
            "é/ü",
        ];
        let mut normal = 0;
        for p in paths {
            for keep in [false, true] {
                let path = Path::new(p);
                assert_eq!(normalise_path(path, keep), normalise_components(path, keep), "{p:?} {keep}");
            }
            normal += usize::from(is_normal(Path::new(p)));
        }
        assert_eq!(normal, if cfg!(unix) { 6 } else { 0 }, "the copy is taken");
    }
}
