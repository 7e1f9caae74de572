//! Byte offsets to line:column, shared by every reader that keeps spans, and the one gate every
//! reader of a user's file goes through: only regular files (after following symlinks) are read,
//! so a FIFO, device, directory, dangling symlink or symlink loop is an error naming it, never a
//! hang or a silent default.

use std::fs::{File, Metadata};
use std::io::{self, Read};
use std::path::Path;

/// Start offsets of every line of one file; built once, queried per span.
#[derive(Debug, Clone)]
pub struct LineIndex {
    starts: Vec<usize>,
}

impl LineIndex {
    pub fn new(text: &str) -> Self {
        // memchr's vectorised search: `match_indices('\n')` took twice as long over a corpus
        // (every file read by `tally lint` is indexed). One line per ~32 bytes of Terraform.
        let mut starts = Vec::with_capacity(text.len() / 32 + 2);
        starts.push(0);
        starts.extend(memchr::memchr_iter(b'\n', text.as_bytes()).map(|i| i + 1));
        Self { starts }
    }

    /// 1-based line and column (column in bytes + 1) of a byte offset.
    pub fn line_col(&self, offset: usize) -> (u32, u32) {
        let line = self.starts.partition_point(|&s| s <= offset).saturating_sub(1);
        let col = offset - self.starts[line];
        (to_u32(line + 1), to_u32(col + 1))
    }
}

impl LineIndex {
    /// 1-based line and column counted in characters, as editors show them.
    pub fn line_col_chars(&self, text: &str, offset: usize) -> (u32, u32) {
        let line = self.starts.partition_point(|&s| s <= offset).saturating_sub(1);
        let start = self.starts[line];
        let col = text.get(start..offset).map_or(offset.saturating_sub(start), |s| s.chars().count());
        (to_u32(line + 1), to_u32(col + 1))
    }
}

fn to_u32(n: usize) -> u32 {
    u32::try_from(n).unwrap_or(u32::MAX)
}

/// Remove a leading UTF-8 byte-order mark, which Terraform accepts and hcl-edit does not.
pub fn strip_bom(text: &str) -> &str {
    text.strip_prefix('\u{feff}').unwrap_or(text)
}

/// What `path` is when it is not a regular file, as an `io::Error` the caller wraps with the
/// path. `metadata` follows symlinks; `symlink_metadata` tells a dangling link from a missing file.
pub fn check_regular(path: &Path) -> io::Result<Metadata> {
    match std::fs::metadata(path) {
        Ok(meta) if meta.is_file() => Ok(meta),
        Ok(meta) => Err(io::Error::new(io::ErrorKind::InvalidInput, not_regular(&meta))),
        Err(e) => match std::fs::symlink_metadata(path) {
            Ok(link) if link.file_type().is_symlink() => {
                let what = if e.kind() == io::ErrorKind::NotFound {
                    "a dangling symlink (its target does not exist)".to_string()
                } else {
                    format!("a symlink that cannot be followed (a loop?): {e}")
                };
                Err(io::Error::new(io::ErrorKind::InvalidInput, format!("not a regular file: {what}")))
            }
            _ => Err(e),
        },
    }
}

fn not_regular(meta: &Metadata) -> String {
    let kind = meta.file_type();
    let what = if kind.is_dir() {
        "a directory"
    } else if special_kind(&kind) == Some("fifo") {
        "a FIFO (named pipe)"
    } else if special_kind(&kind) == Some("socket") {
        "a socket"
    } else if special_kind(&kind) == Some("device") {
        "a device"
    } else {
        "not a file"
    };
    format!("not a regular file: {what}")
}

#[cfg(unix)]
fn special_kind(kind: &std::fs::FileType) -> Option<&'static str> {
    use std::os::unix::fs::FileTypeExt;
    if kind.is_fifo() {
        Some("fifo")
    } else if kind.is_socket() {
        Some("socket")
    } else if kind.is_block_device() || kind.is_char_device() {
        Some("device")
    } else {
        None
    }
}

#[cfg(not(unix))]
fn special_kind(_kind: &std::fs::FileType) -> Option<&'static str> {
    None
}

/// Open a regular file for reading; anything else is an error before `open` (which would block
/// forever on a FIFO without a writer).
pub fn open_regular(path: &Path) -> io::Result<File> {
    check_regular(path)?;
    File::open(path)
}

