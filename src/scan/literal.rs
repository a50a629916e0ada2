//! String literals with the bytes they came from: what every scanner of
//! this crate reads out of Python source when it reads a value.

use std::ops::Range;

use compact_str::CompactString;
use serde::{Deserialize, Serialize};

use super::constants::Constant;
use super::{Kind, Scan, Token, string_value};

/// A string with the byte span it came from.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Item {
    pub value: CompactString,
    pub span: Range<usize>,
}

/// The tokens inside one pair of brackets enclosing the whole slice.
pub(crate) fn strip_brackets<'t>(scan: &Scan<'_>, tokens: &'t [Token]) -> Option<&'t [Token]> {
    let (first, last) = (*tokens.first()?, *tokens.last()?);
    let close = match scan.str(first) {
        "(" if first.kind == Kind::Op => ")",
        "[" if first.kind == Kind::Op => "]",
        _ => return None,
    };
    if tokens.len() < 2 || !scan.is(last, close) {
        return None;
    }
    // The first bracket must close at the very end.
    let mut depth = 0usize;
    for (i, &t) in tokens.iter().enumerate() {
        if t.kind != Kind::Op {
            continue;
        }
        match scan.str(t) {
            "(" | "[" | "{" => depth += 1,
            ")" | "]" | "}" => {
                depth = depth.saturating_sub(1);
                if depth == 0 && i != tokens.len() - 1 {
                    return None;
                }
            }
            _ => {}
        }
    }
    Some(&tokens[1..tokens.len() - 1])
}

/// One or more adjacent string literals (implicit concatenation), possibly
/// in redundant parentheses, the name of a module constant bound to a
/// string (pointing at the name), or a string built from them
/// ([`super::format`]).
pub(crate) fn string_item(scan: &Scan<'_>, tokens: &[Token]) -> Option<Item> {
    let tokens = strip_brackets(scan, tokens)
        .filter(|_| scan.is(tokens[0], "("))
        .unwrap_or(tokens);
    if let [name] = tokens
        && name.kind == Kind::Name
    {
        return match scan.constant(scan.str(*name))? {
            Constant::Str(value) => Some(Item {
                value: value.clone(),
                span: name.span(),
            }),
            Constant::Strs(_) => None,
        };
    }
    if tokens.is_empty() {
        return None;
    }
    if tokens.iter().any(|t| t.kind != Kind::Str) || tokens.iter().any(|&t| string_value(scan.str(t)).is_none()) {
        // An f-string, `%` or `.format` built from constants.
        let value = super::format::evaluate(scan, tokens)?;
        return Some(Item {
            value: value.into(),
            span: tokens[0].start..tokens[tokens.len() - 1].end,
        });
    }
    let mut value = String::new();
    for &t in tokens {
        value.push_str(&string_value(scan.str(t))?);
    }
    let first = tokens[0];
    let last = tokens[tokens.len() - 1];
    // Point at the characters inside the quotes when the literal is simple.
    let span = if tokens.len() == 1 {
        let literal = scan.str(first);
        let open = literal.find(['\'', '"']).unwrap_or(0);
        let quotes = if literal[open..].starts_with("'''") || literal[open..].starts_with("\"\"\"") {
            3
        } else {
            1
        };
        let inner = first.start + open + quotes..first.end.saturating_sub(quotes);
        if inner.start <= inner.end && scan.text[inner.clone()] == value {
            inner
        } else {
            first.span()
        }
    } else {
        first.start..last.end
    };
    Some(Item {
        value: value.into(),
        span,
    })
}
