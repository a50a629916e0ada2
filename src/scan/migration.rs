//! Facts about one Alembic revision file, read from a [`Scan`].
//!
//! What is extracted: the module-level `revision`, `down_revision`,
//! `branch_labels` and `depends_on` assignments (plain or annotated, any
//! quote style, tuples and lists over several lines); the header block
//! (`Revision ID:`, `Revises:`, `Create Date:`) from the module docstring, a
//! string statement after the imports, or `#` comment lines; and the shape of
//! the `upgrade()` / `downgrade()` bodies. A value that is not a literal is
//! recorded as [`Value::Unknown`], never guessed.

use std::ops::Range;

use serde::{Deserialize, Serialize};
use std::sync::LazyLock;

use regex::Regex;

use super::app::{AllCall, all_calls, may_call_all};
use super::effect::{Effects, effects};
use super::ops::{Operation, operations};
use compact_str::CompactString;

use super::literal::{Item, string_item, strip_brackets};
use super::{Kind, Scan, Token, split_top_level};

/// The value of a revision-identifier assignment.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum Value {
    None,
    Str(Item),
    Seq(Vec<Item>),
    /// Not a literal (a name, an attribute, a call, an f-string, ...).
    Unknown(String),
}

impl Value {
    /// The identifiers named, `None` and an empty tuple naming none;
    /// `Option::None` for an unknown value.
    pub fn ids(&self) -> Option<Vec<&Item>> {
        match self {
            Value::None => Some(Vec::new()),
            Value::Str(item) => Some(vec![item]),
            Value::Seq(items) => Some(items.iter().collect()),
            Value::Unknown(_) => None,
        }
    }

