//! Source text as the rules see it: the decoded contents of one file and a
//! [`LineIndex`] that turns byte offsets into 1-based lines and columns.
//!
//! Decoding never fails: a UTF-8 byte-order mark is removed (and remembered),
//! bytes that are not UTF-8 are replaced lossily. Every span a rule reports is
//! a byte range in [`SourceFile::text`]; lines and columns are computed only
//! when rendering.

use std::ops::Range;

/// One decoded file.
#[derive(Debug, Clone)]
pub struct SourceFile {
    /// Path relative to the project root, with `/` separators.
    pub path: String,
    pub text: String,
    /// The file started with a UTF-8 byte-order mark, removed from `text`.
    pub had_bom: bool,
    /// The file was not valid UTF-8 and was decoded lossily.
    pub lossy: bool,
}

impl SourceFile {
    /// Decodes raw bytes; never fails.
    pub fn from_bytes(path: String, bytes: &[u8]) -> Self {
        let (bytes, had_bom) = match bytes.strip_prefix(b"\xEF\xBB\xBF") {
            Some(rest) => (rest, true),
            None => (bytes, false),
        };
        let (text, lossy) = match std::str::from_utf8(bytes) {
            Ok(text) => (text.to_owned(), false),
            Err(_) => (String::from_utf8_lossy(bytes).into_owned(), true),
        };
        Self {
            path,
            text,
            had_bom,
            lossy,
        }
    }
}

/// Start offsets of every physical line. `\n`, `\r\n` and a lone `\r` all end
/// a line, as they do for Python's tokenizer.
#[derive(Debug, Clone)]
pub struct LineIndex {
    starts: Vec<usize>,
    /// Lines holding a byte that is not ASCII: only there does a column
    /// need counting; elsewhere it is the byte offset, found in O(1) however
    /// long the line and however many diagnostics point into it.
    wide: Vec<usize>,
}

/// A 1-based line and column; the column counts characters.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Position {
    pub line: usize,
    pub column: usize,
}

impl LineIndex {
    pub fn new(text: &str) -> Self {
        let bytes = text.as_bytes();
        let mut starts = vec![0];
        let mut wide = Vec::new();
        let mut i = 0;
        while i < bytes.len() {
            match bytes[i] {
                b'\n' => starts.push(i + 1),
                b'\r' if bytes.get(i + 1) != Some(&b'\n') => starts.push(i + 1),
                b if !b.is_ascii() && wide.last() != Some(&(starts.len() - 1)) => wide.push(starts.len() - 1),
                _ => {}
            }
            i += 1;
        }
        Self { starts, wide }
    }

    /// 0-based index of the line holding `offset`.
    pub fn line_of(&self, offset: usize) -> usize {
        match self.starts.binary_search(&offset) {
            Ok(line) => line,
            Err(next) => next - 1,
        }
    }

    pub fn position(&self, text: &str, offset: usize) -> Position {
        let offset = floor_char_boundary(text, offset.min(text.len()));
        let line = self.line_of(offset);
        let prefix = &text[self.starts[line]..offset];
        let column = if self.wide.binary_search(&line).is_ok() {
            prefix.chars().count()
        } else {
            prefix.len()
        } + 1;
        Position { line: line + 1, column }
    }

    /// The byte range of 0-based `line`, without its line ending.
    pub fn line_range(&self, text: &str, line: usize) -> Range<usize> {
        let start = self.starts[line];
        let mut end = self.starts.get(line + 1).copied().unwrap_or(text.len());
        let bytes = text.as_bytes();
        while end > start && matches!(bytes[end - 1], b'\n' | b'\r') {
            end -= 1;
        }
        start..end
    }
}

pub(crate) fn floor_char_boundary(text: &str, mut offset: usize) -> usize {
    while offset > 0 && !text.is_char_boundary(offset) {
        offset -= 1;
    }
    offset
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bom_is_removed_and_remembered() {
        let file = SourceFile::from_bytes("a.py".into(), b"\xEF\xBB\xBFx = 1\n");
        assert!(file.had_bom);
        assert_eq!(file.text, "x = 1\n");
    }

    #[test]
    fn invalid_utf8_is_decoded_lossily() {
        let file = SourceFile::from_bytes("a.py".into(), b"x = '\xff'\n");
        assert!(file.lossy);
        assert_eq!(file.text, "x = '\u{fffd}'\n");
    }

    #[test]
    fn positions_count_characters_and_every_line_ending() {
        let text = "a\r\nb\rcé = 1\nd";
        let index = LineIndex::new(text);
        assert_eq!(index.position(text, 0), Position { line: 1, column: 1 });
        assert_eq!(index.position(text, 3), Position { line: 2, column: 1 });
        let x = text.find('=').unwrap();
        assert_eq!(index.position(text, x), Position { line: 3, column: 4 });
        assert_eq!(index.position(text, text.len()), Position { line: 4, column: 2 });
        assert_eq!(&text[index.line_range(text, 0)], "a");
        assert_eq!(&text[index.line_range(text, 2)], "cé = 1");
    }
}
