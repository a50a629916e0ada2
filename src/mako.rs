//! The part of Mako that `script.py.mako` templates use: `${...}`
//! substitutions of the variables Alembic passes (plain, `repr(...)`,
//! `x if x else "..."`, and the `comma` and `n` filters), `% if` / `% elif`
//! / `% else` / `% endif` on a variable's truth, `##` comments, `%%` and a
//! trailing backslash. Anything else (`<% %>` blocks, `% for`, other
//! expressions or filters) is refused with the place and the reason: a
//! template is rendered exactly as Mako would, or not at all.

use std::collections::HashMap;
use std::fmt::Write as _;

/// A value a template variable holds, as Python would see it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Value {
    None,
    Str(String),
    Tuple(Vec<String>),
    /// A name Alembic does not pass: Mako's `UNDEFINED`, false, and an
    /// error when printed.
    Undefined,
}

impl Value {
    fn truthy(&self) -> bool {
        match self {
            Value::None | Value::Undefined => false,
            Value::Str(s) => !s.is_empty(),
            Value::Tuple(items) => !items.is_empty(),
        }
    }

    /// Python's `str(...)`.
    fn str(&self) -> Option<String> {
        match self {
            Value::None => Some("None".to_owned()),
            Value::Str(s) => Some(s.clone()),
            Value::Tuple(_) => Some(self.repr()),
            Value::Undefined => None,
        }
    }

    /// Python's `repr(...)`.
    pub fn repr(&self) -> String {
        match self {
            Value::None | Value::Undefined => "None".to_owned(),
            Value::Str(s) => python_repr(s),
            Value::Tuple(items) => match items.as_slice() {
                [one] => format!("({},)", python_repr(one)),
                _ => format!(
                    "({})",
                    items.iter().map(|i| python_repr(i)).collect::<Vec<_>>().join(", ")
                ),
            },
        }
    }

    /// Alembic's `comma` filter: nothing for `None`, items joined by `, `.
    fn comma(&self) -> Option<String> {
        match self {
            Value::None => Some(String::new()),
            Value::Str(s) => Some(s.clone()),
            Value::Tuple(items) => Some(items.join(", ")),
            Value::Undefined => None,
        }
    }
}

/// Python's `repr` of a string: single quotes unless the text holds one
/// and no double quote.
pub fn python_repr(text: &str) -> String {
    let quote = if text.contains('\'') && !text.contains('"') {
        '"'
    } else {
        '\''
    };
    let mut out = String::with_capacity(text.len() + 2);
    out.push(quote);
    for c in text.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if c == quote => {
                out.push('\\');
                out.push(c);
            }
            c if (c as u32) < 0x20 || c as u32 == 0x7f => {
                let _ = write!(out, "\\x{:02x}", c as u32);
            }
            c => out.push(c),
        }
    }
    out.push(quote);
    out
}

