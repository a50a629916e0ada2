//! Configuration: discovery, the strict schema, and the one function that
//! resolves defaults < file < command line.
//!
//! The file is the first of `alembic-preflight.toml`,
//! `.alembic-preflight.toml`, or a `pyproject.toml` that has a
//! `[tool.alembic-preflight]` table, found in the project root; never above
//! it, never a user-global file. `--config FILE` names one; `--isolated`
//! reads none. Unknown keys are errors that name the file, line and column.
//! A directory below the root with a file of its own is a nested project
//! (a monorepo's `backend/`) with its own settings, relative to it: see
//! `check::check`.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use anyhow::{Context, Result, bail};
use ignore::gitignore::{Gitignore, GitignoreBuilder};
use serde::Deserialize;

use crate::rule::Rule;
use crate::rule::Severity;

/// The file's keys, all optional.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct ConfigFile {
    pub script_locations: Option<Vec<String>>,
    pub version_locations: Option<Vec<String>>,
    pub models: Option<Vec<String>>,
    pub tests: Option<Vec<String>>,
    pub exclude: Option<Vec<String>>,
    pub external_revisions: Option<Vec<String>>,
    pub downgrade: Option<DowngradePolicy>,
    pub max_identifier_length: Option<usize>,
    pub index_naming: Option<String>,
    pub expected_heads: Option<ExpectedHeads>,
    /// The database, where `alembic.ini` does not say it
    /// (`postgresql`, `mysql`, `sqlite`, `mssql`, `oracle`).
    pub dialect: Option<String>,
    /// The safe-migration rules judge every revision, not only new ones.
    pub audit: Option<bool>,
    /// The oldest PostgreSQL major version the project runs on, where a
    /// rule's answer depends on it.
    pub postgres_version: Option<u32>,
    /// The timeouts a revision that locks a table must run under (AP812):
    /// `lock_timeout` (the default), `statement_timeout`.
    pub timeouts: Option<Vec<String>>,
    pub rules: Option<BTreeMap<RuleKey, Level>>,
}

/// A key of the `rules` table: a rule's code or name, checked while the
/// file is read, so that a misspelt one is reported with its file, line and
/// column, as an unknown key is.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct RuleKey(pub String);

