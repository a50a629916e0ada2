//! `create_all` and `drop_all` in application code, with what guards them.
//!
//! A site is any `.create_all` / `.drop_all` attribute (a call, or a
//! reference passed along as in `conn.run_sync(Base.metadata.create_all)`);
//! a function *named* `create_all` is not a site, nor is anything in a
//! string or comment. A site counts as guarded when an enclosing `if`
//! tests the environment or configuration (`os.environ`, `settings`, an
//! `ALEMBIC`-named flag, ...); when a later call in the same function has
//! `stamp` in its name (Alembic's documented bootstrap:
//! `command.stamp(cfg, "head")`); when an earlier `if` in the same function
//! checks whether the database is versioned or empty and raises or returns;
//! or when the same function builds an in-memory database.

use std::ops::Range;

use serde::{Deserialize, Serialize};

use super::blocks::{BlockKind, walk};
use super::{Kind, Scan, string_value};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum Method {
    CreateAll,
    DropAll,
}

/// Why a site is considered safe.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum Guard {
    /// An enclosing `if` tests the environment or configuration.
    Condition,
    /// An enclosing `if` checks whether the database is versioned or empty.
    StateCheck,
    /// A later call in the same function stamps the database.
    Stamp,
    /// The same function builds an in-memory database.
    InMemory,
    /// An earlier `if` about the database's state raises or returns.
    EarlierStateCheck,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AllCall {
    pub method: Method,
    /// From the start of the receiver (`Base.metadata`) to the end of the
    /// call, or of the reference.
    pub span: Range<usize>,
    /// Why the site is considered safe, if it is.
    pub guard: Option<Guard>,
}

/// A cheap byte test done before scanning.
pub fn may_call_all(bytes: &[u8]) -> bool {
    bytes.windows(8).any(|w| w == b"drop_all" || w == b"create_a")
}

const CONFIG_WORDS: [&str; 12] = [
    "environ", "getenv", "settings", "config", "alembic", "testing", "debug", "argv", "args.", "flag", "option", "env",
];
const STATE_WORDS: [&str; 7] = [
    "version",
    "table_exists",
    "has_table",
    "get_table_names",
    "empty",
    "exists",
    "tables",
];

pub fn all_calls(scan: &Scan<'_>) -> Vec<AllCall> {
    let mut out = Vec::new();
    walk(scan, 0..scan.lines.len(), |statement| {
        let tokens = statement.tokens;
        for (i, &t) in tokens.iter().enumerate() {
            if t.kind != Kind::Name {
                continue;
            }
            let method = match scan.str(t) {
                "create_all" => Method::CreateAll,
                "drop_all" => Method::DropAll,
                _ => continue,
            };
            if i == 0 || !scan.is(tokens[i - 1], ".") {
                continue;
            }
            // The dotted receiver before the attribute.
            let mut start = i - 1;
            while start >= 1 && tokens[start - 1].kind == Kind::Name {
                if start >= 2 && scan.is(tokens[start - 2], ".") {
                    start -= 2;
                } else {
                    start -= 1;
                    break;
                }
            }
            let mut end = t.end;
            if tokens.get(i + 1).is_some_and(|&n| scan.is(n, "(")) {
                let mut depth = 0usize;
                for &n in &tokens[i + 1..] {
                    match scan.str(n) {
                        "(" | "[" | "{" if n.kind == Kind::Op => depth += 1,
                        ")" | "]" | "}" if n.kind == Kind::Op => {
                            depth = depth.saturating_sub(1);
                            if depth == 0 {
                                end = n.end;
                                break;
                            }
                        }
                        _ => {}
                    }
                }
            }
            let guard = guard_of(scan, statement, t.start);
            out.push(AllCall {
                method,
                span: tokens[start].start..end,
                guard,
            });
        }
    });
    out
}

