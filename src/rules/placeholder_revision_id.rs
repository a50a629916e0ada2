//! AP107 placeholder-revision-id: see `docs/rules/placeholder-revision-id.md`.

use super::{FileContext, Rule};
use crate::diagnostic::Emitter;

pub(crate) fn check(ctx: &FileContext<'_>, emit: &mut Emitter<'_>) {
    let Some(id) = ctx.file.facts.revision_id() else { return };
    if !is_placeholder(id) {
        return;
    }
    emit.report(
        Rule::PlaceholderRevisionId,
        &ctx.file.path,
        ctx.file.revision_span(),
        format!("revision id `{id}` looks hand-typed; the same placeholder on two branches collides"),
    )
    .help("generate a fresh id (`alembic revision` does), then update every `down_revision` that names this one");
}

/// Ids a person types rather than generates: one repeated character, a
/// straight run through `0123456789abcdef` (at most two runs), or two such
/// runs interleaved (`a1b2c3d4e5f6`).
pub(crate) fn is_placeholder(id: &str) -> bool {
    const ALPHABET: &[u8] = b"0123456789abcdef";
    let bytes: Vec<u8> = id.bytes().map(|c| c.to_ascii_lowercase()).collect();
    if bytes.len() < 6 || !bytes.iter().all(|c| ALPHABET.contains(c)) {
        return false;
    }
    if bytes.iter().all(|&c| c == bytes[0]) {
        return true;
    }
    let position = |c: u8| ALPHABET.iter().position(|&a| a == c).unwrap_or(0);
    let follows = |a: u8, b: u8| position(b) == (position(a) + 1) % ALPHABET.len();
    let runs = 1 + bytes.windows(2).filter(|w| !follows(w[0], w[1])).count();
    if runs <= 2 {
        return true;
    }
    let interleaved = |offset: usize| {
        let lane: Vec<u8> = bytes.iter().skip(offset).step_by(2).copied().collect();
        lane.windows(2).all(|w| follows(w[0], w[1]))
    };
    interleaved(0) && interleaved(1)
}

#[cfg(test)]
mod tests {
    use super::is_placeholder;
    use crate::rules::Rule;
    use crate::rules::tests::{lint, lint_ok};

    #[test]
    fn placeholders() {
        for id in [
            "a1b2c3d4e5f6",
            "123456789abc",
            "000000000000",
            "abcdef123456",
            "1a2b3c4d5e6f",
            "0123456789ab",
        ] {
            assert!(is_placeholder(id), "{id}");
        }
        for id in [
            "3c8e2d1a9b7f",
            "059",
            "47147121",
            "kilo",
            "ae1027a6acf",
            "main_0000a",
            "012",
        ] {
            assert!(!is_placeholder(id), "{id}");
        }
    }

    #[test]
    fn snapshot() {
        insta::assert_snapshot!(lint("a1b2c3d4e5f6_init.py", "revision = 'a1b2c3d4e5f6'\ndown_revision = None\n", Rule::PlaceholderRevisionId), @"
        warning[AP107] placeholder-revision-id: revision id `a1b2c3d4e5f6` looks hand-typed; the same placeholder on two branches collides
         --> versions/a1b2c3d4e5f6_init.py:1:13
          |
        1 | revision = 'a1b2c3d4e5f6'
          |             ^^^^^^^^^^^^
          |
          = help: generate a fresh id (`alembic revision` does), then update every `down_revision` that names this one

        Found 1 problem (1 warning) in 1 file
        Run `alembic-preflight explain AP107` for what a rule checks and how to fix it.
        ");
        lint_ok(
            "x.py",
            "revision = 'ae1027a6acf'\ndown_revision = None\n",
            Rule::PlaceholderRevisionId,
        );
    }
}