/// The bytes of a regular file.
///
/// Read into a buffer sized from [`check_regular`]'s metadata: std's `read_to_end` on a `File`
/// asks the kernel again for a size hint (`statx` and `lseek`), two of the six system calls a
/// small file cost (`tally lint` reads every file of a repository). A file that grew since is
/// still read whole.
pub fn read_regular(path: &Path) -> io::Result<Vec<u8>> {
    let size = check_regular(path)?.len();
    read_sized(File::open(path)?, size)
}

/// [`read_regular`] for a file a directory listing just called a regular file (not a
/// symlink): opened first and asked through its descriptor what it is, one lookup of the path
/// instead of two. Should the entry have become something else since it was listed, the file
/// is let go and [`read_regular`] says what it is; it is opened without waiting
/// (`O_NONBLOCK`), so that a FIFO put there in the meantime cannot hang the open.
pub fn read_listed_regular(path: &Path) -> io::Result<Vec<u8>> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        let opened = std::fs::OpenOptions::new().read(true).custom_flags(libc::O_NONBLOCK).open(path);
        if let Ok(file) = opened {
            let meta = file.metadata()?;
            if meta.is_file() {
                return read_sized(file, meta.len());
            }
        }
    }
    read_regular(path)
}

/// From this size a file is read into transparent huge pages: a 12 MB plan read into 4 KiB
/// pages took ~3,000 page faults, 40% of a `tally plan` run's faults and a sixth of its time,
/// each one a kernel entry to zero one page and copy 4 KiB into it.
const HUGE_READ: usize = 4 << 20;

/// Asks the kernel for transparent huge pages under the whole 2 MiB pages of `items`, for
/// large buffers about to be filled: one fault maps 2 MiB instead of 4 KiB, and the TLB holds
/// 512 times as much of them. A hint only: the memory stays what it was, and where huge pages
/// are off (or on other systems) nothing changes.
#[cfg(target_os = "linux")]
#[allow(unsafe_code)]
pub fn advise_huge_pages<T>(items: &[T]) {
    const HUGE: usize = 2 << 20;
    let start = items.as_ptr() as usize;
    let end = start + std::mem::size_of_val(items);
    let (first, last) = (start.next_multiple_of(HUGE), end / HUGE * HUGE);
    if last > first {
        let at = items.as_ptr().cast::<u8>().wrapping_add(first - start).cast_mut();
        // SAFETY: [first, last) lies within `items`, memory its owner holds, and is
        // page-aligned; `MADV_HUGEPAGE` neither reads, writes nor frees memory: it only marks
        // the range as wanting huge pages when its pages are first touched (or, for pages
        // already touched, as worth collapsing later). A failure (an old kernel) leaves
        // ordinary pages: the result is not needed.
        let _ = unsafe { libc::madvise(at.cast(), last - first, libc::MADV_HUGEPAGE) };
    }
}

#[cfg(not(target_os = "linux"))]
pub fn advise_huge_pages<T>(_: &[T]) {}

/// Everything `file` holds; `size` is what its metadata said. A read that stops short of the
/// buffer exactly at `size` is the end (a regular file reads short only at its end); any other
/// read goes on until one returns nothing, so a file that grew, or a file system that reads
/// short, is still read whole.
fn read_sized(mut file: File, size: u64) -> io::Result<Vec<u8>> {
    let size = usize::try_from(size).unwrap_or(0);
    // One byte more than the size, so that a read can tell the file did not grow.
    let mut bytes = vec![0u8; size.saturating_add(1)];
    if size >= HUGE_READ {
        advise_huge_pages(&bytes);
    }
    let mut filled = 0;
    loop {
        if filled == bytes.len() {
            bytes.resize(bytes.len().saturating_mul(2), 0);
        }
        match file.read(&mut bytes[filled..]) {
            Ok(0) => break,
            Ok(n) => {
                filled += n;
                if filled == size && filled < bytes.len() {
                    break;
                }
            }
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e),
        }
    }
    bytes.truncate(filled);
    Ok(bytes)
}

/// The text of a regular file (UTF-8); not UTF-8 is the error std's `read_to_string` gives.
pub fn read_regular_to_string(path: &Path) -> io::Result<String> {
    String::from_utf8(read_regular(path)?)
        .map_err(|_| io::Error::new(io::ErrorKind::InvalidData, "stream did not contain valid UTF-8"))
}