    /// Python's rendering of the value, as `repr()` would write it.
    pub fn to_python(&self) -> String {
        match self {
            Value::None => "None".to_owned(),
            Value::Str(item) => format!("{:?}", item.value),
            Value::Seq(items) => {
                let inner: Vec<String> = items.iter().map(|i| format!("{:?}", i.value)).collect();
                if inner.len() == 1 {
                    format!("({},)", inner[0])
                } else {
                    format!("({})", inner.join(", "))
                }
            }
            Value::Unknown(text) => text.clone(),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Assignment {
    /// The assignment target's name.
    pub target: Range<usize>,
    /// Everything right of `=`.
    pub value_span: Range<usize>,
    pub value: Value,
}

/// Where the header block was found.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum HeaderSource {
    Docstring,
    StringStatement,
    Comments,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Revises {
    /// The ids listed, in the order written; empty for `None` or nothing.
    pub ids: Vec<CompactString>,
    /// The raw value after `Revises:`, trimmed.
    pub span: Range<usize>,
    /// That value as written.
    pub written: CompactString,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Header {
    pub source: HeaderSource,
    pub revision_id: Option<Item>,
    pub revises: Option<Revises>,
    pub create_date: Option<Item>,
}

/// What a function body does, as far as the rules care.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum Body {
    /// Only `pass`, `...`, strings (a docstring) and comments.
    Empty,
    /// An unconditional `raise` of an exception at the body's top level
    /// (`raise NotImplementedError`, `raise RuntimeError("...")`): the
    /// function refuses on purpose.
    Raises {
        span: Range<usize>,
        /// The exception's name as written (`NotImplementedError`).
        exception: CompactString,
    },
    /// Anything else.
    Code,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Function {
    /// The function's name after `def`.
    pub name: Range<usize>,
    pub body: Body,
    /// Logical lines from the `def` to the end of the body.
    pub lines: Range<usize>,
    /// Its schema operations, in order.
    pub ops: Vec<Operation>,
    /// The SQL its `execute(...)` calls run, where known.
    pub executed: Vec<super::ops::Executed>,
    /// It calls a function defined in the same module (whose operations
    /// are not followed).
    pub calls_helper: bool,
    /// What it does to the database, helpers followed.
    pub effects: Effects,
    /// The text of each comment in the body, after `#`, trimmed.
    pub comments: Vec<CompactString>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Migration {
    pub revision: Option<Assignment>,
    pub down_revision: Option<Assignment>,
    pub branch_labels: Option<Assignment>,
    pub depends_on: Option<Assignment>,
    pub header: Option<Header>,
    pub upgrade: Option<Function>,
    pub downgrade: Option<Function>,
    /// `create_all` / `drop_all` anywhere in the file.
    pub all_calls: Vec<AllCall>,
    /// Where the file stops being Python, and why: nothing read after it
    /// can be trusted.
    pub syntax_error: Option<(Range<usize>, CompactString)>,
    /// The first line of the module docstring: the message Alembic shows.
    pub message: Option<CompactString>,
    /// The file says it runs on PostgreSQL: it imports the PostgreSQL
    /// dialect's types (`postgresql.JSONB`), which no other database has.
    /// `postgresql_*` arguments do not say it: other databases ignore them,
    /// and autogenerate writes them wherever the models declare them.
    pub postgresql: bool,
}

impl Migration {
    pub fn from_scan(scan: &Scan<'_>) -> Self {
        let mut migration = Migration {
            syntax_error: scan.error.as_ref().map(|e| (e.span.clone(), e.message.as_str().into())),
            ..Migration::default()
        };
        let mut strings = Vec::new();
        for (index, line) in scan.lines.iter().enumerate() {
            if line.indent != 0 {
                continue;
            }
            let tokens = scan.line_tokens(line);
            if tokens.iter().all(|t| t.kind == Kind::Str) {
                strings.push((index == 0, tokens[0].start..tokens[tokens.len() - 1].end));
                continue;
            }
            if let Some((name, assignment)) = assignment(scan, tokens) {
                let slot = match name {
                    "revision" => &mut migration.revision,
                    "down_revision" => &mut migration.down_revision,
                    "branch_labels" => &mut migration.branch_labels,
                    "depends_on" => &mut migration.depends_on,
                    _ => continue,
                };
                // A later assignment wins, as at run time.
                *slot = Some(assignment);
            } else if let Some((name, function)) = function(scan, index) {
                match name {
                    "upgrade" => migration.upgrade = Some(function),
                    "downgrade" => migration.downgrade = Some(function),
                    _ => {}
                }
            }
        }
        // `depends_on = ""` (or `[""]`) depends on nothing, as in Alembic.
        if let Some(depends_on) = &mut migration.depends_on {
            match &mut depends_on.value {
                Value::Str(item) if item.value.is_empty() => depends_on.value = Value::None,
                Value::Seq(items) => items.retain(|i| !i.value.is_empty()),
                _ => {}
            }
        }
        migration.header = header(scan, &strings);
        migration.message = strings
            .first()
            .filter(|(is_first, _)| *is_first)
            .and_then(|(_, span)| super::string_value(&scan.text[span.clone()]))
            .and_then(|doc| {
                doc.lines()
                    .map(str::trim)
                    .find(|l| !l.is_empty())
                    .map(CompactString::from)
            });
        // Every module-level function, by name: helpers are followed.
        let mut functions = std::collections::BTreeMap::new();
        for (index, line) in scan.lines.iter().enumerate() {
            if line.indent == 0
                && let Some((name, f)) = function(scan, index)
            {
                functions.insert(name, f.lines);
            }
        }
        migration.postgresql = scan.tokens.windows(3).any(|w| {
            // `dialects.postgresql`, `dialects import postgresql`.
            scan.str(w[0]) == "dialects" && matches!(scan.str(w[1]), "." | "import") && scan.str(w[2]) == "postgresql"
        });
        for function in [&mut migration.upgrade, &mut migration.downgrade].into_iter().flatten() {
            // Kept for the whole run, 10,000 of them in a long history: no
            // spare capacity (a Vec grown to two operations holds four).
            function.ops = operations(scan, function.lines.clone());
            function.ops.shrink_to_fit();
            function.executed = super::ops::executed(scan, function.lines.clone());
            function.effects = effects(scan, function.lines.clone(), &functions);
            let first = scan.lines[function.lines.start].tokens.start;
            let last = scan.lines[function.lines.end - 1].tokens.end;
            // Comments up to the next statement after the body.
            let from = scan.tokens[first].start;
            let to = scan
                .lines
                .get(function.lines.end)
                .map_or(scan.text.len(), |l| scan.tokens[l.tokens.start].start);
            function.comments = scan
                .comments
                .iter()
                .filter(|c| c.start > from && c.start < to)
                .map(|c| scan.text[c.clone()].trim_start_matches('#').trim().into())
                .collect();
            function.calls_helper = scan.tokens[first..last].windows(2).any(|w| {
                w[0].kind == Kind::Name
                    && !matches!(scan.str(w[0]), "upgrade" | "downgrade")
                    && functions.contains_key(scan.str(w[0]))
                    && scan.is(w[1], "(")
            });
        }
        // Walking every statement again is only worth it where a call may be.
        migration.all_calls = if may_call_all(scan.text.as_bytes()) {
            all_calls(scan)
        } else {
            Vec::new()
        };
        migration
    }

    /// A merge revision: `down_revision` names two or more parents.
    pub fn is_merge(&self) -> bool {
        matches!(
            self.down_revision.as_ref().map(|a| &a.value),
            Some(Value::Seq(items)) if items.len() > 1
        )
    }

    pub fn revision_id(&self) -> Option<&str> {
        match &self.revision.as_ref()?.value {
            Value::Str(item) => Some(&item.value),
            _ => None,
        }
    }
}

/// `NAME [: annotation] = value` at the start of a logical line.
fn assignment<'s>(scan: &Scan<'s>, tokens: &[Token]) -> Option<(&'s str, Assignment)> {
    let (&first, rest) = tokens.split_first()?;
    if first.kind != Kind::Name {
        return None;
    }
    let next = *rest.first()?;
    if !scan.is(next, "=") && !scan.is(next, ":") {
        return None;
    }
    let eq = split_top_level(scan, tokens, "=");
    // `a = b = c` and annotations without a value are not recorded.
    if eq.len() != 2 {
        return None;
    }
    let value_tokens = eq[1];
    let value_span = match (value_tokens.first(), value_tokens.last()) {
        (Some(a), Some(b)) => a.start..b.end,
        _ => return None,
    };
    let value = parse_value(scan, value_tokens);
    Some((
        scan.str(first),
        Assignment {
            target: first.span(),
            value_span,
            value,
        },
    ))
}

fn parse_value(scan: &Scan<'_>, tokens: &[Token]) -> Value {
    let unknown = || {
        let span = tokens[0].start..tokens[tokens.len() - 1].end;
        Value::Unknown(scan.text[span].to_owned())
    };
    if tokens.len() == 1 && tokens[0].kind == Kind::Name && scan.str(tokens[0]) == "None" {
        return Value::None;
    }
    let (inner, bracketed) = match strip_brackets(scan, tokens) {
        Some(inner) => (inner, true),
        None => (tokens, false),
    };
    let list = bracketed && scan.is(tokens[0], "[");
    if inner.is_empty() {
        return if bracketed { Value::Seq(Vec::new()) } else { unknown() };
    }
    let mut parts = split_top_level(scan, inner, ",");
    let trailing_comma = parts.last().is_some_and(|p| p.is_empty());
    if trailing_comma {
        parts.pop();
    }
    let mut items = Vec::with_capacity(parts.len());
    for part in &parts {
        match string_item(scan, part) {
            Some(item) => items.push(item),
            None => return unknown(),
        }
    }
    if parts.len() == 1 && !trailing_comma && !list {
        Value::Str(items.remove(0))
    } else {
        Value::Seq(items)
    }
}

/// `def NAME(...) [-> T]:` at module level, and the shape of its body.
fn function<'s>(scan: &Scan<'s>, index: usize) -> Option<(&'s str, Function)> {
    let line = &scan.lines[index];
    let tokens = scan.line_tokens(line);
    let start = usize::from(tokens.first().is_some_and(|&t| scan.is(t, "async")));
    let def = *tokens.get(start)?;
    let name = *tokens.get(start + 1)?;
    if !scan.is(def, "def") || name.kind != Kind::Name {
        return None;
    }
    // The header ends at the first top-level `:` after the parameters.
    let mut depth = 0usize;
    let mut colon = None;
    for (i, &t) in tokens.iter().enumerate().skip(start + 2) {
        if t.kind != Kind::Op {
            continue;
        }
        match scan.str(t) {
            "(" | "[" | "{" => depth += 1,
            ")" | "]" | "}" => depth = depth.saturating_sub(1),
            ":" if depth == 0 => {
                colon = Some(i);
                break;
            }
            _ => {}
        }
    }
    let colon = colon?;
    let mut statements: Vec<&[Token]> = Vec::new();
    let inline = &tokens[colon + 1..];
    let mut end = index + 1;
    if inline.is_empty() {
        let body_indent = scan.lines.get(index + 1).map(|l| l.indent)?;
        if body_indent <= line.indent {
            return None;
        }
        for next in &scan.lines[index + 1..] {
            if next.indent <= line.indent {
                break;
            }
            end += 1;
            if next.indent == body_indent {
                statements.push(scan.line_tokens(next));
            } else {
                // Nested code counts as code.
                statements.push(&[]);
            }
        }
    } else {
        statements.push(inline);
    }
    let body = classify_body(scan, &statements);
    Some((
        scan.str(name),
        Function {
            name: name.span(),
            body,
            lines: index..end,
            ops: Vec::new(),
            executed: Vec::new(),
            calls_helper: false,
            effects: Effects::default(),
            comments: Vec::new(),
        },
    ))
}

fn classify_body(scan: &Scan<'_>, statements: &[&[Token]]) -> Body {
    let mut empty = true;
    for statement in statements {
        match statement {
            [] => empty = false,
            [only] if scan.is(*only, "pass") || scan.is(*only, "...") => {}
            tokens if tokens.iter().all(|t| t.kind == Kind::Str) => {}
            [raise, exc, ..] if scan.is(*raise, "raise") && exc.kind == Kind::Name => {
                let end = statement[statement.len() - 1].end;
                // `raise exceptions.Irreversible(...)`: the last dotted name.
                let name_end = statement[1..]
                    .iter()
                    .position(|t| scan.is(*t, "("))
                    .map_or(statement.len(), |p| p + 1);
                let exception = statement[1..name_end]
                    .iter()
                    .rev()
                    .find(|t| t.kind == Kind::Name)
                    .map_or(scan.str(*exc), |t| scan.str(*t));
                return Body::Raises {
                    span: raise.start..end,
                    exception: exception.into(),
                };
            }
            _ => empty = false,
        }
    }
    if empty { Body::Empty } else { Body::Code }
}

static REVISION_ID: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"(?i)revision[ \t]+id[ \t]*:[ \t]*").expect("valid regex"));
static REVISES: LazyLock<Regex> = LazyLock::new(|| Regex::new(r"(?i)\brevises[ \t]*:[ \t]*").expect("valid regex"));
static CREATE_DATE: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"(?i)create[ \t]+date[ \t]*:[ \t]*").expect("valid regex"));

