//! A reader that bounds what a cost file may expand to: the decompressed bytes of one gzip file
//! and the length of one line. A 3 MB gzip that inflates to one 3 GB CSV field took 5 GB of
//! memory before its error; with these bounds it fails after at most [`MAX_LINE_BYTES`] of
//! buffering, naming the file.

use std::io::{self, Read};

/// Longest line (record) of a cost CSV: 8 MiB. Real CUR lines are a few KB; even a thousand
/// tag columns of 256 characters each stay under 300 KB.
pub(crate) const MAX_LINE_BYTES: usize = 8 << 20;
/// Most bytes one gzip file may decompress to: 32 GiB, well beyond any CUR/FOCUS part file
/// (AWS splits exports into parts of a few GB), far below a decompression bomb's reach.
pub(crate) const MAX_DECOMPRESSED_BYTES: u64 = 32 << 30;

/// Counts bytes and the current line's length as they pass; an error past either bound.
pub(crate) struct Bounded<R> {
    inner: R,
    total: u64,
    max_total: u64,
    line: usize,
    max_line: usize,
}

impl<R: Read> Bounded<R> {
    pub(crate) fn new(inner: R, max_total: u64, max_line: usize) -> Self {
        Self { inner, total: 0, max_total, line: 0, max_line }
    }
}

impl<R: Read> Read for Bounded<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.total = self.total.saturating_add(n as u64);
        if self.total > self.max_total {
            return Err(io::Error::new(
                io::ErrorKind::InvalidData,
                format!("decompresses to more than {} bytes; refusing to read further", self.max_total),
            ));
        }
        // The longest line touched by this chunk: the running one plus its first segment, then
        // each later segment on its own.
        let mut longest = 0;
        for (i, segment) in buf[..n].split(|&b| b == b'\n').enumerate() {
            self.line = if i == 0 { self.line.saturating_add(segment.len()) } else { segment.len() };
            longest = longest.max(self.line);
        }
        if longest > self.max_line {
            return Err(io::Error::new(
                io::ErrorKind::InvalidData,
                format!("a line longer than {} bytes (a corrupt or hostile file)", self.max_line),
            ));
        }
        Ok(n)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bounds_total_and_line() {
        let mut ok = Bounded::new(&b"a,b\n1,2\n"[..], 100, 4);
        let mut s = String::new();
        ok.read_to_string(&mut s).expect("within bounds");
        let mut long = Bounded::new(&b"a,bbbbbbbb\n"[..], 100, 4);
        assert!(long.read_to_string(&mut String::new()).unwrap_err().to_string().contains("line longer"));
        let mut big = Bounded::new(&b"a\nb\nc\nd\n"[..], 4, 100);
        let mut buf = [0u8; 8];
        assert!(big.read(&mut buf).unwrap_err().to_string().contains("more than 4 bytes"));
    }
}