/// Renders `template` with `vars`, or says (with its line) what it uses
/// that this renderer does not do.
pub fn render<S: std::hash::BuildHasher>(template: &str, vars: &HashMap<&str, Value, S>) -> Result<String, String> {
    let get = |name: &str| vars.get(name).cloned().unwrap_or(Value::Undefined);
    let mut out = String::with_capacity(template.len());
    // Whether each enclosing `% if` chain is printing, and whether one of
    // its arms has been taken.
    let mut stack: Vec<(bool, bool)> = Vec::new();
    let printing = |stack: &[(bool, bool)]| stack.iter().all(|&(on, _)| on);
    let mut lines = template.split_inclusive('\n').enumerate().peekable();
    while let Some((index, raw)) = lines.next() {
        let number = index + 1;
        let at = |why: String| format!("line {number}: {why}");
        let trimmed = raw.trim_start();
        if trimmed.starts_with("##") {
            continue;
        }
        if raw.contains("<%") || raw.contains("%>") {
            return Err(at("a `<% %>` block (Python code in the template)".to_owned()));
        }
        if let Some(control) = trimmed.strip_prefix('%').filter(|c| !c.starts_with('%')) {
            let control = control.trim();
            let word = control.split_whitespace().next().unwrap_or("");
            match word {
                "if" => {
                    let on = condition(control, "if", &get).map_err(at)?;
                    stack.push((on, on));
                }
                "elif" => {
                    let taken = stack
                        .last()
                        .map(|&(_, taken)| taken)
                        .ok_or_else(|| at("`% elif` outside an `% if`".to_owned()))?;
                    let on = !taken && condition(control, "elif", &get).map_err(at)?;
                    *stack.last_mut().expect("checked") = (on, taken || on);
                }
                "else:" | "else" => {
                    let taken = stack
                        .last()
                        .map(|&(_, taken)| taken)
                        .ok_or_else(|| at("`% else` outside an `% if`".to_owned()))?;
                    *stack.last_mut().expect("checked") = (!taken, true);
                }
                "endif" => {
                    stack
                        .pop()
                        .ok_or_else(|| at("`% endif` without an `% if`".to_owned()))?;
                }
                other => return Err(at(format!("the control line `% {other}`"))),
            }
            continue;
        }
        if !printing(&stack) {
            continue;
        }
        let mut line = raw.to_owned();
        // `%%` at the start of a line is a literal `%`.
        if trimmed.starts_with("%%") {
            let at_col = raw.len() - trimmed.len();
            line.replace_range(at_col..at_col + 2, "%");
        }
        let rendered = substitute(&line, &get).map_err(at)?;
        // A backslash ending a line joins it to the next.
        match rendered
            .strip_suffix("\\\n")
            .or_else(|| rendered.strip_suffix("\\\r\n"))
        {
            Some(joined) => out.push_str(joined),
            None => out.push_str(&rendered),
        }
        let _ = lines.peek();
    }
    if !stack.is_empty() {
        return Err("an `% if` without its `% endif`".to_owned());
    }
    Ok(out)
}

/// `if NAME:` / `if not NAME:`.
fn condition(control: &str, keyword: &str, get: &dyn Fn(&str) -> Value) -> Result<bool, String> {
    let expr = control
        .strip_prefix(keyword)
        .and_then(|c| c.trim().strip_suffix(':'))
        .map(str::trim)
        .ok_or_else(|| format!("`% {control}`"))?;
    let (negated, name) = match expr.strip_prefix("not ") {
        Some(name) => (true, name.trim()),
        None => (false, expr),
    };
    if !is_name(name) {
        return Err(format!("the condition `{expr}` (only a variable, or `not` one)"));
    }
    Ok(get(name).truthy() != negated)
}

fn is_name(text: &str) -> bool {
    !text.is_empty()
        && text.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
        && !text.starts_with(|c: char| c.is_ascii_digit())
}

/// Every `${...}` of a line replaced by its value.
fn substitute(line: &str, get: &dyn Fn(&str) -> Value) -> Result<String, String> {
    let mut out = String::with_capacity(line.len());
    let mut rest = line;
    while let Some(start) = rest.find("${") {
        out.push_str(&rest[..start]);
        let after = &rest[start + 2..];
        let end = after.find('}').ok_or("a `${` without its `}`")?;
        out.push_str(&expression(after[..end].trim(), get)?);
        rest = &after[end + 1..];
    }
    out.push_str(rest);
    Ok(out)
}

