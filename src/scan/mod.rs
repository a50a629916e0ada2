//! The Python-aware lexical pass shared by every fact extractor.
//!
//! One pass over a file yields its tokens (names, numbers, strings, operators)
//! with byte spans, its comments, and its *logical lines*: physical lines
//! joined while brackets are open or after a backslash, as Python's tokenizer
//! joins them. Strings are recognised with every prefix and quote style, so a
//! `def downgrade` inside a docstring is never taken for code. The pass never
//! fails and never panics: an unterminated string or bracket simply ends at
//! the end of the line or file.
//!
//! This module knows nothing about Alembic; `migration` turns a [`Scan`] into
//! migration facts.

pub mod app;
pub mod blocks;
pub mod constants;
pub mod effect;
pub(crate) mod format;
pub mod imports;
pub mod literal;
pub mod migration;
pub mod model;
pub mod ops;
pub mod sql;

#[cfg(test)]
mod fuzz;

use std::ops::Range;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Name,
    Number,
    Str,
    Op,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Token {
    pub kind: Kind,
    pub start: usize,
    pub end: usize,
}

impl Token {
    pub fn span(self) -> Range<usize> {
        self.start..self.end
    }
}

/// One logical line: a statement, or several joined by nothing but `;`.
#[derive(Debug, Clone)]
pub struct LogicalLine {
    /// Indices into [`Scan::tokens`].
    pub tokens: Range<usize>,
    /// Width of the leading white space of the line's first physical line
    /// (a tab advances to the next multiple of eight, as in Python).
    pub indent: usize,
}

#[derive(Debug)]
pub struct Scan<'a> {
    pub text: &'a str,
    pub tokens: Vec<Token>,
    pub lines: Vec<LogicalLine>,
    pub comments: Vec<Range<usize>>,
    /// The module constants, read on first use.
    constants: std::cell::OnceCell<constants::Constants>,
    /// The first place Python's own parser would refuse, if the lexer saw
    /// one: a bracket never closed or closed by the wrong one, a string
    /// that never ends.
    pub error: Option<SyntaxError>,
}

/// Where a file stops being Python, and why, in Python's words.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SyntaxError {
    pub span: Range<usize>,
    pub message: String,
}

const THREE_CHAR_OPS: [&[u8; 3]; 5] = [b"**=", b"//=", b">>=", b"<<=", b"..."];
const TWO_CHAR_OPS: [&[u8; 2]; 20] = [
    b"==", b"!=", b"<=", b">=", b"->", b":=", b"+=", b"-=", b"*=", b"/=", b"%=", b"&=", b"|=", b"^=", b"@=", b"**",
    b"//", b"<<", b">>", b"<>",
];

impl<'a> Scan<'a> {
    pub fn new(text: &'a str) -> Self {
        Lexer::new(text).run()
    }

    pub fn str(&self, token: Token) -> &'a str {
        &self.text[token.span()]
    }

    pub fn line_tokens(&self, line: &LogicalLine) -> &[Token] {
        &self.tokens[line.tokens.clone()]
    }

    /// Byte span of a logical line, from its first token to its last.
    pub fn line_span(&self, line: &LogicalLine) -> Range<usize> {
        let tokens = self.line_tokens(line);
        match (tokens.first(), tokens.last()) {
            (Some(first), Some(last)) => first.start..last.end,
            _ => 0..0,
        }
    }

    /// The value of the module constant `name` (see [`constants`]).
    pub fn constant(&self, name: &str) -> Option<&constants::Constant> {
        self.constants.get_or_init(|| constants::Constants::of(self)).get(name)
    }

    /// True when `token` is the operator or keyword `s`.
    pub fn is(&self, token: Token, s: &str) -> bool {
        matches!(token.kind, Kind::Op | Kind::Name) && self.str(token) == s
    }
}

struct Lexer<'a> {
    text: &'a str,
    bytes: &'a [u8],
    pos: usize,
    depth: usize,
    physical_line_start: usize,
    line_first_token: usize,
    line_indent: usize,
    /// Set after a top-level `;`: the next statement shares the line's indent.
    after_semicolon: Option<usize>,
    tokens: Vec<Token>,
    lines: Vec<LogicalLine>,
    comments: Vec<Range<usize>>,
    /// Open brackets and where they opened.
    brackets: Vec<(u8, usize)>,
    error: Option<SyntaxError>,
}

impl<'a> Lexer<'a> {
    fn new(text: &'a str) -> Self {
        Self {
            text,
            bytes: text.as_bytes(),
            pos: 0,
            depth: 0,
            physical_line_start: 0,
            line_first_token: 0,
            line_indent: 0,
            after_semicolon: None,
            tokens: Vec::with_capacity(text.len() / 4),
            lines: Vec::new(),
            comments: Vec::new(),
            brackets: Vec::new(),
            error: None,
        }
    }

