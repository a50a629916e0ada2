//! String expressions whose value is known before the function runs:
//! literals and module constants ([`super::constants`]) joined with `+`,
//! f-strings whose fields are constants, `%` formatting with `%s` and
//! `str.format` with plain fields.
//!
//! `f"ix_{TABLE}_name"`, `"ix_%s_name" % TABLE` and
//! `"ix_{}_name".format(TABLE)` all mean `ix_users_name` when `TABLE` is
//! the module constant `"users"`. Anything else in the expression — a
//! local name, a call, a format spec, a conversion other than `!s`, a
//! directive other than `%s` — and the value is not known: `None`.

use super::constants::Constant;
use super::literal::strip_brackets;
use super::{Kind, Scan, Token, split_top_level, string_value};

/// The value of the string expression `tokens`, if it is known.
pub(crate) fn evaluate(scan: &Scan<'_>, tokens: &[Token]) -> Option<String> {
    let tokens = strip_brackets(scan, tokens)
        .filter(|_| scan.is(tokens[0], "("))
        .unwrap_or(tokens);
    let terms = split_top_level(scan, tokens, "+");
    if terms.len() > 1 {
        let mut out = String::new();
        for term in terms {
            out.push_str(&evaluate(scan, term)?);
        }
        return Some(out);
    }
    let parts = split_top_level(scan, tokens, "%");
    if let [left, right] = parts.as_slice() {
        return percent(&evaluate(scan, left)?, &arguments(scan, right)?);
    }
    if let Some(value) = format_call(scan, tokens) {
        return Some(value);
    }
    match tokens {
        [] => None,
        [name] if name.kind == Kind::Name => match scan.constant(scan.str(*name))? {
            Constant::Str(value) => Some(value.to_string()),
            Constant::Strs(_) => None,
        },
        _ if tokens.iter().all(|t| t.kind == Kind::Str) => {
            let mut out = String::new();
            for &t in tokens {
                out.push_str(&literal(scan, scan.str(t))?);
            }
            Some(out)
        }
        _ => None,
    }
}

/// The SQL an `execute(...)` call is given, when its text is known:
/// `args` are the tokens inside the call's brackets, a string expression
/// or one wrapped in `text(...)` / `sa.text(...)`.
pub(crate) fn sql_text(scan: &Scan<'_>, args: &[Token]) -> Option<String> {
    let args = match args {
        [.., last] if scan.is(*last, ",") => &args[..args.len() - 1],
        _ => args,
    };
    let wrapped = args
        .iter()
        .position(|&t| scan.is(t, "("))
        .filter(|&open| open > 0 && scan.str(args[open - 1]) == "text" && scan.is(args[args.len() - 1], ")"))
        .filter(|&open| open == 1 || scan.is(args[open - 2], "."));
    match wrapped {
        Some(open) => evaluate(scan, &args[open + 1..args.len() - 1]),
        None => evaluate(scan, args),
    }
}

/// One string literal: plain, raw, or an f-string whose fields are
/// module constants. Bytes and template strings are not text.
fn literal(scan: &Scan<'_>, literal: &str) -> Option<String> {
    if let Some(value) = string_value(literal) {
        return Some(value);
    }
    let quote_at = literal.find(['\'', '"'])?;
    let prefix = literal[..quote_at].to_ascii_lowercase();
    if !prefix.contains('f') || prefix.contains(['b', 't']) {
        return None;
    }
    // The same literal without its `f`: its text with the braces in it.
    let plain = format!("{}{}", prefix.replace('f', ""), &literal[quote_at..]);
    // Escapes are read before the fields; a field never holds one.
    let template = string_value(&plain)?;
    fill(&template, |field| {
        let name = field.strip_suffix("!s").unwrap_or(field).trim();
        constant_str(scan, name)
    })
}

fn constant_str(scan: &Scan<'_>, name: &str) -> Option<String> {
    match scan.constant(name)? {
        Constant::Str(value) => Some(value.to_string()),
        Constant::Strs(_) => None,
    }
}

/// `template` with each `{field}` replaced by `value(field)`; `{{` and
/// `}}` are braces. A format spec or an unknown field: `None`.
fn fill(template: &str, mut value: impl FnMut(&str) -> Option<String>) -> Option<String> {
    let mut out = String::with_capacity(template.len());
    let mut chars = template.char_indices().peekable();
    while let Some((at, c)) = chars.next() {
        match c {
            '{' if chars.peek().is_some_and(|&(_, n)| n == '{') => {
                chars.next();
                out.push('{');
            }
            '}' if chars.peek().is_some_and(|&(_, n)| n == '}') => {
                chars.next();
                out.push('}');
            }
            '{' => {
                let close = template[at..].find('}')? + at;
                let field = &template[at + 1..close];
                if field.contains([':', '{', '[', '.', '(']) {
                    return None;
                }
                out.push_str(&value(field)?);
                while chars.peek().is_some_and(|&(i, _)| i <= close) {
                    chars.next();
                }
            }
            '}' => return None,
            c => out.push(c),
        }
    }
    Some(out)
}