/// One `${...}` expression's text.
fn expression(expr: &str, get: &dyn Fn(&str) -> Value) -> Result<String, String> {
    let printed = |value: Value, name: &str| {
        value
            .str()
            .ok_or_else(|| format!("`${{{name}}}`: Alembic does not pass `{name}` here, and Mako fails on it"))
    };
    // `name | filter, ...`.
    if let Some((value, filters)) = expr.split_once('|') {
        let name = value.trim();
        if !is_name(name) {
            return Err(format!("`${{{expr}}}`"));
        }
        let filters: Vec<&str> = filters.split(',').map(str::trim).collect();
        return match filters.as_slice() {
            ["comma", "n"] | ["comma"] => get(name)
                .comma()
                .ok_or_else(|| format!("`${{{expr}}}`: Alembic does not pass `{name}` here")),
            ["n"] => printed(get(name), name),
            _ => Err(format!("the filters of `${{{expr}}}` (only `comma` and `n`)")),
        };
    }
    if let Some(name) = expr
        .strip_prefix("repr(")
        .and_then(|e| e.strip_suffix(')'))
        .map(str::trim)
        && is_name(name)
    {
        return Ok(get(name).repr());
    }
    // `a if b else "literal"` (or `else c`).
    if let Some((then, rest)) = expr.split_once(" if ")
        && let Some((test, otherwise)) = rest.split_once(" else ")
    {
        let (then, test, otherwise) = (then.trim(), test.trim(), otherwise.trim());
        if !is_name(then) || !is_name(test) {
            return Err(format!("`${{{expr}}}`"));
        }
        if get(test).truthy() {
            return printed(get(then), then);
        }
        if let Some(literal) = string_literal(otherwise) {
            return Ok(literal);
        }
        if is_name(otherwise) {
            return printed(get(otherwise), otherwise);
        }
        return Err(format!("`${{{expr}}}`"));
    }
    if is_name(expr) {
        return printed(get(expr), expr);
    }
    Err(format!("the expression `${{{expr}}}`"))
}

/// A Python string literal without escapes: `"pass"` or `'pass'`.
fn string_literal(text: &str) -> Option<String> {
    let quote = text.chars().next().filter(|c| *c == '"' || *c == '\'')?;
    let inner = text.strip_prefix(quote)?.strip_suffix(quote)?;
    (!inner.contains(quote) && !inner.contains('\\')).then(|| inner.to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn vars() -> HashMap<&'static str, Value> {
        HashMap::from([
            ("message", Value::Str("merge heads".to_owned())),
            ("up_revision", Value::Str("abc".to_owned())),
            ("down_revision", Value::Tuple(vec!["a1".to_owned(), "b2".to_owned()])),
            ("branch_labels", Value::None),
        ])
    }

    #[test]
    fn the_alembic_forms() {
        let t = "\"\"\"${message}\n\nRevises: ${down_revision | comma,n}\n\"\"\"\n${imports if imports else \"\"}\nrevision = ${repr(up_revision)}\ndown_revision = ${repr(down_revision)}\nbranch_labels = ${repr(branch_labels)}\n\n\ndef upgrade():\n    ${upgrades if upgrades else \"pass\"}\n";
        assert_eq!(
            render(t, &vars()).unwrap(),
            "\"\"\"merge heads\n\nRevises: a1, b2\n\"\"\"\n\nrevision = 'abc'\ndown_revision = ('a1', 'b2')\nbranch_labels = None\n\n\ndef upgrade():\n    pass\n"
        );
    }

    #[test]
    fn control_lines_comments_and_continuations() {
        let t = "## a comment\n% if branch_labels:\nlabels\n% elif message:\nmessage \\\nhere\n% else:\nnone\n% endif\n%% literal\n";
        assert_eq!(render(t, &vars()).unwrap(), "message here\n% literal\n");
    }

    #[test]
    fn what_is_not_rendered_is_refused() {
        for (t, why) in [
            ("<%! import re %>\n", "block"),
            ("% for x in y:\n% endfor\n", "`% for`"),
            ("${imports}\n", "does not pass `imports`"),
            ("${message.upper()}\n", "expression"),
            ("${message | h}\n", "filters"),
            ("% if message:\n", "endif"),
        ] {
            let error = render(t, &vars()).unwrap_err();
            assert!(error.contains(why), "{t:?}: {error}");
        }
    }

    #[test]
    fn python_repr_of_strings() {
        assert_eq!(python_repr("it's"), "\"it's\"");
        assert_eq!(python_repr("a\\b'\"\n"), "'a\\\\b\\'\"\\n'");
        assert_eq!(Value::Tuple(vec!["a".into()]).repr(), "('a',)");
    }
}