    /// Keeps the first error met, as Python's tokenizer stops at it.
    fn refuse(&mut self, span: Range<usize>, message: String) {
        if self.error.is_none() {
            self.error = Some(SyntaxError { span, message });
        }
    }

    fn run(mut self) -> Scan<'a> {
        while self.pos < self.bytes.len() {
            let c = self.bytes[self.pos];
            match c {
                b' ' | b'\t' | b'\x0c' => self.pos += 1,
                b'\n' | b'\r' => self.newline(),
                b'#' => self.comment(),
                b'\\' => {
                    let next = self.bytes.get(self.pos + 1).copied();
                    if matches!(next, Some(b'\n' | b'\r')) {
                        // Explicit line joining: skip the backslash and the line end.
                        self.pos += 1;
                        self.skip_line_end();
                        self.physical_line_start = self.pos;
                    } else {
                        self.push(Kind::Op, self.pos, self.pos + 1);
                    }
                }
                b'\'' | b'"' => self.string(self.pos),
                b'0'..=b'9' => self.number(),
                b'.' if self.bytes.get(self.pos + 1).is_some_and(u8::is_ascii_digit) => {
                    self.number();
                }
                c if c == b'_' || c.is_ascii_alphabetic() || c >= 0x80 => self.name(),
                _ => self.operator(),
            }
        }
        self.end_line();
        // A bracket still open at the end is found last.
        if let Some(&(open, at)) = self.brackets.first() {
            self.refuse(at..at + 1, format!("`{}` was never closed", char::from(open)));
        }
        Scan {
            text: self.text,
            tokens: self.tokens,
            lines: self.lines,
            comments: self.comments,
            constants: std::cell::OnceCell::new(),
            error: self.error,
        }
    }

    fn push(&mut self, kind: Kind, start: usize, end: usize) {
        if self.tokens.len() == self.line_first_token {
            self.line_indent = match self.after_semicolon.take() {
                Some(indent) => indent,
                None => indent_width(&self.bytes[self.physical_line_start..start]),
            };
        }
        self.tokens.push(Token { kind, start, end });
        self.pos = end;
    }

    fn end_line(&mut self) {
        if self.tokens.len() > self.line_first_token {
            self.lines.push(LogicalLine {
                tokens: self.line_first_token..self.tokens.len(),
                indent: self.line_indent,
            });
        }
        self.line_first_token = self.tokens.len();
    }

    fn skip_line_end(&mut self) {
        if self.bytes.get(self.pos) == Some(&b'\r') {
            self.pos += 1;
            if self.bytes.get(self.pos) == Some(&b'\n') {
                self.pos += 1;
            }
        } else if self.bytes.get(self.pos) == Some(&b'\n') {
            self.pos += 1;
        }
    }

    fn newline(&mut self) {
        self.skip_line_end();
        self.after_semicolon = None;
        self.physical_line_start = self.pos;
        if self.depth == 0 {
            self.end_line();
        }
    }

    fn comment(&mut self) {
        let start = self.pos;
        let end = memchr_line_end(self.bytes, start);
        self.comments.push(start..end);
        self.pos = end;
    }

    fn name(&mut self) {
        let start = self.pos;
        let mut end = start;
        while end < self.bytes.len() {
            let c = self.bytes[end];
            if c == b'_' || c.is_ascii_alphanumeric() || c >= 0x80 {
                end += 1;
            } else {
                break;
            }
        }
        if matches!(self.bytes.get(end), Some(b'\'' | b'"')) && is_string_prefix(&self.text[start..end]) {
            self.string(start);
        } else {
            self.push(Kind::Name, start, end);
        }
    }

    fn number(&mut self) {
        let start = self.pos;
        let mut end = start;
        while end < self.bytes.len() {
            let c = self.bytes[end];
            let exponent_sign = matches!(c, b'+' | b'-')
                && end > start
                && matches!(self.bytes[end - 1], b'e' | b'E')
                && !self.text[start..end].starts_with("0x");
            if c.is_ascii_alphanumeric() || c == b'_' || c == b'.' || exponent_sign {
                end += 1;
            } else {
                break;
            }
        }
        self.push(Kind::Number, start, end);
    }

    /// A string literal starting at `start` (its prefix, if any, included);
    /// the opening quote is at `self.pos` or after the prefix.
    fn string(&mut self, start: usize) {
        let bytes = self.bytes;
        let mut q = start;
        while q < bytes.len() && bytes[q] != b'\'' && bytes[q] != b'"' {
            q += 1;
        }
        let quote = bytes[q];
        let triple = bytes.get(q + 1) == Some(&quote) && bytes.get(q + 2) == Some(&quote);
        let mut j = if triple { q + 3 } else { q + 1 };
        let end = loop {
            if j >= bytes.len() {
                break bytes.len();
            }
            match bytes[j] {
                // An escaped character; an escaped CRLF is one line end.
                b'\\' if bytes[j + 1..].starts_with(b"\r\n") => j += 3,
                b'\\' => j += 2,
                b'\n' | b'\r' if !triple => break j,
                c if c == quote => {
                    if !triple {
                        break j + 1;
                    }
                    if bytes.get(j + 1) == Some(&quote) && bytes.get(j + 2) == Some(&quote) {
                        break j + 3;
                    }
                    j += 1;
                }
                _ => j += 1,
            }
        };
        let end = end.min(bytes.len());
        let closed = end >= q + 2 && bytes[end - 1] == quote && (!triple || end >= q + 6);
        // An f-string may nest quotes since Python 3.12: never judged.
        let f_string = self.text[start..q].contains(['f', 'F']);
        if !closed && !f_string {
            let what = if triple {
                "triple-quoted string literal"
            } else {
                "string literal"
            };
            self.refuse(start..end, format!("unterminated {what}"));
        }
        self.push(Kind::Str, start, end);
        if triple {
            // Physical lines inside the string belong to the same logical line;
            // the next physical line starts after the last line end in it.
            if let Some(last) = bytes[start..end].iter().rposition(|&c| c == b'\n' || c == b'\r') {
                self.physical_line_start = start + last + 1;
            }
        }
    }

    fn operator(&mut self) {
        let start = self.pos;
        let rest = &self.bytes[start..];
        let len = if THREE_CHAR_OPS.iter().any(|op| rest.starts_with(*op)) {
            3
        } else if TWO_CHAR_OPS.iter().any(|op| rest.starts_with(*op)) {
            2
        } else {
            1
        };
        match rest[0] {
            c @ (b'(' | b'[' | b'{') => {
                self.depth += 1;
                self.brackets.push((c, start));
            }
            c @ (b')' | b']' | b'}') => {
                self.depth = self.depth.saturating_sub(1);
                let expected = match c {
                    b')' => b'(',
                    b']' => b'[',
                    _ => b'{',
                };
                match self.brackets.pop() {
                    None => self.refuse(start..start + 1, format!("unmatched `{}`", char::from(c))),
                    Some((open, _)) if open != expected => self.refuse(
                        start..start + 1,
                        format!(
                            "closing `{}` does not match opening `{}`",
                            char::from(c),
                            char::from(open)
                        ),
                    ),
                    Some(_) => {}
                }
            }
            _ => {}
        }
        self.push(Kind::Op, start, start + len);
        if rest[0] == b';' && self.depth == 0 {
            self.tokens.pop();
            self.end_line();
            self.after_semicolon = Some(self.line_indent);
        }
    }
}

