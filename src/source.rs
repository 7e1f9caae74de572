//! Byte offsets to line:column, shared by every reader that keeps spans.

/// Start offsets of every line of one file; built once, queried per span.
#[derive(Debug, Clone)]
pub struct LineIndex {
    starts: Vec<usize>,
}

impl LineIndex {
    pub fn new(text: &str) -> Self {
        let mut starts = vec![0];
        starts.extend(text.match_indices('\n').map(|(i, _)| i + 1));
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
}
