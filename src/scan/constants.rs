//! Module constants: names a module binds once, at its top level, to a
//! string or to a list, tuple or set of strings, and never binds again.
//!
//! Python looks a name up in the module's globals when a function runs, so
//! `op.drop_table(TABLE_NAME)` in `upgrade()` means the string `TABLE_NAME`
//! holds when the module has finished loading. A name is a constant only
//! when nothing else can rebind it: a second module-level assignment, any
//! assignment or augmented assignment inside a function or block, a `for`
//! or comprehension target, an `as` target, an import, a `global`,
//! `nonlocal` or `del`, a parameter, a function or class of that name, or a
//! walrus. Any of those, and the name is not read: it stays unknown, as the
//! rules then treat it.

use std::collections::{HashMap, HashSet};

use compact_str::CompactString;

use super::literal::strip_brackets;
use super::{Kind, Scan, Token, split_top_level, string_value};

/// The value of a module constant.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Constant {
    Str(CompactString),
    /// A list, tuple or set of strings, in source order.
    Strs(Vec<CompactString>),
}

/// Every module constant of a scanned file, by name.
#[derive(Debug, Default)]
pub struct Constants(HashMap<CompactString, Constant>);

impl Constants {
    pub fn of<'a>(scan: &Scan<'a>) -> Self {
        let mut found: HashMap<&'a str, Option<Constant>> = HashMap::new();
        let mut rebound: HashSet<&'a str> = HashSet::new();
        for line in &scan.lines {
            let tokens = scan.line_tokens(line);
            let definition = if line.indent == 0 {
                definition(scan, tokens)
            } else {
                None
            };
            match definition {
                Some((name, value)) => {
                    // Bound twice at the top level: which value a function
                    // sees depends on when it runs.
                    found.entry(name).and_modify(|v| *v = None).or_insert(Some(value));
                }
                None => bindings(scan, tokens, &mut rebound),
            }
        }
        Constants(
            found
                .into_iter()
                .filter(|(name, _)| !rebound.contains(name))
                .filter_map(|(name, value)| Some((CompactString::from(name), value?)))
                .collect(),
        )
    }

    pub fn get(&self, name: &str) -> Option<&Constant> {
        self.0.get(name)
    }
}

/// `NAME = "text"` (adjacent literals concatenate) or `NAME = ["a", "b"]`
/// (a list, tuple or set of string literals, parenthesised or not).
fn definition<'a>(scan: &Scan<'a>, tokens: &[Token]) -> Option<(&'a str, Constant)> {
    let [name, eq, value @ ..] = tokens else {
        return None;
    };
    if name.kind != Kind::Name || !scan.is(*eq, "=") || value.is_empty() || is_keyword(scan.str(*name)) {
        return None;
    }
    if let Some(text) = strings(scan, value) {
        return Some((scan.str(*name), Constant::Str(text.into())));
    }
    Some((scan.str(*name), Constant::Strs(sequence(scan, value)?)))
}

/// One or more adjacent string literals, possibly in parentheses.
fn strings(scan: &Scan<'_>, tokens: &[Token]) -> Option<String> {
    let inner = match strip_brackets(scan, tokens) {
        Some(inner) if scan.is(tokens[0], "(") => inner,
        _ => tokens,
    };
    if inner.is_empty() || inner.iter().any(|t| t.kind != Kind::Str) {
        return None;
    }
    inner.iter().map(|&t| string_value(scan.str(t))).collect()
}

/// `["a", "b"]`, `("a", "b")`, `{"a", "b"}` or the bare `"a", "b"`.
fn sequence(scan: &Scan<'_>, tokens: &[Token]) -> Option<Vec<CompactString>> {
    let (first, last) = (*tokens.first()?, *tokens.last()?);
    let bracketed = [("(", ")"), ("[", "]"), ("{", "}")]
        .iter()
        .any(|(open, close)| scan.is(first, open) && scan.is(last, close));
    let inner = if bracketed && tokens.len() >= 2 {
        // `{` is not taken by strip_brackets: a set is checked by hand.
        if scan.is(first, "{") {
            &tokens[1..tokens.len() - 1]
        } else {
            strip_brackets(scan, tokens)?
        }
    } else if split_top_level(scan, tokens, ",").len() > 1 {
        tokens
    } else {
        return None;
    };
    split_top_level(scan, inner, ",")
        .into_iter()
        .filter(|part| !part.is_empty())
        .map(|part| {
            // A `:` makes it a dict, which is not a sequence of names.
            if part.iter().any(|&t| scan.is(t, ":")) {
                return None;
            }
            strings(scan, part).map(CompactString::from)
        })
        .collect()
}

fn is_keyword(name: &str) -> bool {
    matches!(name, "None" | "True" | "False")
}

