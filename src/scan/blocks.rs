//! Statements with the blocks that enclose them.
//!
//! [`walk`] visits the logical lines of a range in order and hands each
//! statement to a callback together with the stack of compound statements
//! around it: `if`/`elif`/`else` arms (arms of one chain share a group, so
//! callers know they are alternatives), `with`, `def`, `class` and the rest.
//! A compound statement with its body on the same line (`if x: f()`) yields
//! that body as a statement inside the block.

use std::ops::Range;

use super::{Kind, Scan, Token};

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum BlockKind {
    /// One arm of an `if`/`elif`/`else` chain. `condition` is empty for
    /// `else`; `previous` holds the conditions of the arms before it, as
    /// byte ranges.
    Arm {
        group: usize,
        arm: usize,
        condition: Range<usize>,
        previous: Conditions,
    },
    /// `with EXPR [as NAME]`: the tokens after `with`, up to the colon.
    With {
        header: Range<usize>,
    },
    Def {
        name: Range<usize>,
    },
    Class {
        name: Range<usize>,
        bases: Range<usize>,
    },
    Other,
}

/// The conditions of the earlier arms of a chain, newest first. Arms
/// share them: a chain of K arms holds K conditions, not K². Dropped,
/// compared and printed a link at a time, never by recursion, so a chain
/// of any length fits the stack.
#[derive(Clone, Default)]
pub struct Conditions(Option<std::rc::Rc<(Range<usize>, Conditions)>>);

impl Drop for Conditions {
    fn drop(&mut self) {
        let mut next = self.0.take();
        while let Some(link) = next {
            next = match std::rc::Rc::try_unwrap(link) {
                Ok((_, mut rest)) => rest.0.take(),
                // Another arm still holds the rest.
                Err(_) => None,
            };
        }
    }
}

impl PartialEq for Conditions {
    fn eq(&self, other: &Self) -> bool {
        self.iter().eq(other.iter())
    }
}

impl Eq for Conditions {}

impl std::fmt::Debug for Conditions {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_list().entries(self.iter()).finish()
    }
}

impl Conditions {
    #[must_use]
    fn with(&self, condition: Range<usize>) -> Self {
        Conditions(Some(std::rc::Rc::new((condition, self.clone()))))
    }

    /// Newest first.
    pub fn iter(&self) -> impl Iterator<Item = &Range<usize>> {
        std::iter::successors(self.0.as_deref(), |(_, rest)| rest.0.as_deref()).map(|(c, _)| c)
    }
}

#[derive(Debug, Clone)]
pub struct Block {
    pub indent: usize,
    pub kind: BlockKind,
    /// Index of the header's logical line.
    pub line: usize,
}

/// One statement as the walker sees it.
pub struct Statement<'a> {
    /// Index of the logical line the statement belongs to.
    pub line: usize,
    pub tokens: &'a [Token],
    pub indent: usize,
    pub blocks: &'a [Block],
}

/// Visits every statement of `lines` (indices into `scan.lines`).
pub fn walk(scan: &Scan<'_>, lines: Range<usize>, mut visit: impl FnMut(&Statement<'_>)) {
    let mut stack: Vec<Block> = Vec::new();
    let mut chains = Chains::default();
    for index in lines {
        let line = &scan.lines[index];
        while stack.last().is_some_and(|b| b.indent >= line.indent) {
            stack.pop();
        }
        chains.open.retain(|c| c.indent <= line.indent);
        let tokens = scan.line_tokens(line);
        let Some(&first) = tokens.first() else { continue };
        let keyword = if first.kind == Kind::Name { scan.str(first) } else { "" };
        let colon = if is_compound(keyword) {
            header_colon(scan, tokens)
        } else {
            None
        };
        let Some(colon) = colon else {
            if !matches!(keyword, "elif" | "else") {
                chains.open.retain(|c| c.indent < line.indent);
            }
            visit(&Statement {
                line: index,
                tokens,
                indent: line.indent,
                blocks: &stack,
            });
            continue;
        };
        let kind = match keyword {
            "if" | "elif" => chains.arm(keyword, span_of(tokens, &tokens[1..colon]), line.indent),
            "else" => chains.arm(keyword, tokens[0].end..tokens[0].end, line.indent),
            _ => {
                chains.open.retain(|c| c.indent < line.indent);
                block_kind(scan, keyword, tokens, colon)
            }
        };
        stack.push(Block {
            indent: line.indent,
            kind,
            line: index,
        });
        let inline = &tokens[colon + 1..];
        if !inline.is_empty() {
            visit(&Statement {
                line: index,
                tokens: inline,
                indent: line.indent + 1,
                blocks: &stack,
            });
            stack.pop();
        }
    }
}

fn is_compound(keyword: &str) -> bool {
    matches!(
        keyword,
        "if" | "elif"
            | "else"
            | "with"
            | "def"
            | "class"
            | "for"
            | "while"
            | "try"
            | "except"
            | "finally"
            | "async"
            | "match"
            | "case"
    )
}

/// From the first of `part` to its last; empty at the line's start when
/// `part` is.
fn span_of(tokens: &[Token], part: &[Token]) -> Range<usize> {
    match (part.first(), part.last()) {
        (Some(a), Some(b)) => a.start..b.end,
        _ => tokens[0].start..tokens[0].start,
    }
}