/// Whether a directory scan should read this entry: regular files (through symlinks) yes; a
/// special file, a dangling link or a loop no, with the reason for a diagnostic.
pub fn scan_entry(path: &Path) -> Result<(), String> {
    check_regular(path).map(|_| ()).map_err(|e| e.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn line_and_column() {
        let idx = LineIndex::new("ab\ncd\n\nx");
        assert_eq!(idx.line_col(0), (1, 1));
        assert_eq!(idx.line_col(1), (1, 2));
        assert_eq!(idx.line_col(3), (2, 1));
        assert_eq!(idx.line_col(6), (3, 1));
        assert_eq!(idx.line_col(7), (4, 1));
        let text = "é = 1\nab";
        let idx = LineIndex::new(text);
        assert_eq!(idx.line_col_chars(text, 3), (1, 3), "é is one character");
        assert_eq!(idx.line_col_chars(text, 8), (2, 2), "byte 8 is the b of line 2");
    }

    /// The vectorised search finds the newlines a character scan finds, at every length and
    /// alignment around its blocks (empty, leading, trailing and doubled newlines, CRLF, UTF-8).
    #[test]
    fn line_starts_are_those_of_a_character_scan() {
        let pieces = ["", "\n", "a", "é\n", "\r\n", "xyz = 1\n", "\n\n", "ab"];
        let mut text = String::new();
        for i in 0..400 {
            let starts: Vec<usize> =
                std::iter::once(0).chain(text.match_indices('\n').map(|(i, _)| i + 1)).collect();
            assert_eq!(LineIndex::new(&text).starts, starts, "{text:?}");
            text.push_str(pieces[(i * 7 + i / 3) % pieces.len()]);
        }
    }

    #[cfg(unix)]
    #[test]
    fn special_files_are_refused_by_name() {
        let dir = std::env::temp_dir().join(format!("tally-source-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).expect("dir");
        let file = dir.join("ok.txt");
        std::fs::write(&file, "hi").expect("write");
        assert_eq!(read_regular_to_string(&file).expect("regular"), "hi");
        let link = dir.join("link");
        std::os::unix::fs::symlink(&file, &link).expect("symlink");
        assert_eq!(read_regular(&link).expect("through a symlink"), b"hi");
        let dangling = dir.join("dangling");
        std::os::unix::fs::symlink(dir.join("missing"), &dangling).expect("symlink");
        assert!(read_regular(&dangling).unwrap_err().to_string().contains("dangling symlink"));
        let a = dir.join("loop-a");
        let b = dir.join("loop-b");
        std::os::unix::fs::symlink(&b, &a).expect("symlink");
        std::os::unix::fs::symlink(&a, &b).expect("symlink");
        assert!(read_regular(&a).unwrap_err().to_string().contains("cannot be followed"));
        assert!(read_regular(&dir).unwrap_err().to_string().contains("a directory"));
        let fifo = dir.join("fifo");
        let made = std::process::Command::new("mkfifo").arg(&fifo).status();
        if made.is_ok_and(|s| s.success()) {
            assert!(read_regular(&fifo).unwrap_err().to_string().contains("FIFO"));
        }
        assert_eq!(read_regular(&dir.join("missing")).unwrap_err().kind(), io::ErrorKind::NotFound);
        // A listed file that is not (or no longer) a regular file: the same answer, no hang.
        for path in [&file, &link, &dangling, &a, &dir, &fifo, &dir.join("missing")] {
            let listed = read_listed_regular(path).map_err(|e| (e.kind(), e.to_string()));
            let checked = read_regular(path).map_err(|e| (e.kind(), e.to_string()));
            assert_eq!(listed, checked, "{}", path.display());
        }
        let _ = std::fs::remove_dir_all(&dir);
    }

    /// The reader sizes its buffer from the file's metadata: every size around the first
    /// buffer's, an empty file, and text that is not UTF-8 (the error std's reader gives).
    #[test]
    fn files_are_read_whole_whatever_their_size() {
        let dir = tempfile::tempdir().expect("dir");
        let path = dir.path().join("f");
        for size in [0, 1, 2, 4095, 4096, 4097, 65_537, 1 << 20] {
            let bytes: Vec<u8> = (0..size).map(|i| b'a' + (i % 26) as u8).collect();
            std::fs::write(&path, &bytes).expect("write");
            assert_eq!(read_regular(&path).expect("read"), bytes, "{size} bytes");
            assert_eq!(read_regular_to_string(&path).expect("read").as_bytes(), bytes, "{size} bytes");
            assert_eq!(read_listed_regular(&path).expect("read"), bytes, "{size} bytes");
        }
        std::fs::write(&path, b"ok \xff\xfe").expect("write");
        let ours = read_regular_to_string(&path).unwrap_err();
        let std =
            std::fs::File::open(&path).and_then(|mut f| f.read_to_string(&mut String::new())).unwrap_err();
        assert_eq!((ours.kind(), ours.to_string()), (std.kind(), std.to_string()));
    }
}