/// Every name the statement may bind, other than a module constant's own
/// definition: assignment targets, loop and comprehension targets, `as`
/// targets, imports, `global` / `nonlocal` / `del`, parameters and the
/// names of functions and classes.
fn bindings<'a>(scan: &Scan<'a>, tokens: &[Token], rebound: &mut HashSet<&'a str>) {
    let Some(&first) = tokens.first() else { return };
    let names = |from: &[Token], rebound: &mut HashSet<&'a str>| {
        rebound.extend(from.iter().filter(|t| t.kind == Kind::Name).map(|&t| scan.str(t)));
    };
    let head = scan.str(first);
    if matches!(
        head,
        "def" | "async" | "class" | "import" | "from" | "global" | "nonlocal" | "del" | "lambda"
    ) {
        // A header binds its name and parameters; an import its names.
        names(tokens, rebound);
        return;
    }
    let mut depth = 0usize;
    let mut last_assign = None;
    for (i, &t) in tokens.iter().enumerate() {
        if t.kind == Kind::Op {
            match scan.str(t) {
                "(" | "[" | "{" => depth += 1,
                ")" | "]" | "}" => depth = depth.saturating_sub(1),
                "=" if depth == 0 => last_assign = Some(i),
                ":=" | "+=" | "-=" | "*=" | "/=" | "//=" | "%=" | "**=" | "|=" | "&=" | "^=" | ">>=" | "<<=" | "@=" => {
                    if let Some(target) = i.checked_sub(1).map(|p| tokens[p]) {
                        names(std::slice::from_ref(&target), rebound);
                    }
                    if depth == 0 {
                        last_assign = Some(i);
                    }
                }
                _ => {}
            }
            continue;
        }
        match scan.str(t) {
            // `for x in`, comprehensions: the names up to `in`.
            "for" => {
                let end = tokens[i + 1..]
                    .iter()
                    .position(|&u| scan.is(u, "in"))
                    .map_or(tokens.len(), |p| i + 1 + p);
                names(&tokens[i + 1..end], rebound);
            }
            "as" => names(&tokens[i + 1..(i + 2).min(tokens.len())], rebound),
            "lambda" => {
                let end = tokens[i + 1..]
                    .iter()
                    .position(|&u| scan.is(u, ":"))
                    .map_or(tokens.len(), |p| i + 1 + p);
                names(&tokens[i + 1..end], rebound);
            }
            _ => {}
        }
    }
    if let Some(at) = last_assign {
        names(&tokens[..at], rebound);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn constants(src: &str) -> Vec<(String, Constant)> {
        let scan = Scan::new(src);
        let mut out: Vec<_> = Constants::of(&scan)
            .0
            .into_iter()
            .map(|(k, v)| (k.to_string(), v))
            .collect();
        out.sort_by(|a, b| a.0.cmp(&b.0));
        out
    }

    #[test]
    fn strings_and_sequences_bound_once() {
        let found = constants(
            "TABLE = 'users'\nCOLS = ['a', \"b\"]\nPAIR = 'x', 'y'\nSET = {'s'}\nJOINED = ('ab'\n    'cd')\n",
        );
        assert_eq!(
            found,
            vec![
                ("COLS".into(), Constant::Strs(vec!["a".into(), "b".into()])),
                ("JOINED".into(), Constant::Str("abcd".into())),
                ("PAIR".into(), Constant::Strs(vec!["x".into(), "y".into()])),
                ("SET".into(), Constant::Strs(vec!["s".into()])),
                ("TABLE".into(), Constant::Str("users".into())),
            ]
        );
    }

    #[test]
    fn anything_that_may_rebind_a_name_makes_it_unknown() {
        for rebinding in [
            "T = 'other'\n",
            "def f():\n    T = 'other'\n",
            "def f(T):\n    pass\n",
            "for T in x:\n    pass\n",
            "y = [T for T in x]\n",
            "with open(p) as T:\n    pass\n",
            "from m import T\n",
            "import T\n",
            "def f():\n    global T\n",
            "T += 'x'\n",
            "if (T := g()):\n    pass\n",
            "a, T = 1, 2\n",
            "class T:\n    pass\n",
            "del T\n",
        ] {
            let found = constants(&format!("T = 'users'\n{rebinding}"));
            assert!(found.iter().all(|(name, _)| name != "T"), "{rebinding}");
        }
    }

    #[test]
    fn values_that_are_not_plain_strings_are_not_constants() {
        for value in [
            "f'x{y}'",
            "b'x'",
            "'a' + B",
            "['a', b]",
            "{'k': 'v'}",
            "g()",
            "None",
            "1",
        ] {
            assert!(constants(&format!("T = {value}\n")).is_empty(), "{value}");
        }
        // Keyword arguments are not bindings.
        assert_eq!(constants("T = 't'\nop.create_index('ix', table_name=T)\n").len(), 1);
    }
}