fn memchr_line_end(bytes: &[u8], from: usize) -> usize {
    bytes[from..]
        .iter()
        .position(|&c| c == b'\n' || c == b'\r')
        .map_or(bytes.len(), |i| from + i)
}

fn indent_width(prefix: &[u8]) -> usize {
    let mut width = 0;
    for &c in prefix {
        match c {
            b'\t' => width = (width / 8 + 1) * 8,
            b'\x0c' => width = 0,
            _ => width += 1,
        }
    }
    width
}

fn is_string_prefix(prefix: &str) -> bool {
    prefix.len() <= 2
        && prefix
            .bytes()
            .all(|c| matches!(c.to_ascii_lowercase(), b'r' | b'u' | b'b' | b'f' | b't'))
}

/// The value of a plain string literal token: `None` for byte strings,
/// f-strings and t-strings, whose value is not a `str` known before run time.
pub fn string_value(literal: &str) -> Option<String> {
    let quote_at = literal.find(['\'', '"'])?;
    let prefix = literal[..quote_at].to_ascii_lowercase();
    if prefix.contains(['b', 'f', 't']) {
        return None;
    }
    let raw = prefix.contains('r');
    let body = &literal[quote_at..];
    let quote = &body[..1];
    let triple = body.len() >= 6 && body.starts_with(&quote.repeat(3)) && body.ends_with(&quote.repeat(3));
    let inner = if triple {
        &body[3..body.len() - 3]
    } else if body.len() >= 2 && body.ends_with(quote) {
        &body[1..body.len() - 1]
    } else {
        // Unterminated: no reliable value.
        return None;
    };
    if raw || !inner.contains('\\') {
        return Some(inner.to_owned());
    }
    Some(unescape(inner))
}