/// The values of `%`'s right side: one expression, or a tuple of them.
fn arguments(scan: &Scan<'_>, tokens: &[Token]) -> Option<Vec<String>> {
    let inner = strip_brackets(scan, tokens).filter(|_| scan.is(tokens[0], "("));
    match inner {
        Some(inner) => split_top_level(scan, inner, ",")
            .into_iter()
            .filter(|part| !part.is_empty())
            .map(|part| evaluate(scan, part))
            .collect(),
        None => Some(vec![evaluate(scan, tokens)?]),
    }
}

/// `template % args` with `%s` and `%%` only.
fn percent(template: &str, args: &[String]) -> Option<String> {
    let mut out = String::with_capacity(template.len());
    let mut args = args.iter();
    let mut chars = template.chars();
    while let Some(c) = chars.next() {
        if c != '%' {
            out.push(c);
            continue;
        }
        match chars.next()? {
            '%' => out.push('%'),
            's' => out.push_str(args.next()?),
            _ => return None,
        }
    }
    // Python refuses arguments left over.
    args.next().is_none().then_some(out)
}

/// `"...".format(a, b, key=c)` with plain fields.
fn format_call(scan: &Scan<'_>, tokens: &[Token]) -> Option<String> {
    let dot = tokens.iter().rposition(|&t| scan.is(t, "."))?;
    let (receiver, call) = (&tokens[..dot], &tokens[dot + 1..]);
    let [method, open, .., close] = call else { return None };
    if scan.str(*method) != "format" || !scan.is(*open, "(") || !scan.is(*close, ")") {
        return None;
    }
    let template = evaluate(scan, receiver)?;
    let mut positional = Vec::new();
    let mut keywords = Vec::new();
    for part in split_top_level(scan, &call[2..call.len() - 1], ",") {
        match part {
            [] => {}
            [key, eq, value @ ..] if key.kind == Kind::Name && scan.is(*eq, "=") => {
                keywords.push((scan.str(*key), evaluate(scan, value)?));
            }
            _ => positional.push(evaluate(scan, part)?),
        }
    }
    let mut next = 0;
    fill(&template, |field| {
        let field = field.strip_suffix("!s").unwrap_or(field);
        if field.is_empty() {
            next += 1;
            return positional.get(next - 1).cloned();
        }
        if let Ok(index) = field.parse::<usize>() {
            return positional.get(index).cloned();
        }
        keywords.iter().find(|(k, _)| *k == field).map(|(_, v)| v.clone())
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The value of the right side of the file's last line.
    fn value(src: &str) -> Option<String> {
        let scan = Scan::new(src);
        let line = scan.lines.last().unwrap();
        let tokens = scan.line_tokens(line);
        let eq = tokens.iter().position(|&t| scan.is(t, "=")).unwrap();
        evaluate(&scan, &tokens[eq + 1..])
    }

    #[test]
    fn built_from_constants() {
        let head = "TABLE = 'users'\nCOL = \"email\"\n";
        for (expr, want) in [
            ("f'ix_{TABLE}_{COL}'", "ix_users_email"),
            ("f\"ix_{TABLE!s}\"", "ix_users"),
            ("F'{{x}}_{TABLE}'", "{x}_users"),
            ("'ix_%s_%s' % (TABLE, COL)", "ix_users_email"),
            ("'ix_%s' % TABLE", "ix_users"),
            ("'ix_{}_{}'.format(TABLE, COL)", "ix_users_email"),
            ("'ix_{1}_{0}'.format(COL, TABLE)", "ix_users_email"),
            ("'ix_{t}'.format(t=TABLE)", "ix_users"),
            ("'ix_' + TABLE + '_' + COL", "ix_users_email"),
            ("('ix_' 'a')", "ix_a"),
            ("'100%%'", "100%%"),
            ("'100%%' % ()", "100%"),
        ] {
            assert_eq!(value(&format!("{head}x = {expr}\n")).as_deref(), Some(want), "{expr}");
        }
    }

    #[test]
    fn sql_given_to_execute() {
        let scan = Scan::new("IX = 'ix_a'\nop.execute(sa.text(f'DROP INDEX {IX}'))\nop.execute(f'DROP INDEX {IX}',)\n");
        for line in &scan.lines[1..] {
            let tokens = scan.line_tokens(line);
            let args = &tokens[4..tokens.len() - 1];
            assert_eq!(sql_text(&scan, args).as_deref(), Some("DROP INDEX ix_a"));
        }
    }

    #[test]
    fn unknown_when_anything_is_run_time() {
        let head = "TABLE = 'users'\ndef f(local):\n    pass\n";
        for expr in [
            "f'ix_{local}'",
            "f'ix_{TABLE:>10}'",
            "f'ix_{TABLE.upper()}'",
            "'ix_%d' % TABLE",
            "'ix_%s_%s' % (TABLE,)",
            "'ix_%s' % (TABLE, TABLE)",
            "'ix_{}'.format(local)",
            "'ix_{}_{}'.format(TABLE)",
            "prefix + TABLE",
            "b'ix'",
            "TABLE.upper()",
        ] {
            assert_eq!(value(&format!("{head}x = {expr}\n")), None, "{expr}");
        }
    }
}