impl<'de> Deserialize<'de> for RuleKey {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> std::result::Result<Self, D::Error> {
        let key = String::deserialize(deserializer)?;
        key.parse::<Rule>().map_err(serde::de::Error::custom)?;
        Ok(RuleKey(key))
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum DowngradePolicy {
    Required,
    Optional,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Level {
    Off,
    Warning,
    Error,
}

/// How many unlabelled heads an environment keeps on purpose: one number
/// for every environment, or one per script location.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(untagged)]
pub enum ExpectedHeads {
    All(usize),
    PerLocation(BTreeMap<String, usize>),
}

#[derive(Deserialize)]
struct Pyproject {
    tool: Option<PyprojectTool>,
}

#[derive(Deserialize)]
struct PyprojectTool {
    #[serde(rename = "alembic-preflight")]
    alembic_preflight: Option<ConfigFile>,
}

/// Rule selectors from the command line: a code, a name, or a code prefix
/// (`AP2`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Selector(String);

impl Selector {
    pub fn parse(text: &str) -> Result<Self> {
        let text = text.trim();
        let known = text.parse::<Rule>().is_ok()
            || (text.get(..2).is_some_and(|p| p.eq_ignore_ascii_case("AP"))
                && Rule::ALL
                    .iter()
                    .any(|r| r.code().starts_with(&text.to_ascii_uppercase())));
        if !known {
            bail!("`{text}` is neither a rule code, a rule name, nor a code prefix such as `AP2`");
        }
        Ok(Self(text.to_owned()))
    }

    fn exact(&self, rule: Rule) -> bool {
        rule.code().eq_ignore_ascii_case(&self.0) || rule.name() == self.0
    }

    fn matches(&self, rule: Rule) -> bool {
        self.exact(rule) || rule.code().starts_with(&self.0.to_ascii_uppercase())
    }
}

/// What the command line adds.
#[derive(Debug, Default, Clone)]
pub struct Overrides {
    pub select: Option<Vec<Selector>>,
    pub ignore: Vec<Selector>,
    pub report_unused_suppressions: bool,
    /// `--audit`: the safe-migration rules judge every revision.
    pub audit: bool,
}

/// Which revisions the safe-migration rules (AP8xx) judge in a sweep (in
/// changed-set modes they judge what the change adds). Set by the command
/// that knows the repository.
#[derive(Debug, Clone, Default)]
pub enum SafetyScope {
    /// No base branch is known: none, and the run says so.
    #[default]
    Unknown,
    /// Every revision, all of them one change (a first commit).
    All,
    /// The revisions whose files the base branch (named) does not have.
    NotOn {
        base: String,
        files: std::sync::Arc<std::collections::HashSet<String>>,
    },
}

impl SafetyScope {
    /// The same scope seen from the nested project at `dir`.
    #[must_use]
    pub fn within(&self, dir: &str) -> Self {
        match self {
            SafetyScope::NotOn { base, files } => SafetyScope::NotOn {
                base: base.clone(),
                files: std::sync::Arc::new(
                    files
                        .iter()
                        .filter_map(|f| crate::tree::strip_dir(f, dir).map(str::to_owned))
                        .collect(),
                ),
            },
            other => other.clone(),
        }
    }
}

/// The effective settings.
#[derive(Debug)]
pub struct Settings {
    severities: BTreeMap<Rule, Option<Severity>>,
    pub script_locations: Option<Vec<String>>,
    /// Directories of one environment's revision files, named outright.
    pub version_locations: Option<Vec<String>>,
    pub models: Option<Gitignore>,
    pub tests: Option<Gitignore>,
    pub exclude: Option<Gitignore>,
    pub external_revisions: Vec<String>,
    /// Set explicitly; otherwise the environment's database decides.
    pub max_identifier_length: Option<usize>,
    pub index_naming: Option<String>,
    pub expected_heads: Option<ExpectedHeads>,
    pub report_unused_suppressions: bool,
    /// The database the configuration names.
    pub dialect: Option<crate::env::Dialect>,
    /// The safe-migration rules judge every revision.
    pub audit: bool,
    /// The oldest PostgreSQL major version the project runs on.
    pub postgres_version: Option<u32>,
    /// The timeouts AP812 requires.
    pub timeouts: Vec<&'static str>,
    /// Which revisions the safe-migration rules judge in a sweep.
    pub safety_scope: SafetyScope,
    /// The file the settings came from, for messages.
    pub source: Option<PathBuf>,
    /// The command line's part, for the settings of nested projects.
    pub cli: Overrides,
    /// Whether a configuration file below the root governs the files below
    /// it (not when `--config` names one or `--isolated` ignores them).
    pub nested_lookup: bool,
    /// The `models`, `tests` and `exclude` patterns as written, for
    /// `--show-settings`.
    pub patterns: [(&'static str, Vec<String>); 3],
}

impl Default for Settings {
    fn default() -> Self {
        Settings::resolve(Path::new(""), None, ConfigFile::default(), &Overrides::default()).expect("defaults resolve")
    }
}

impl Settings {
    /// Everything in these settings that can change what a check finds,
    /// as text: equal texts, equal findings from equal files (a remembered
    /// result's key). The pattern matchers are given as written, with the
    /// directory they match from; the scope's files in order.
    pub fn fingerprint(&self) -> String {
        // Every field named: one added later must be placed here too.
        let Settings {
            severities,
            script_locations,
            version_locations,
            models,
            tests,
            exclude,
            external_revisions,
            max_identifier_length,
            index_naming,
            expected_heads,
            report_unused_suppressions,
            dialect,
            audit,
            postgres_version,
            timeouts,
            safety_scope,
            source,
            cli,
            nested_lookup,
            patterns,
        } = self;
        let root = |g: &Option<Gitignore>| g.as_ref().map(|g| g.path().to_path_buf());
        let scope = match safety_scope {
            SafetyScope::NotOn { base, files } => {
                let mut files: Vec<&String> = files.iter().collect();
                files.sort_unstable();
                format!("not on {base}: {files:?}")
            }
            other => format!("{other:?}"),
        };
        format!(
            "{severities:?}\n{script_locations:?}\n{version_locations:?}\n{:?} {:?} {:?} {patterns:?}\n\
             {external_revisions:?}\n{max_identifier_length:?}\n{index_naming:?}\n{expected_heads:?}\n\
             {report_unused_suppressions}\n{dialect:?}\n{audit}\n{postgres_version:?}\n{timeouts:?}\n\
             {scope}\n{source:?}\n{cli:?}\n{nested_lookup}",
            root(models),
            root(tests),
            root(exclude),
        )
    }

    pub fn severity(&self, rule: Rule) -> Option<Severity> {
        self.severities.get(&rule).copied().flatten()
    }

    /// Sets one rule's severity (`None`: off).
    pub fn set_severity(&mut self, rule: Rule, severity: Option<Severity>) {
        self.severities.insert(rule, severity);
    }

    /// The one merge: defaults < file < command line.
    pub fn resolve(root: &Path, source: Option<PathBuf>, file: ConfigFile, cli: &Overrides) -> Result<Self> {
        let mut file_levels: BTreeMap<Rule, Option<Severity>> = BTreeMap::new();
        let mut named_by: BTreeMap<Rule, String> = BTreeMap::new();
        for (RuleKey(key), level) in file.rules.unwrap_or_default() {
            let rule: Rule = key.parse().map_err(|e: String| anyhow::anyhow!("in `rules`: {e}"))?;
            // By code and by name: which one was meant is not ours to guess.
            if let Some(first) = named_by.insert(rule, key.clone()) {
                bail!("in `rules`: `{first}` and `{key}` both set {rule}; keep one");
            }
            file_levels.insert(rule, level.into());
        }
        let optional_downgrades = file.downgrade == Some(DowngradePolicy::Optional);
        let mut severities = BTreeMap::new();
        for &rule in Rule::ALL {
            let mut severity = rule.meta().default_severity;
            if optional_downgrades
                && matches!(
                    rule,
                    Rule::MissingDowngrade
                        | Rule::EmptyDowngrade
                        | Rule::EmptyDataDowngrade
                        | Rule::IrreversibleDowngrade
                        | Rule::DowngradeDoesNotReverse
                )
            {
                severity = None;
            }
            if let Some(level) = file_levels.get(&rule) {
                severity = *level;
            }
            if let Some(select) = &cli.select {
                if !select.iter().any(|s| s.matches(rule)) {
                    severity = None;
                } else if severity.is_none() && select.iter().any(|s| s.exact(rule)) {
                    // A rule named outright is on, even if off by default.
                    severity = Some(file_levels.get(&rule).copied().flatten().unwrap_or(Severity::Warning));
                }
            }
            if cli.ignore.iter().any(|s| s.matches(rule)) {
                severity = None;
            }
            severities.insert(rule, severity);
        }
        let patterns = [
            ("models", file.models.clone().unwrap_or_default()),
            ("tests", file.tests.clone().unwrap_or_default()),
            ("exclude", file.exclude.clone().unwrap_or_default()),
        ];
        Ok(Self {
            severities,
            patterns,
            script_locations: file.script_locations,
            version_locations: file.version_locations,
            models: globs(root, file.models.as_deref(), "models")?,
            tests: globs(root, file.tests.as_deref(), "tests")?,
            exclude: globs(root, file.exclude.as_deref(), "exclude")?,
            external_revisions: file.external_revisions.unwrap_or_default(),
            max_identifier_length: file.max_identifier_length,
            index_naming: file.index_naming,
            expected_heads: file.expected_heads,
            report_unused_suppressions: cli.report_unused_suppressions,
            dialect: match file.dialect.as_deref() {
                None => None,
                Some(name) => Some(crate::env::Dialect::from_url(&format!("{name}://")).with_context(|| {
                    format!("`dialect = \"{name}\"` names no database this tool knows: postgresql, mysql, sqlite, mssql or oracle")
                })?),
            },
            audit: cli.audit || file.audit.unwrap_or(false),
            postgres_version: file.postgres_version,
            timeouts: match file.timeouts {
                None => vec!["lock_timeout"],
                Some(names) => names
                    .iter()
                    .map(|name| {
                        crate::env::TIMEOUTS.into_iter().find(|t| t == name).with_context(|| {
                            format!("`timeouts` names `{name}`: the timeouts are `lock_timeout` and `statement_timeout`")
                        })
                    })
                    .collect::<Result<_>>()?,
            },
            safety_scope: SafetyScope::default(),
            source,
            cli: cli.clone(),
            nested_lookup: true,
        })
    }

    /// Heads an environment may keep on purpose (1 unless configured).
    pub fn expected_heads(&self, script_location: &str) -> usize {
        match &self.expected_heads {
            None => 1,
            Some(ExpectedHeads::All(n)) => *n,
            Some(ExpectedHeads::PerLocation(map)) => {
                map.get(script_location.trim_end_matches('/')).copied().unwrap_or(1)
            }
        }
    }

    pub fn is_excluded(&self, path: &str) -> bool {
        self.exclude
            .as_ref()
            .is_some_and(|g| g.matched_path_or_any_parents(path, false).is_ignore())
    }
}

impl From<Level> for Option<Severity> {
    fn from(level: Level) -> Self {
        match level {
            Level::Off => None,
            Level::Warning => Some(Severity::Warning),
            Level::Error => Some(Severity::Error),
        }
    }
}

/// Gitignore-syntax patterns, relative to the root.
/// The most patterns `exclude` (and its kin) may list.
const MAX_PATTERNS: usize = 1000;

fn globs(root: &Path, patterns: Option<&[String]>, key: &str) -> Result<Option<Gitignore>> {
    let Some(patterns) = patterns else { return Ok(None) };
    // Every file is matched against every pattern: a configuration in a
    // pull request could otherwise stall the check (50,000 patterns took
    // 46 s). A pattern can name a whole directory; real lists are short.
    if patterns.len() > MAX_PATTERNS {
        bail!(
            "`{key}` lists {} patterns; at most {MAX_PATTERNS} are accepted (a directory pattern such as `legacy/` covers everything below it)",
            patterns.len()
        );
    }
    let mut builder = GitignoreBuilder::new(root);
    for pattern in patterns {
        builder
            .add_line(None, pattern)
            .with_context(|| format!("in `{key}`: `{pattern}` is not a valid pattern"))?;
    }
    Ok(Some(builder.build().with_context(|| format!("in `{key}`"))?))
}

/// The configuration file for a project root: the one named, none with
/// `isolated`, else the first found there.
pub fn load(root: &Path, named: Option<&Path>, isolated: bool) -> Result<(Option<PathBuf>, ConfigFile)> {
    if isolated {
        return Ok((None, ConfigFile::default()));
    }
    if let Some(path) = named {
        let file = read(path)?.with_context(|| format!("{} has no [tool.alembic-preflight] table", path.display()))?;
        return Ok((Some(path.to_path_buf()), file));
    }
    for name in FILE_NAMES {
        let path = root.join(name);
        if path.is_file() {
            inside_the_repository(&path, root)?;
            if let Some(file) = read(&path)? {
                return Ok((Some(path), file));
            }
        }
    }
    Ok((None, ConfigFile::default()))
}

/// A configuration file found in the project (not named with `--config`)
/// that is a symbolic link is read only when it leads to a file inside the
/// work tree and outside `.git/`: a committed link to `/proc/self/environ`
/// must never reach an error message, and so a CI log.
fn inside_the_repository(path: &Path, root: &Path) -> Result<()> {
    let linked = std::fs::symlink_metadata(path).is_ok_and(|m| m.file_type().is_symlink());
    if !linked {
        return Ok(());
    }
    let top = root
        .ancestors()
        .find(|dir| dir.join(".git").exists())
        .unwrap_or(root)
        .canonicalize()
        .with_context(|| format!("cannot read {}", root.display()))?;
    if let Err(why) = crate::fsio::link_target_inside(&top, path) {
        bail!("{}: {why}; configuration is never read through it", path.display());
    }
    Ok(())
}

/// A TOML error as it may be shown: each line of it clipped to 160
/// characters, control characters escaped. The error quotes the file's
/// line, and a file's line is not to be printed whole.
fn clipped(error: &str) -> String {
    error
        .lines()
        .map(|line| {
            let mut out: String = line
                .chars()
                .take(160)
                .flat_map(|c| {
                    if c.is_control() {
                        c.escape_default().collect::<Vec<_>>()
                    } else {
                        vec![c]
                    }
                })
                .collect();
            if line.chars().count() > 160 {
                out.push('…');
            }
            out
        })
        .collect::<Vec<_>>()
        .join("\n")
}

/// The names a configuration file may have, in the order they are looked for.
pub const FILE_NAMES: [&str; 3] = ["alembic-preflight.toml", ".alembic-preflight.toml", "pyproject.toml"];

/// The settings of the project rooted at `dir` below the root, from the
/// configuration file there; `None` when there is none (a `pyproject.toml`
/// without our table is none).
pub fn nested(dir: &Path, cli: &Overrides) -> Result<Option<Settings>> {
    match load(dir, None, false)? {
        (Some(source), file) => Settings::resolve(dir, Some(source), file, cli).map(Some),
        (None, _) => Ok(None),
    }
}

/// A configuration file's settings; `None` for a `pyproject.toml` without
/// our table.
fn read(path: &Path) -> Result<Option<ConfigFile>> {
    // `--config` may name anything: a FIFO or a device is refused, not read.
    let bytes = crate::fsio::read_regular(path, 16 << 20).with_context(|| format!("cannot read {}", path.display()))?;
    let text = String::from_utf8(bytes).with_context(|| format!("{} is not UTF-8", path.display()))?;
    let is_pyproject = path.file_name().is_some_and(|n| n == "pyproject.toml");
    if is_pyproject {
        if !text.contains("alembic-preflight") {
            return Ok(None);
        }
        let doc: Pyproject =
            toml::from_str(&text).map_err(|e| anyhow::anyhow!("{}", clipped(&format!("{}: {e}", path.display()))))?;
        Ok(doc.tool.and_then(|t| t.alembic_preflight))
    } else {
        let file: ConfigFile =
            toml::from_str(&text).map_err(|e| anyhow::anyhow!("{}", clipped(&format!("{}: {e}", path.display()))))?;
        Ok(Some(file))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn write(dir: &Path, name: &str, text: &str) {
        std::fs::write(dir.join(name), text).unwrap();
    }

    fn resolved(dir: &Path, cli: &Overrides) -> Result<Settings> {
        let (source, file) = load(dir, None, false)?;
        Settings::resolve(dir, source, file, cli)
    }

    fn sel(items: &[&str]) -> Vec<Selector> {
        items.iter().map(|s| Selector::parse(s).unwrap()).collect()
    }

    #[test]
    fn defaults_only() {
        let dir = tempfile::tempdir().unwrap();
        let s = resolved(dir.path(), &Overrides::default()).unwrap();
        assert_eq!(s.source, None);
        assert_eq!(s.severity(Rule::MultipleHeads), Some(Severity::Error));
        assert_eq!(s.severity(Rule::ModelIndexAlsoInMigration), None);
        assert_eq!((s.max_identifier_length, s.expected_heads("migrations")), (None, 1));
    }

    #[test]
    fn file_only() {
        let dir = tempfile::tempdir().unwrap();
        write(
            dir.path(),
            "alembic-preflight.toml",
            "downgrade = \"optional\"\nmax-identifier-length = 30\nexternal-revisions = [\"core@head\"]\nexpected-heads = { migrations = 2 }\n\n[rules]\nAP107 = \"off\"\nempty-upgrade = \"error\"\n",
        );
        let s = resolved(dir.path(), &Overrides::default()).unwrap();
        assert_eq!(s.severity(Rule::PlaceholderRevisionId), None);
        assert_eq!(s.severity(Rule::EmptyUpgrade), Some(Severity::Error));
        assert_eq!(s.severity(Rule::MissingDowngrade), None, "optional downgrades");
        assert_eq!(s.severity(Rule::DowngradeDoesNotReverse), None);
        assert_eq!(
            (
                s.max_identifier_length,
                s.expected_heads("migrations"),
                s.expected_heads("other")
            ),
            (Some(30), 2, 1)
        );
    }

    #[test]
    fn timeouts_are_named_and_checked() {
        let dir = tempfile::tempdir().unwrap();
        assert_eq!(
            resolved(dir.path(), &Overrides::default()).unwrap().timeouts,
            ["lock_timeout"]
        );
        write(
            dir.path(),
            "alembic-preflight.toml",
            "timeouts = [\"lock_timeout\", \"statement_timeout\"]\n",
        );
        let s = resolved(dir.path(), &Overrides::default()).unwrap();
        assert_eq!(s.timeouts, ["lock_timeout", "statement_timeout"]);
        write(dir.path(), "alembic-preflight.toml", "timeouts = [\"idle_timeout\"]\n");
        let error = format!("{:#}", resolved(dir.path(), &Overrides::default()).unwrap_err());
        assert!(error.contains("`timeouts` names `idle_timeout`"), "{error}");
    }

    #[test]
    fn cli_only_and_both() {
        let dir = tempfile::tempdir().unwrap();
        let cli = Overrides {
            select: Some(sel(&["AP2", "AP305"])),
            ignore: sel(&["unknown-depends-on"]),
            ..Overrides::default()
        };
        let s = resolved(dir.path(), &cli).unwrap();
        assert_eq!(s.severity(Rule::MultipleHeads), Some(Severity::Error));
        assert_eq!(s.severity(Rule::UnknownDependsOn), None);
        assert_eq!(s.severity(Rule::EmptyDowngrade), None, "not selected");
        assert_eq!(
            s.severity(Rule::ModelIndexAlsoInMigration),
            Some(Severity::Warning),
            "named outright"
        );
        // The command line wins over the file.
        write(
            dir.path(),
            ".alembic-preflight.toml",
            "[rules]\nmultiple-heads = \"warning\"\nAP206 = \"error\"\n",
        );
        let s = resolved(dir.path(), &cli).unwrap();
        assert_eq!(s.severity(Rule::MultipleHeads), Some(Severity::Warning));
        assert_eq!(s.severity(Rule::UnknownDependsOn), None);
    }

    #[test]
    fn pyproject_without_our_table_is_ignored() {
        let dir = tempfile::tempdir().unwrap();
        write(dir.path(), "pyproject.toml", "[tool.ruff]\nline-length = 100\n");
        assert_eq!(load(dir.path(), None, false).unwrap().0, None);
        write(
            dir.path(),
            "pyproject.toml",
            "[tool.ruff]\nline-length = 100\n\n[tool.alembic-preflight]\nexclude = [\"legacy/\"]\n",
        );
        let s = resolved(dir.path(), &Overrides::default()).unwrap();
        assert!(s.source.as_ref().is_some_and(|p| p.ends_with("pyproject.toml")));
        assert!(s.is_excluded("legacy/versions/x.py") && !s.is_excluded("app/x.py"));
    }

    /// F-33: the same rule set twice, by code and by name, was accepted
    /// and one of the two silently won.
    #[test]
    fn f33_a_rule_set_twice_is_an_error() {
        let dir = tempfile::tempdir().unwrap();
        write(
            dir.path(),
            "alembic-preflight.toml",
            "[rules]\nAP201 = \"warning\"\nmultiple-heads = \"off\"\n",
        );
        let error = format!("{:#}", resolved(dir.path(), &Overrides::default()).unwrap_err());
        assert!(error.contains("`AP201` and `multiple-heads` both set AP201"), "{error}");
    }

    /// F-30: every file is matched against every pattern, so a pull
    /// request's configuration with 50,000 patterns stalled the check.
    #[test]
    fn f30_too_many_patterns_are_refused_with_a_reason() {
        let dir = tempfile::tempdir().unwrap();
        let many: Vec<String> = (0..=MAX_PATTERNS).map(|i| format!("\"**/n{i}/*.py\"")).collect();
        write(
            dir.path(),
            "alembic-preflight.toml",
            &format!("exclude = [{}]\n", many.join(", ")),
        );
        let error = format!("{:#}", resolved(dir.path(), &Overrides::default()).unwrap_err());
        assert!(error.contains("`exclude` lists 1001 patterns; at most 1000"), "{error}");
        write(
            dir.path(),
            "alembic-preflight.toml",
            &format!("exclude = [{}]\n", many[1..].join(", ")),
        );
        assert!(resolved(dir.path(), &Overrides::default()).is_ok());
    }

    #[test]
    fn unknown_keys_and_bad_toml_name_the_place() {
        let dir = tempfile::tempdir().unwrap();
        write(
            dir.path(),
            "alembic-preflight.toml",
            "exclude = []\nmax-identifer-length = 30\n",
        );
        let error = format!("{:#}", resolved(dir.path(), &Overrides::default()).unwrap_err());
        assert!(
            error.contains("alembic-preflight.toml")
                && error.contains("line 2, column 1")
                && error.contains("unknown field `max-identifer-length`"),
            "{error}"
        );
        write(dir.path(), "alembic-preflight.toml", "exclude = [\n");
        let error = format!("{:#}", resolved(dir.path(), &Overrides::default()).unwrap_err());
        assert!(
            error.contains("alembic-preflight.toml") && error.contains("line"),
            "{error}"
        );
        write(dir.path(), "alembic-preflight.toml", "[rules]\nAP999 = \"off\"\n");
        let error = format!("{:#}", resolved(dir.path(), &Overrides::default()).unwrap_err());
        assert!(error.contains("unknown rule `AP999`"), "{error}");
        // N12: a misspelt name is found where it stands, with the likely one.
        write(
            dir.path(),
            "alembic-preflight.toml",
            "[rules]\nAP201 = \"error\"\nmultiple-head = \"off\"\n",
        );
        let error = format!("{:#}", resolved(dir.path(), &Overrides::default()).unwrap_err());
        assert!(
            error.contains("alembic-preflight.toml")
                && error.contains("line 3, column 1")
                && error.contains("unknown rule `multiple-head`; did you mean `multiple-heads` (AP201)?"),
            "{error}"
        );
        // Names are case-insensitive, as codes are.
        write(
            dir.path(),
            "alembic-preflight.toml",
            "[rules]\nMultiple-Heads = \"off\"\n",
        );
        let settings = resolved(dir.path(), &Overrides::default()).expect("a known name");
        assert_eq!(settings.severity(Rule::MultipleHeads), None);
    }

    #[test]
    fn f28_non_ascii_selectors_are_refused_not_a_panic() {
        for text in ["€", "xé", "é", "AP€"] {
            assert!(Selector::parse(text).is_err(), "{text}");
        }
    }

    #[test]
    fn selectors() {
        assert!(
            Selector::parse("AP2").is_ok()
                && Selector::parse("ap201").is_ok()
                && Selector::parse("multiple-heads").is_ok()
        );
        assert!(Selector::parse("E501").is_err() && Selector::parse("AP9").is_err());
    }
}
