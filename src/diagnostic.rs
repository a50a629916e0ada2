//! Diagnostics are plain data: what rule, where (a byte range in a file),
//! what is wrong, how to fix it, and the other places involved. Rendering
//! happens elsewhere.

use std::ops::Range;

use crate::rule::Rule;
pub use crate::rule::Severity;

/// Another place a diagnostic involves (selene's secondary label).
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Related {
    pub path: String,
    pub range: Range<usize>,
    pub message: String,
}

#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Diagnostic {
    pub rule: Rule,
    pub severity: Severity,
    /// Root-relative, `/`-separated.
    pub path: String,
    pub range: Range<usize>,
    pub message: String,
    pub help: Option<String>,
    pub related: Vec<Related>,
    /// What makes this the same problem as one in a baseline, when the
    /// message is not stable enough (it names heads that move as commits
    /// are added on top of them).
    pub identity: Option<String>,
    /// The text edits that fix it, when they are known.
    pub fix: Option<Fix>,
}

/// Whether `--fix` applies a fix alone, or only with `--unsafe-fixes`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Applicability {
    /// It makes the file say what the project already means, and nothing
    /// else.
    Safe,
    /// It chooses for the user (a parent guessed from dates): reviewed
    /// before it is kept.
    Unsafe,
}

/// A fix: edits of files, applied together or not at all.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Fix {
    pub applicability: Applicability,
    /// What it does, for `--show-fixes` and the JSON document.
    pub message: String,
    pub edits: Vec<Edit>,
}

/// Replace `range` of `path` (byte offsets in its decoded text) with
/// `content`. `expected` is the text the range must hold: a file that
/// changed since it was read is never edited.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Edit {
    pub path: String,
    pub range: Range<usize>,
    pub expected: String,
    pub content: String,
}

impl Edit {
    pub fn replace(path: &str, range: Range<usize>, expected: &str, content: impl Into<String>) -> Self {
        Edit {
            path: path.to_owned(),
            range,
            expected: expected.to_owned(),
            content: content.into(),
        }
    }
}

impl Diagnostic {
    /// Every path the diagnostic names: its own and its related ones.
    pub fn paths(&self) -> impl Iterator<Item = &str> {
        std::iter::once(self.path.as_str()).chain(self.related.iter().map(|r| r.path.as_str()))
    }

    pub fn sort_key(&self) -> (&str, usize, Rule) {
        (&self.path, self.range.start, self.rule)
    }
}

/// Collects diagnostics, dropping those of disabled rules and stamping the
/// configured severity on the others.
pub struct Emitter<'s> {
    severity: &'s (dyn Fn(Rule) -> Option<Severity> + Sync),
    diagnostics: Vec<Diagnostic>,
}

impl<'s> Emitter<'s> {
    pub fn new(severity: &'s (dyn Fn(Rule) -> Option<Severity> + Sync)) -> Self {
        Self {
            severity,
            diagnostics: Vec::new(),
        }
    }

    /// Adds what another emitter reported.
    /// An empty emitter with the same severities, for work done on
    /// another thread.
    #[must_use]
    pub fn sibling(&self) -> Emitter<'s> {
        Emitter::new(self.severity)
    }

    pub fn extend(&mut self, diagnostics: Vec<Diagnostic>) {
        self.diagnostics.extend(diagnostics);
    }

    pub fn enabled(&self, rule: Rule) -> bool {
        (self.severity)(rule).is_some()
    }

    pub fn report(&mut self, rule: Rule, path: &str, range: Range<usize>, message: impl Into<String>) -> Report<'_> {
        let Some(severity) = (self.severity)(rule) else {
            return Report(None);
        };
        self.diagnostics.push(Diagnostic {
            rule,
            severity,
            path: path.to_owned(),
            range,
            message: message.into(),
            help: None,
            related: Vec::new(),
            identity: None,
            fix: None,
        });
        Report(self.diagnostics.last_mut())
    }

    pub fn into_diagnostics(self) -> Vec<Diagnostic> {
        self.diagnostics
    }
}

/// A just-reported diagnostic, to add help and related locations to.
pub struct Report<'e>(Option<&'e mut Diagnostic>);

impl Report<'_> {
    #[allow(clippy::return_self_not_must_use)]
    pub fn help(mut self, help: impl Into<String>) -> Self {
        if let Some(d) = self.0.as_deref_mut() {
            d.help = Some(help.into());
        }
        self
    }

    #[allow(clippy::return_self_not_must_use)]
    pub fn fix(mut self, fix: Fix) -> Self {
        if let Some(d) = self.0.as_deref_mut() {
            d.fix = Some(fix);
        }
        self
    }

    #[allow(clippy::return_self_not_must_use)]
    pub fn identity(mut self, identity: impl Into<String>) -> Self {
        if let Some(d) = self.0.as_deref_mut() {
            d.identity = Some(identity.into());
        }
        self
    }

    #[allow(clippy::return_self_not_must_use)]
    pub fn related(mut self, path: &str, range: Range<usize>, message: impl Into<String>) -> Self {
        if let Some(d) = self.0.as_deref_mut() {
            d.related.push(Related {
                path: path.to_owned(),
                range,
                message: message.into(),
            });
        }
        self
    }
}