fn unescape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut chars = s.chars().peekable();
    while let Some(c) = chars.next() {
        if c != '\\' {
            out.push(c);
            continue;
        }
        match chars.next() {
            Some('n') => out.push('\n'),
            Some('t') => out.push('\t'),
            Some('r') => out.push('\r'),
            Some('0') => out.push('\0'),
            Some('\n') => {}
            Some('\r') => {
                if chars.peek() == Some(&'\n') {
                    chars.next();
                }
            }
            Some(c @ ('\\' | '\'' | '"')) => out.push(c),
            Some(other) => {
                out.push('\\');
                out.push(other);
            }
            None => out.push('\\'),
        }
    }
    out
}

/// Splits `tokens` at operators `sep` that sit at bracket depth zero
/// (relative to the slice).
pub fn split_top_level<'t>(scan: &Scan<'_>, tokens: &'t [Token], sep: &str) -> Vec<&'t [Token]> {
    let mut parts = Vec::new();
    let mut depth = 0usize;
    let mut start = 0;
    for (i, &token) in tokens.iter().enumerate() {
        if token.kind != Kind::Op {
            continue;
        }
        match scan.str(token) {
            "(" | "[" | "{" => depth += 1,
            ")" | "]" | "}" => depth = depth.saturating_sub(1),
            s if s == sep && depth == 0 => {
                parts.push(&tokens[start..i]);
                start = i + 1;
            }
            _ => {}
        }
    }
    parts.push(&tokens[start..]);
    parts
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lines(text: &str) -> Vec<String> {
        let scan = Scan::new(text);
        scan.lines
            .iter()
            .map(|line| {
                let words: Vec<&str> = scan.line_tokens(line).iter().map(|&t| scan.str(t)).collect();
                format!("{}|{}", line.indent, words.join(" "))
            })
            .collect()
    }

    /// F-14: with CRLF line ends, a backslash-newline inside a string
    /// ended it early, so `down_revision` was unknown and AP201 went quiet.
    #[test]
    fn f14_an_escaped_crlf_continues_a_string() {
        let text = "revision = \"ddd\"\r\ndown_revision = \"bb\\\r\nb\"\r\n";
        assert_eq!(lines(text), ["0|revision = \"ddd\"", "0|down_revision = \"bb\\\r\nb\""]);
        let scan = Scan::new(text);
        let value = scan.line_tokens(&scan.lines[1])[2];
        assert_eq!(string_value(scan.str(value)).as_deref(), Some("bbb"));
    }

    #[test]
    fn brackets_and_backslashes_join_physical_lines() {
        let text = "x = (\n  'a',\n  'b')\ny = 1 + \\\n  2\n";
        assert_eq!(lines(text), ["0|x = ( 'a' , 'b' )", "0|y = 1 + 2"]);
    }

    #[test]
    fn strings_hide_code_and_comments_are_kept_apart() {
        let text = "\"\"\"def downgrade():\n    pass\n\"\"\"\n# def upgrade():\ndef upgrade():  # real\n\tpass\n";
        assert_eq!(
            lines(text),
            [
                "0|\"\"\"def downgrade():\n    pass\n\"\"\"",
                "0|def upgrade ( ) :",
                "8|pass"
            ]
        );
        let scan = Scan::new(text);
        assert_eq!(scan.comments.len(), 2);
    }

    #[test]
    fn prefixes_semicolons_and_crlf() {
        let text = "revision = u'abc'; down_revision = rb\"x\"\r\nz = f'{a}'\r\n";
        assert_eq!(
            lines(text),
            ["0|revision = u'abc'", "0|down_revision = rb\"x\"", "0|z = f'{a}'"]
        );
    }

    #[test]
    fn indentation_after_a_multiline_string() {
        let text = "def f():\n    \"\"\"doc\n    more\"\"\"\n    return 1\n";
        assert_eq!(
            lines(text),
            ["0|def f ( ) :", "4|\"\"\"doc\n    more\"\"\"", "4|return 1"]
        );
    }

    #[test]
    fn unterminated_input_never_panics() {
        for text in [
            "'abc",
            "\"\"\"abc",
            "x = (",
            "\\",
            "r'\\",
            "'\\",
            "\u{0}\u{fffd}é",
            "f\"",
            ".5e-3",
        ] {
            let _ = lines(text);
        }
    }

    #[test]
    fn string_values() {
        assert_eq!(string_value("'abc'").as_deref(), Some("abc"));
        assert_eq!(string_value("u\"abc\"").as_deref(), Some("abc"));
        assert_eq!(string_value("r'a\\b'").as_deref(), Some("a\\b"));
        assert_eq!(string_value("'a\\'b'").as_deref(), Some("a'b"));
        assert_eq!(string_value("'''x'''").as_deref(), Some("x"));
        assert_eq!(string_value("f'x'"), None);
        assert_eq!(string_value("b'x'"), None);
        assert_eq!(string_value("'x"), None);
    }
}