/// The block a compound header other than `if`/`elif`/`else` opens.
fn block_kind(scan: &Scan<'_>, keyword: &str, tokens: &[Token], colon: usize) -> BlockKind {
    match keyword {
        "with" => BlockKind::With {
            header: span_of(tokens, &tokens[1..colon]),
        },
        "def" | "async" => {
            let name = tokens
                .iter()
                .skip_while(|t| scan.str(**t) != "def")
                .nth(1)
                .map_or(0..0, |t| t.span());
            BlockKind::Def { name }
        }
        "class" => {
            let name = tokens.get(1).map_or(0..0, |t| t.span());
            // Between the parentheses of `class Name(...)`, if any.
            let bases = if colon > 3 && scan.is(tokens[2], "(") && scan.is(tokens[colon - 1], ")") {
                span_of(tokens, &tokens[3..colon - 1])
            } else {
                tokens[colon].start..tokens[colon].start
            };
            BlockKind::Class { name, bases }
        }
        _ => BlockKind::Other,
    }
}

/// The `if` chains open at each indent.
#[derive(Default)]
struct Chains {
    open: Vec<Chain>,
    next_group: usize,
}

struct Chain {
    indent: usize,
    group: usize,
    /// Arms so far, less one.
    arm: usize,
    conditions: Conditions,
}

impl Chains {
    /// The arm an `if`, `elif` or `else` header opens; `condition` is the
    /// header's text between the keyword and the colon (empty for `else`).
    fn arm(&mut self, keyword: &str, condition: Range<usize>, indent: usize) -> BlockKind {
        let same_chain = keyword != "if" && self.open.last().is_some_and(|c| c.indent == indent);
        if same_chain {
            if let Some(chain) = self.open.last_mut() {
                chain.arm += 1;
            }
        } else {
            self.open.retain(|c| c.indent < indent);
            self.open.push(Chain {
                indent,
                group: self.next_group,
                arm: 0,
                conditions: Conditions::default(),
            });
            self.next_group += 1;
        }
        let chain = self.open.last_mut().expect("a chain was just pushed or found");
        let previous = chain.conditions.clone();
        if keyword != "else" {
            chain.conditions = chain.conditions.with(condition.clone());
        }
        BlockKind::Arm {
            group: chain.group,
            arm: chain.arm,
            condition,
            previous,
        }
    }
}

/// The colon that ends a compound statement's header (outside brackets;
/// a lambda's colon sits inside the header and is skipped).
fn header_colon(scan: &Scan<'_>, tokens: &[Token]) -> Option<usize> {
    let mut depth = 0usize;
    let mut lambdas = 0usize;
    for (i, &t) in tokens.iter().enumerate() {
        match (t.kind, scan.str(t)) {
            (Kind::Op, "(" | "[" | "{") => depth += 1,
            (Kind::Op, ")" | "]" | "}") => depth = depth.saturating_sub(1),
            (Kind::Name, "lambda") if depth == 0 => lambdas += 1,
            (Kind::Op, ":") if depth == 0 => {
                if lambdas > 0 {
                    lambdas -= 1;
                } else {
                    return Some(i);
                }
            }
            _ => {}
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    fn describe(text: &str) -> Vec<String> {
        let scan = Scan::new(text);
        let mut out = Vec::new();
        walk(&scan, 0..scan.lines.len(), |s| {
            let words: Vec<&str> = s.tokens.iter().map(|&t| scan.str(t)).collect();
            let blocks: Vec<String> = s
                .blocks
                .iter()
                .map(|b| match &b.kind {
                    BlockKind::Arm {
                        group, arm, condition, ..
                    } => format!("arm{group}.{arm}({})", &scan.text[condition.clone()]),
                    BlockKind::With { header } => format!("with({})", &scan.text[header.clone()]),
                    BlockKind::Def { name } => format!("def({})", &scan.text[name.clone()]),
                    BlockKind::Class { name, .. } => format!("class({})", &scan.text[name.clone()]),
                    BlockKind::Other => "other".into(),
                })
                .collect();
            out.push(format!("{} <- {}", words.join(" "), blocks.join("/")));
        });
        out
    }

    /// F-30: the conditions of a chain of 100,000 arms are shared, and go
    /// without recursing through them.
    #[test]
    fn f30_a_long_chain_shares_its_conditions() {
        use std::fmt::Write;
        let mut text = String::from("if x == 0:\n    a()\n");
        for i in 1..100_000 {
            let _ = write!(text, "elif x == {i}:\n    a()\n");
        }
        let scan = Scan::new(&text);
        let mut last = Conditions::default();
        let mut arms = 0;
        walk(&scan, 0..scan.lines.len(), |s| {
            if let Some(BlockKind::Arm { previous, .. }) = s.blocks.last().map(|b| &b.kind) {
                arms += 1;
                last = previous.clone();
            }
        });
        assert_eq!(arms, 100_000);
        assert_eq!(last.iter().count(), 99_999);
        assert_eq!(&text[last.iter().next().expect("a condition").clone()], "x == 99998");
        drop(last);
    }

    #[test]
    fn if_chains_and_with_blocks() {
        let text = "def upgrade():\n    if dialect == 'mysql':\n        a()\n    elif x:\n        b()\n    else:\n        c()\n    with op.batch_alter_table('t') as batch_op:\n        d()\n    if y: e()\n    f()\n";
        assert_eq!(
            describe(text),
            [
                "a ( ) <- def(upgrade)/arm0.0(dialect == 'mysql')",
                "b ( ) <- def(upgrade)/arm0.1(x)",
                "c ( ) <- def(upgrade)/arm0.2()",
                "d ( ) <- def(upgrade)/with(op.batch_alter_table('t') as batch_op)",
                "e ( ) <- def(upgrade)/arm1.0(y)",
                "f ( ) <- def(upgrade)",
            ]
        );
    }

    #[test]
    fn a_new_if_after_a_chain_starts_a_new_group() {
        let text = "if a:\n    x()\nif b:\n    y()\nelse:\n    z()\n";
        assert_eq!(
            describe(text),
            ["x ( ) <- arm0.0(a)", "y ( ) <- arm1.0(b)", "z ( ) <- arm1.1()"]
        );
    }
}