/// The header block: the first module-level string statement that carries
/// `Revision ID:`, `Revises:` or `Create Date:`, else `#` comment lines that
/// carry `Revision ID:` or `Revises:`.
fn header(scan: &Scan<'_>, strings: &[(bool, Range<usize>)]) -> Option<Header> {
    for (is_first, span) in strings {
        let text = &scan.text[span.clone()];
        if REVISION_ID.is_match(text) || REVISES.is_match(text) || CREATE_DATE.is_match(text) {
            let source = if *is_first {
                HeaderSource::Docstring
            } else {
                HeaderSource::StringStatement
            };
            return Some(read_header(scan.text, std::slice::from_ref(span), source));
        }
    }
    let comments: Vec<Range<usize>> = scan
        .comments
        .iter()
        .filter(|c| {
            let text = &scan.text[(*c).clone()];
            REVISION_ID.is_match(text) || REVISES.is_match(text) || CREATE_DATE.is_match(text)
        })
        .cloned()
        .collect();
    if comments.iter().any(|c| {
        let text = &scan.text[c.clone()];
        REVISION_ID.is_match(text) || REVISES.is_match(text)
    }) {
        return Some(read_header(scan.text, &comments, HeaderSource::Comments));
    }
    None
}

fn read_header(text: &str, regions: &[Range<usize>], source: HeaderSource) -> Header {
    let mut header = Header {
        source,
        revision_id: None,
        revises: None,
        create_date: None,
    };
    for region in regions {
        let region_text = &text[region.clone()];
        if header.revision_id.is_none() {
            header.revision_id = field(region_text, region.start, &REVISION_ID).map(|span| {
                // The id is the first word of the field.
                let raw = &text[span.clone()];
                let len = raw.find(|c: char| c.is_whitespace()).unwrap_or(raw.len());
                let span = span.start..span.start + len;
                Item {
                    value: text[span.clone()].into(),
                    span,
                }
            });
        }
        if header.revises.is_none() {
            header.revises = field(region_text, region.start, &REVISES).map(|span| Revises {
                ids: revises_ids(&text[span.clone()]),
                written: text[span.clone()].trim().into(),
                span,
            });
        }
        if header.create_date.is_none() {
            header.create_date = field(region_text, region.start, &CREATE_DATE).map(|span| Item {
                value: text[span.clone()].into(),
                span,
            });
        }
    }
    header
}