fn guard_of(scan: &Scan<'_>, statement: &super::blocks::Statement<'_>, at: usize) -> Option<Guard> {
    for block in statement.blocks {
        if let BlockKind::Arm {
            condition, previous, ..
        } = &block.kind
        {
            for c in std::iter::once(condition).chain(previous) {
                let lower = scan.text[c.clone()].to_lowercase();
                if CONFIG_WORDS.iter().any(|w| lower.contains(w)) {
                    return Some(Guard::Condition);
                }
                if STATE_WORDS.iter().any(|w| lower.contains(w)) {
                    return Some(Guard::StateCheck);
                }
            }
        }
    }
    // The enclosing function, or the whole module.
    let lines = match statement
        .blocks
        .iter()
        .rev()
        .find(|b| matches!(b.kind, BlockKind::Def { .. }))
    {
        Some(def) => {
            let end = scan.lines[def.line + 1..]
                .iter()
                .position(|l| l.indent <= def.indent)
                .map_or(scan.lines.len(), |p| def.line + 1 + p);
            def.line..end
        }
        None => 0..scan.lines.len(),
    };
    let first = scan.lines[lines.start].tokens.start;
    let last = scan.lines[lines.end - 1].tokens.end;
    let tokens = &scan.tokens[first..last];
    let stamped = tokens.windows(2).any(|w| {
        w[0].start > at
            && w[0].kind == Kind::Name
            && scan.str(w[0]).to_lowercase().contains("stamp")
            && scan.is(w[1], "(")
    });
    if stamped {
        return Some(Guard::Stamp);
    }
    let in_memory = tokens.iter().filter(|t| t.kind == Kind::Str).any(|&t| {
        string_value(scan.str(t))
            .is_some_and(|v| v.contains(":memory:") || (v.starts_with("sqlite") && v.ends_with("://")))
    });
    if in_memory {
        return Some(Guard::InMemory);
    }
    // An earlier `if` about the database's state that raises or returns.
    let mut checked = false;
    walk(scan, lines.clone(), |s| {
        if s.tokens.first().is_none_or(|t| t.start > at) {
            return;
        }
        let about_state = s.blocks.iter().any(|b| match &b.kind {
            BlockKind::Arm { condition, .. } => {
                let lower = scan.text[condition.clone()].to_lowercase();
                STATE_WORDS.iter().any(|w| lower.contains(w))
            }
            _ => false,
        });
        if about_state
            && s.tokens
                .first()
                .is_some_and(|&t| scan.is(t, "raise") || scan.is(t, "return"))
        {
            checked = true;
        }
    });
    checked.then_some(Guard::EarlierStateCheck)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sites(text: &str) -> Vec<(String, Option<Guard>)> {
        let scan = Scan::new(text);
        all_calls(&scan)
            .into_iter()
            .map(|c| (text[c.span].to_owned(), c.guard))
            .collect()
    }

    #[test]
    fn calls_references_and_non_calls() {
        let text = "# Base.metadata.create_all(engine)\n\"\"\"db.create_all()\"\"\"\nx = 'metadata.create_all()'\ndef create_all(self):\n    pass\nBase.metadata.create_all(bind=engine)\nasync def init_db():\n    async with engine.begin() as conn:\n        await conn.run_sync(Base.metadata.create_all)\n";
        assert_eq!(
            sites(text),
            [
                ("Base.metadata.create_all(bind=engine)".to_owned(), None),
                ("Base.metadata.create_all".to_owned(), None)
            ]
        );
    }

    #[test]
    fn guards() {
        let text = "def a():\n    if not os.environ.get('ALEMBIC_RUNNING'):\n        Base.metadata.create_all(engine)\n\ndef b(cfg):\n    db.create_all()\n    command.stamp(cfg, 'head')\n\ndef c():\n    if version(conn) is not None:\n        raise RuntimeError('already versioned')\n    metadata.create_all(conn)\n\ndef d():\n    engine = create_engine('sqlite://')\n    Base.metadata.drop_all(engine)\n\ndef e():\n    stamp_latest_revision()\n    db.create_all()\n";
        let got = sites(text);
        assert_eq!(got[0].1, Some(Guard::Condition));
        assert_eq!(got[1].1, Some(Guard::Stamp));
        assert_eq!(got[2].1, Some(Guard::EarlierStateCheck));
        assert_eq!(got[3].1, Some(Guard::InMemory));
        assert_eq!(got[4].1, None, "a stamp before the call does not guard it");
    }
}