/// The rest of the line after a field's label, trimmed, without closing quotes.
fn field(region: &str, offset: usize, label: &Regex) -> Option<Range<usize>> {
    let found = label.find(region)?;
    let rest = &region[found.end()..];
    let line_len = rest.find(['\n', '\r']).unwrap_or(rest.len());
    let mut value = &rest[..line_len];
    value = value.trim_end();
    for closing in ["\"\"\"", "'''", "\"", "'"] {
        if let Some(stripped) = value.strip_suffix(closing) {
            value = stripped.trim_end();
            break;
        }
    }
    let start = offset + found.end();
    if value.is_empty() {
        // Nothing after the label: the blanks after its colon, so that a
        // value written there keeps one.
        let label = found.as_str();
        let blanks = label.len() - label.trim_end_matches([' ', '\t']).len();
        return Some(start - blanks..start);
    }
    Some(start..start + value.len())
}

/// The ids of a `Revises:` value: `None`, `(none)`, `<base>` and nothing at
/// all mean no parent; several ids are separated by commas or spaces.
pub fn revises_ids(raw: &str) -> Vec<CompactString> {
    let trimmed = raw.trim();
    let lowered = trimmed.to_ascii_lowercase();
    if matches!(
        lowered.as_str(),
        "" | "none" | "(none)" | "<base>" | "base" | "()" | "-"
    ) {
        return Vec::new();
    }
    trimmed
        .split(|c: char| c == ',' || c.is_whitespace())
        .map(|part| part.trim_matches(|c: char| matches!(c, '(' | ')' | '[' | ']' | '\'' | '"')))
        .filter(|part| !part.is_empty() && !part.eq_ignore_ascii_case("none"))
        .map(CompactString::from)
        .collect()
}

/// A `Create Date:` value as a sortable tuple: year, month, day, hour,
/// minute, second, microsecond. Dates without a time sort at midnight.
pub fn parse_create_date(raw: &str) -> Option<[u32; 7]> {
    static DATE: LazyLock<Regex> = LazyLock::new(|| {
        Regex::new(r"^(\d{4})-(\d{1,2})-(\d{1,2})(?:[ T]+(\d{1,2}):(\d{1,2})(?::(\d{1,2})(?:\.(\d{1,6}))?)?)?")
            .expect("valid regex")
    });
    let caps = DATE.captures(raw.trim())?;
    let mut out = [0u32; 7];
    for (slot, group) in out.iter_mut().zip(1..) {
        if let Some(m) = caps.get(group) {
            let mut value: u32 = m.as_str().parse().ok()?;
            // Microseconds: ".5" is 500000.
            if group == 7 {
                value *= 10u32.pow(6 - u32::try_from(m.as_str().len()).ok()?);
            }
            *slot = value;
        }
    }
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn facts(text: &str) -> Migration {
        Migration::from_scan(&Scan::new(text))
    }

    fn value(text: &str, name: &str) -> Value {
        let m = facts(text);
        let slot = match name {
            "revision" => m.revision,
            "down_revision" => m.down_revision,
            "branch_labels" => m.branch_labels,
            _ => m.depends_on,
        };
        slot.expect("assignment found").value
    }

    fn ids(v: &Value) -> Vec<String> {
        v.ids().expect("literal").iter().map(|i| i.value.to_string()).collect()
    }

    #[test]
    fn every_assignment_form() {
        assert_eq!(ids(&value("revision = 'ab12'\n", "revision")), ["ab12"]);
        assert_eq!(ids(&value("revision: str = \"ab12\"\n", "revision")), ["ab12"]);
        assert_eq!(ids(&value("revision = u'ab12'\n", "revision")), ["ab12"]);
        assert_eq!(value("down_revision = None\n", "down_revision"), Value::None);
        assert_eq!(
            value(
                "down_revision: Union[str, Sequence[str], None] = None\n",
                "down_revision"
            ),
            Value::None
        );
        assert_eq!(ids(&value("down_revision = ('a', 'b')\n", "down_revision")), ["a", "b"]);
        assert_eq!(
            ids(&value(
                "down_revision = (\n    'a',\n    'b',\n    'c',\n)\n",
                "down_revision"
            )),
            ["a", "b", "c"]
        );
        assert_eq!(
            ids(&value("down_revision = ['a', \"b\"]\n", "down_revision")),
            ["a", "b"]
        );
        assert_eq!(value("depends_on = ()\n", "depends_on"), Value::Seq(vec![]));
        assert!(matches!(
            value("down_revision = ('a')\n", "down_revision"),
            Value::Str(_)
        ));
        assert!(matches!(value("branch_labels = ('x',)\n", "branch_labels"), Value::Seq(v) if v.len() == 1));
        assert_eq!(
            value("branch_labels = (cli.EXPAND_BRANCH,)\n", "branch_labels"),
            Value::Unknown("(cli.EXPAND_BRANCH,)".into())
        );
        assert_eq!(
            value("branch_labels: str | tuple[str, ...] | None = None\n", "branch_labels"),
            Value::None
        );
        assert!(matches!(value("revision = f'{x}'\n", "revision"), Value::Unknown(_)));
    }

    #[test]
    fn spans_point_inside_the_quotes() {
        let text = "revision = 'ab12'\n";
        let m = facts(text);
        let Value::Str(item) = m.revision.unwrap().value else {
            panic!()
        };
        assert_eq!(&text[item.span], "ab12");
    }

    #[test]
    fn indented_and_chained_assignments_are_ignored() {
        let m = facts("if x:\n    revision = 'a'\nrevision = down = 'b'\n");
        assert!(m.revision.is_none());
    }

    #[test]
    fn header_from_the_docstring() {
        let text = "# coding: utf-8\n\"\"\"add users\n\nRevision ID: ab12\nRevises: cd34, ef56\nCreate Date: 2024-01-02 03:04:05.123456\n\n\"\"\"\n";
        let h = facts(text).header.unwrap();
        assert_eq!(h.source, HeaderSource::Docstring);
        assert_eq!(h.revision_id.unwrap().value, "ab12");
        assert_eq!(h.revises.unwrap().ids, ["cd34", "ef56"]);
        assert_eq!(h.create_date.unwrap().value, "2024-01-02 03:04:05.123456");
    }

    #[test]
    fn header_after_the_imports_and_in_comments() {
        let text = "from alembic import op\n\n\"\"\"Revision ID: ab12\nRevises:\n\"\"\"\n";
        let h = facts(text).header.unwrap();
        assert_eq!(h.source, HeaderSource::StringStatement);
        assert!(h.revises.unwrap().ids.is_empty());
        let text = "# Revision ID: ab12\n# Revises: cd34\n# Create Date: 2020-1-2\nrevision = 'ab12'\n";
        let h = facts(text).header.unwrap();
        assert_eq!(h.source, HeaderSource::Comments);
        assert_eq!(h.revises.unwrap().ids, ["cd34"]);
        assert_eq!(
            parse_create_date(&h.create_date.unwrap().value),
            Some([2020, 1, 2, 0, 0, 0, 0])
        );
    }

    #[test]
    fn one_line_revises_in_a_docstring() {
        let h = facts("\"\"\"Revises: ab12\"\"\"\n").header.unwrap();
        assert_eq!(h.revises.unwrap().ids, ["ab12"]);
    }

    #[test]
    fn revises_spellings() {
        for none in ["", "None", "(none)", "<base>"] {
            assert!(revises_ids(none).is_empty(), "{none}");
        }
        assert_eq!(revises_ids("('a', 'b')"), ["a", "b"]);
    }

    #[test]
    fn function_bodies() {
        let m = facts(
            "def upgrade():\n    op.drop_table('x')\n\ndef downgrade():\n    \"\"\"Nothing.\"\"\"\n    # no-op\n    pass\n",
        );
        assert_eq!(m.upgrade.unwrap().body, Body::Code);
        assert_eq!(m.downgrade.unwrap().body, Body::Empty);
        let m = facts("def downgrade() -> None: pass\n");
        assert_eq!(m.downgrade.unwrap().body, Body::Empty);
        let m = facts("def downgrade(op, tables):\n    raise NotImplementedError('no')\n");
        assert!(matches!(m.downgrade.unwrap().body, Body::Raises { .. }));
        let m = facts("def downgrade():\n    if x:\n        raise NotImplementedError\n");
        assert_eq!(m.downgrade.unwrap().body, Body::Code);
        let m = facts("class X:\n    def downgrade(self):\n        pass\n");
        assert!(m.downgrade.is_none());
    }
}
