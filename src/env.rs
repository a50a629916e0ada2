//! Alembic environments: where each one's revision files live.
//!
//! Every `alembic.ini` section that sets `script_location` (named sections
//! included, as used with `alembic --name`), every `pyproject.toml` with a
//! `[tool.alembic]` table, and, as a fallback, every directory holding
//! `env.py` next to `versions/`. Several environments in one repository are
//! normal; each is its own revision graph. The migration files of an
//! environment are those Alembic would load: `*.py` directly in a version
//! location (or below it with `recursive_version_locations`), except
//! `__init__.py` and editor lock files `.#*`.

use std::path::{Component, Path, PathBuf};

use anyhow::{Context, Result};

use crate::ini::Ini;
use crate::tree::{self, Tree};

#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
pub struct Environment {
    /// Where the environment was declared, for messages.
    pub origin: String,
    /// Root-relative directory of the scripts (`env.py`, `script.py.mako`).
    pub script_location: String,
    /// Root-relative directories of the revision files.
    pub version_locations: Vec<String>,
    pub recursive: bool,
    /// `file_template`, when the configuration sets one.
    pub file_template: Option<String>,
    /// `truncate_slug_length` (Alembic's default: 40) and `timezone`, for
    /// the revisions `merge` writes.
    pub truncate_slug_length: Option<usize>,
    pub timezone: Option<String>,
    /// The environment's `script.py.mako` writes a `downgrade()` meant to
    /// hold operations (not none, not a bare `pass`).
    pub template_has_downgrade: bool,
    /// The environment's template's `downgrade()` raises (an exception on purpose).
    pub template_downgrade_raises: bool,
    /// The comments the template writes into every `downgrade()` (its
    /// Python `#` lines, not Mako's `##`), after `#`, trimmed: a fixed
    /// comment is the project's stated downgrade policy.
    pub template_downgrade_comments: Vec<String>,
    /// The database, from the scheme of the configuration's `sqlalchemy.url`.
    pub dialect: Option<Dialect>,
    /// The PostgreSQL timeouts `env.py` sets for every migration
    /// (`lock_timeout`, `statement_timeout`), or `None` where there is no
    /// `env.py` to read.
    #[serde(deserialize_with = "known_timeouts")]
    pub timeouts: Option<Vec<Name>>,
    /// The configuration key that named `script_location`, when a file or
    /// the tool's configuration did (not found by the `env.py` fallback).
    #[serde(deserialize_with = "known_key")]
    pub configured_by: Option<Name>,
    /// Root-relative paths of the revision files, sorted.
    pub files: Vec<String>,
    /// Python files below a version location, in sub-directories that a
    /// literal reading of the configuration does not load. Projects that set
    /// `version_locations` in code keep their revisions there; after the
    /// files are read, `graph::link_nested` moves the
    /// revision files linked into the graph to `files`.
    pub nested: Vec<String>,
}

/// A name from a fixed list (a configuration key, a timeout). Spelled
/// through this alias, serde's derive reads it back from any input, not
/// only from one that lives forever: the reader maps it to the list's own.
type Name = &'static str;

/// The keys that can name an environment's script location: Alembic's,
/// and this tool's setting.
pub const LOCATION_KEYS: [&str; 2] = ["script_location", "script-locations"];

/// `name` as the one of `known` it equals, for fields that hold only
/// those (a remembered result names them as text).
fn one_of<E: serde::de::Error>(known: &[&'static str], name: &str) -> Result<&'static str, E> {
    known
        .iter()
        .find(|k| **k == name)
        .copied()
        .ok_or_else(|| E::custom(format!("`{name}` is not one of {known:?}")))
}

fn known_key<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Option<&'static str>, D::Error> {
    let name: Option<String> = serde::Deserialize::deserialize(d)?;
    name.map(|n| one_of(&LOCATION_KEYS, &n)).transpose()
}

fn known_timeouts<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Option<Vec<&'static str>>, D::Error> {
    let names: Option<Vec<String>> = serde::Deserialize::deserialize(d)?;
    names
        .map(|names| names.iter().map(|n| one_of(&TIMEOUTS, n)).collect())
        .transpose()
}

/// A database whose identifier rules differ.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub enum Dialect {
    PostgreSql,
    MySql,
    MsSql,
    Oracle,
    Sqlite,
}

impl Dialect {
    /// From a URL such as `postgresql+psycopg://...`; `None` for anything
    /// else, including Alembic's placeholder `driver://user:pass@localhost/dbname`.
    pub fn from_url(url: &str) -> Option<Self> {
        let scheme = url.trim().split_once("://")?.0;
        let name = scheme.split('+').next().unwrap_or(scheme).to_ascii_lowercase();
        Some(match name.as_str() {
            "postgresql" | "postgres" => Dialect::PostgreSql,
            "mysql" | "mariadb" => Dialect::MySql,
            "mssql" => Dialect::MsSql,
            "oracle" => Dialect::Oracle,
            "sqlite" => Dialect::Sqlite,
            _ => return None,
        })
    }

    pub fn name(self) -> &'static str {
        match self {
            Dialect::PostgreSql => "PostgreSQL",
            Dialect::MySql => "MySQL",
            Dialect::MsSql => "SQL Server",
            Dialect::Oracle => "Oracle",
            Dialect::Sqlite => "SQLite",
        }
    }

    /// The longest identifier it accepts; `None` for no practical limit.
    pub fn max_identifier_length(self) -> Option<usize> {
        match self {
            Dialect::PostgreSql => Some(63),
            Dialect::MySql => Some(64),
            Dialect::MsSql | Dialect::Oracle => Some(128),
            Dialect::Sqlite => None,
        }
    }

    /// PostgreSQL cuts a longer name short; the others refuse it.
    pub fn truncates(self) -> bool {
        self == Dialect::PostgreSql
    }
}

impl Environment {
    /// The environment of a nested project, its paths made relative to the
    /// root again.
    pub fn move_under(&mut self, dir: &str) {
        let full = |path: &mut String| {
            *path = if path.is_empty() {
                dir.to_owned()
            } else {
                tree::join(dir, path)
            };
        };
        full(&mut self.origin);
        full(&mut self.script_location);
        self.version_locations.iter_mut().for_each(full);
        self.files.iter_mut().for_each(full);
        self.nested.iter_mut().for_each(full);
    }

    /// File names start with the revision id (Alembic's default template,
    /// `%%(rev)s_%%(slug)s`, or any template that starts with the id).
    pub fn file_names_start_with_revision(&self) -> bool {
        self.file_template
            .as_deref()
            .is_none_or(|t| t.trim_start().starts_with("%(rev)s") || t.trim_start().starts_with("%%(rev)s"))
    }
}

/// A problem with a configuration file: reported, and the run goes on.
#[derive(Debug)]
pub struct ConfigError {
    pub path: String,
    pub error: anyhow::Error,
}

pub fn discover(tree: &dyn Tree) -> (Vec<Environment>, Vec<ConfigError>) {
    let mut envs: Vec<Environment> = Vec::new();
    let mut errors = Vec::new();
    // `script_location`s filled in at run time: (config file, raw value).
    let mut deferred: Vec<(String, String)> = Vec::new();
    let files = tree.files();
    for path in files {
        let name = tree::file_name(path);
        let found = if name == "alembic.ini" {
            from_ini(tree, path, &mut deferred)
        } else if name == "pyproject.toml" {
            from_pyproject(tree, path)
        } else {
            continue;
        };
        match found {
            Ok(found) => envs.extend(found),
            Err(error) => errors.push(ConfigError {
                path: path.clone(),
                error,
            }),
        }
    }
    // The fallback: `env.py` next to a `versions/` directory with files in it.
    let mut scripts: std::collections::HashSet<String> = envs.iter().map(|e| e.script_location.clone()).collect();
    let mut version_dirs: std::collections::HashSet<String> =
        envs.iter().flat_map(|e| e.version_locations.iter().cloned()).collect();
    for path in files {
        if tree::file_name(path) != "env.py" {
            continue;
        }
        let dir = tree::parent(path);
        let versions = tree::join(dir, "versions");
        let has_versions = has_files_under(files, &versions);
        let known = scripts.contains(dir) || version_dirs.contains(&versions);
        if has_versions && !known {
            // Say why a configured environment was found this way.
            let note = deferred
                .iter()
                .find(|(ini, _)| tree::is_under(dir, tree::parent(ini)) || tree::parent(ini) == dir)
                .map_or(String::new(), |(ini, raw)| {
                    format!("; {ini} sets script_location to `{raw}`, filled in at run time")
                });
            scripts.insert(dir.to_owned());
            version_dirs.insert(versions.clone());
            envs.push(new_env(
                format!("{dir}/env.py{note}").trim_start_matches('/').to_owned(),
                dir.to_owned(),
                vec![versions],
                false,
                None,
            ));
        }
    }
    // One environment per set of version locations.
    let mut seen: std::collections::HashSet<Vec<String>> = std::collections::HashSet::new();
    envs.retain(|env| {
        let mut key = env.version_locations.clone();
        key.sort();
        seen.insert(key)
    });
    for env in &mut envs {
        read_template(tree, env);
        read_env_script(tree, env);
        (env.files, env.nested) = migration_files(files, env);
    }
    (envs, errors)
}

pub fn has_files_under(files: &[String], dir: &str) -> bool {
    let prefix = format!("{dir}/");
    let start = files.partition_point(|f| f.as_str() < prefix.as_str());
    files.get(start).is_some_and(|f| f.starts_with(&prefix))
}

fn new_env(
    origin: String,
    script_location: String,
    version_locations: Vec<String>,
    recursive: bool,
    file_template: Option<String>,
) -> Environment {
    Environment {
        origin,
        script_location,
        version_locations,
        recursive,
        file_template,
        truncate_slug_length: None,
        timezone: None,
        template_has_downgrade: true,
        template_downgrade_raises: false,
        template_downgrade_comments: Vec::new(),
        configured_by: None,
        dialect: None,
        timeouts: None,
        files: Vec::new(),
        nested: Vec::new(),
    }
}

fn from_ini(tree: &dyn Tree, path: &str, deferred: &mut Vec<(String, String)>) -> Result<Vec<Environment>> {
    let bytes = tree.read(path).context("cannot read the file")?;
    let text = String::from_utf8_lossy(&bytes);
    let ini = Ini::parse(&text)?;
    let dir = tree::parent(path);
    let here = tree.root().join(dir);
    let here_str = here.to_string_lossy().into_owned();
    let vars = [("here", here_str.as_str()), ("__file__", here_str.as_str())];
    let mut envs = Vec::new();
    for section in ini.section_names() {
        let Some(location) = ini.get(section, "script_location", &vars) else {
            continue;
        };
        // A location filled in at run time (an interpolation the file does
        // not define, or a `{name}` the application formats in): the
        // fallback discovery finds it.
        let Some(location) = location.value.filter(|v| !is_format_template(v)) else {
            deferred.push((path.to_owned(), location.raw));
            continue;
        };
        let Some(script_location) = resolve_script_location(tree, dir, &location) else {
            continue;
        };
        let separator = ini
            .get(section, "path_separator", &vars)
            .or_else(|| ini.get(section, "version_path_separator", &vars))
            .and_then(|s| s.value);
        let version_locations = match ini.get(section, "version_locations", &vars).and_then(|v| v.value) {
            Some(value) => split_locations(&value, separator.as_deref())
                .into_iter()
                .filter_map(|loc| relative_to_root(tree.root(), dir, &loc))
                .collect(),
            None => vec![tree::join(&script_location, "versions")],
        };
        let recursive = ini
            .get(section, "recursive_version_locations", &vars)
            .and_then(|v| v.value)
            .is_some_and(|v| is_true(&v));
        let file_template = ini.raw(section, "file_template").map(|t| t.replace("%%", "%"));
        let origin = if section == "alembic" {
            path.to_owned()
        } else {
            format!("{path} [{section}]")
        };
        let mut env = new_env(origin, script_location, version_locations, recursive, file_template);
        env.configured_by = Some(LOCATION_KEYS[0]);
        env.truncate_slug_length = ini
            .get(section, "truncate_slug_length", &vars)
            .and_then(|v| v.value)
            .and_then(|v| v.trim().parse().ok());
        env.timezone = ini
            .get(section, "timezone", &vars)
            .and_then(|v| v.value)
            .filter(|v| !v.trim().is_empty());
        env.dialect = ini
            .get(section, "sqlalchemy.url", &vars)
            .and_then(|v| v.value)
            .and_then(|url| Dialect::from_url(&url));
        envs.push(env);
    }
    Ok(envs)
}

fn from_pyproject(tree: &dyn Tree, path: &str) -> Result<Vec<Environment>> {
    let bytes = tree.read(path).context("cannot read the file")?;
    let text = String::from_utf8_lossy(&bytes);
    if !text.contains("tool.alembic") && !text.contains("[tool]") {
        return Ok(Vec::new());
    }
    let value: toml::Table = toml::from_str(&text).context("not valid TOML")?;
    let Some(alembic) = value
        .get("tool")
        .and_then(|t| t.get("alembic"))
        .and_then(|a| a.as_table())
    else {
        return Ok(Vec::new());
    };
    let dir = tree::parent(path);
    let here = tree.root().join(dir).to_string_lossy().into_owned();
    let fill = |s: &str| s.replace("%(here)s", &here);
    let Some(location) = alembic.get("script_location").and_then(|v| v.as_str()) else {
        return Ok(Vec::new());
    };
    let Some(script_location) = resolve_script_location(tree, dir, &fill(location)) else {
        return Ok(Vec::new());
    };
    let version_locations = match alembic.get("version_locations") {
        Some(toml::Value::Array(items)) => items
            .iter()
            .filter_map(|v| v.as_str())
            .filter_map(|loc| relative_to_root(tree.root(), dir, &fill(loc)))
            .collect(),
        Some(toml::Value::String(s)) => split_locations(&fill(s), None)
            .into_iter()
            .filter_map(|loc| relative_to_root(tree.root(), dir, &loc))
            .collect(),
        _ => vec![tree::join(&script_location, "versions")],
    };
    let recursive = alembic
        .get("recursive_version_locations")
        .and_then(toml::Value::as_bool)
        .unwrap_or(false);
    let file_template = alembic
        .get("file_template")
        .and_then(|v| v.as_str())
        .map(|t| t.replace("%%", "%"));
    let mut env = new_env(
        format!("{path} [tool.alembic]"),
        script_location,
        version_locations,
        recursive,
        file_template,
    );
    env.configured_by = Some(LOCATION_KEYS[0]);
    env.truncate_slug_length = alembic.get("truncate_slug_length").and_then(|v| {
        v.as_integer()
            .and_then(|i| usize::try_from(i).ok())
            .or_else(|| v.as_str()?.trim().parse().ok())
    });
    env.timezone = alembic
        .get("timezone")
        .and_then(|v| v.as_str())
        .filter(|v| !v.trim().is_empty())
        .map(str::to_owned);
    env.dialect = alembic
        .get("sqlalchemy.url")
        .and_then(|v| v.as_str())
        .and_then(Dialect::from_url);
    Ok(vec![env])
}

fn is_true(value: &str) -> bool {
    matches!(value.trim().to_ascii_lowercase().as_str(), "true" | "1" | "yes" | "on")
}

/// Splits `version_locations` by the configured separator; without one,
/// by spaces and commas, as Alembic's legacy behaviour does.
fn split_locations(value: &str, separator: Option<&str>) -> Vec<String> {
    let parts: Vec<&str> = match separator.map(str::trim) {
        Some("newline") => value.split(['\n', '\r']).collect(),
        Some("space") => value.split([' ', '\n']).collect(),
        Some("os" | ":") => value.split([':', '\n']).collect(),
        Some(";") => value.split([';', '\n']).collect(),
        _ => value.split([' ', ',', '\n', '\t']).collect(),
    };
    parts
        .into_iter()
        .map(str::trim)
        .filter(|p| !p.is_empty())
        .map(str::to_owned)
        .collect()
}

/// A `script_location`: a path (relative to the config file's directory) or
/// package notation `package.sub:directory`, looked up inside the project.
/// A value with a `{name}` placeholder, which the application fills in
/// with `str.format` before Alembic reads it.
fn is_format_template(value: &str) -> bool {
    value.find('{').is_some_and(|open| value[open..].contains('}'))
}

/// Alembic reads `package.module:path` as a location inside an installed
/// package; a drive letter (`C:\\x`, `C:/x`) is a path.
fn is_package_location(location: &str) -> bool {
    let Some((package, _)) = location.split_once(':') else {
        return false;
    };
    let drive = package.len() == 1 && package.chars().all(|c| c.is_ascii_alphabetic());
    !drive
        && !package.is_empty()
        && package
            .split('.')
            .all(|part| !part.is_empty() && part.chars().all(|c| c == '_' || c.is_alphanumeric()))
}

fn resolve_script_location(tree: &dyn Tree, dir: &str, location: &str) -> Option<String> {
    let looks_like_package = is_package_location(location);
    if !looks_like_package {
        // Alembic reads a relative path from the directory it runs in:
        // the configuration's own, or one above it (`alembic -c
        // sub/alembic.ini` from the root). The nearest that holds files.
        let mut run_from = dir;
        let first = relative_to_root(tree.root(), dir, location);
        loop {
            match relative_to_root(tree.root(), run_from, location) {
                Some(found) if has_files_under(tree.files(), &found) => return Some(found),
                _ if run_from.is_empty() || Path::new(location).is_absolute() => return first,
                _ => run_from = tree::parent(run_from),
            }
        }
    }
    // Alembic splits at every colon: the package, then one path part each.
    let mut parts = location.split(':');
    let package = parts.next()?.replace('.', "/");
    let suffix = parts
        .map(|p| p.trim_matches('/'))
        .filter(|p| !p.is_empty())
        .fold(package, |path, part| tree::join(&path, part));
    for base in [dir, "", "src"] {
        let candidate = tree::join(base, &suffix);
        if has_files_under(tree.files(), &candidate) {
            return Some(candidate);
        }
    }
    // Anywhere else in the project.
    let needle = format!("/{suffix}/");
    tree.files()
        .iter()
        .find_map(|f| f.find(&needle).map(|i| f[..i + needle.len() - 1].to_owned()))
}

/// `location` (absolute, or relative to `dir`) as a root-relative path;
/// `None` when it lies outside the root.
fn relative_to_root(root: &Path, dir: &str, location: &str) -> Option<String> {
    let location = Path::new(location);
    let absolute = if location.is_absolute() {
        location.to_path_buf()
    } else {
        root.join(dir).join(location)
    };
    let normal = normalize(&absolute);
    let relative = normal.strip_prefix(normalize(root)).ok()?;
    let text = relative.to_str()?.replace('\\', "/");
    Some(text.trim_end_matches('/').to_owned())
}

fn normalize(path: &Path) -> PathBuf {
    let mut out = PathBuf::new();
    for component in path.components() {
        match component {
            Component::CurDir => {}
            Component::ParentDir => {
                out.pop();
            }
            other => out.push(other),
        }
    }
    out
}

/// The PostgreSQL timeouts a project sets for a whole migration run.
pub const TIMEOUTS: [&str; 2] = ["lock_timeout", "statement_timeout"];

/// The timeouts `env.py` sets, in code, not in a comment: `SET
/// lock_timeout` run on the connection, or `-c lock_timeout=...` in the
/// connection's options.
fn read_env_script(tree: &dyn Tree, env: &mut Environment) {
    let path = tree::join(&env.script_location, "env.py");
    let Ok(bytes) = tree.read(&path) else { return };
    let text = String::from_utf8_lossy(&bytes);
    let code: Vec<&str> = text
        .lines()
        .map(|l| l.split_once('#').map_or(l, |(code, _)| code))
        .collect();
    env.timeouts = Some(
        TIMEOUTS
            .into_iter()
            .filter(|t| code.iter().any(|l| l.contains(t)))
            .collect(),
    );
}

fn read_template(tree: &dyn Tree, env: &mut Environment) {
    let path = tree::join(&env.script_location, "script.py.mako");
    let Ok(bytes) = tree.read(&path) else { return };
    let text = String::from_utf8_lossy(&bytes);
    let Some(at) = text.find("def downgrade") else {
        env.template_has_downgrade = false;
        return;
    };
    let body = &text[at..];
    let end = body[1..].find("\ndef ").map_or(body.len(), |i| i + 1);
    let body = &body[..end];
    env.template_downgrade_raises = body.lines().any(|l| l.trim_start().starts_with("raise "));
    env.template_downgrade_comments = body
        .lines()
        .map(str::trim_start)
        .filter(|l| l.starts_with('#') && !l.starts_with("##") && !l.contains("${"))
        .map(|l| l.trim_start_matches('#').trim().to_owned())
        .filter(|l| !l.is_empty())
        .collect();
    // A template whose `downgrade()` is a plain `pass`, with no place for
    // the generated operations, writes upgrade-only revisions on purpose.
    let only_pass = body
        .lines()
        .skip(1)
        .map(str::trim)
        .filter(|l| !l.is_empty() && !l.starts_with('#') && !l.starts_with("\"\"\"") && !l.starts_with("'''"))
        .all(|l| l == "pass" || l == "...");
    if !body.contains("${") && only_pass {
        env.template_has_downgrade = false;
    }
}

/// The revision files Alembic loads from `env`'s version locations, and
/// the Python files in their sub-directories that it loads only when the
/// project configures them (in code, or with `recursive_version_locations`).
fn migration_files(files: &[String], env: &Environment) -> (Vec<String>, Vec<String>) {
    let mut direct = Vec::new();
    let mut nested = Vec::new();
    // `files` is sorted: the files below a location are one run of it.
    for loc in &env.version_locations {
        let below: &[String] = if loc.is_empty() {
            files
        } else {
            let prefix = format!("{loc}/");
            let start = files.partition_point(|f| f.as_str() < prefix.as_str());
            let end = start + files[start..].partition_point(|f| f.starts_with(&prefix));
            &files[start..end]
        };
        for f in below {
            let name = tree::file_name(f);
            if !tree::is_python(name) || name == "__init__.py" || name.starts_with(".#") {
                continue;
            }
            let dir = tree::parent(f);
            if env.recursive || env.version_locations.iter().any(|l| dir == l) {
                direct.push(f.clone());
            } else {
                nested.push(f.clone());
            }
        }
    }
    for list in [&mut direct, &mut nested] {
        list.sort();
        list.dedup();
    }
    // A file directly in one location and below another is direct.
    nested.retain(|f| direct.binary_search(f).is_err());
    (direct, nested)
}

/// The version locations of some environments, to ask whether a path lies
/// in or below one of them: a revision file, loaded or not, and never a
/// model or application module. Each question walks up the path, whatever
/// the number of environments.
pub struct VersionDirs<'e>(std::collections::HashSet<&'e str>);

impl<'e> VersionDirs<'e> {
    pub fn of(envs: &'e [Environment]) -> Self {
        VersionDirs(
            envs.iter()
                .flat_map(|e| e.version_locations.iter().map(String::as_str))
                .collect(),
        )
    }

    pub fn holds(&self, path: &str) -> bool {
        let mut dir = tree::parent(path);
        if self.0.contains(dir) {
            return true;
        }
        while !dir.is_empty() {
            dir = tree::parent(dir);
            // The root as a location holds only the files directly in it.
            if !dir.is_empty() && self.0.contains(dir) {
                return true;
            }
        }
        false
    }
}

/// A cheap byte test: the file assigns `revision` and `down_revision` at
/// module level, as every Alembic revision file does.
pub fn looks_like_revision(bytes: &[u8]) -> bool {
    static ASSIGNS: std::sync::LazyLock<regex::bytes::Regex> = std::sync::LazyLock::new(|| {
        regex::bytes::Regex::new(r"(?m)^(down_)?revision[ \t]*(:[^=\n]*)?=").expect("valid regex")
    });
    // A literal search first (memchr and SIMD), not a compare at every byte.
    static DOWN: std::sync::LazyLock<regex::bytes::Regex> =
        std::sync::LazyLock::new(|| regex::bytes::Regex::new("down_revision").expect("valid regex"));
    let mut found = [false; 2];
    if DOWN.is_match(bytes) {
        for m in ASSIGNS.find_iter(bytes) {
            found[usize::from(m.as_bytes().starts_with(b"down_"))] = true;
        }
    }
    found == [true; 2]
}

/// The file assigns `revision` and `down_revision` in its own code, at
/// module level (not in a string that holds a template of one).
pub fn assigns_revision(scan: &crate::scan::Scan<'_>) -> bool {
    let mut found = [false; 2];
    for line in scan.lines.iter().filter(|l| l.indent == 0) {
        if let [name, op, ..] = scan.line_tokens(line)
            && (scan.is(*op, "=") || scan.is(*op, ":"))
        {
            match scan.str(*name) {
                "revision" => found[0] = true,
                "down_revision" => found[1] = true,
                _ => {}
            }
        }
    }
    found == [true; 2]
}

/// With `script-locations` configured: only those environments, and
/// `<dir>/versions` for a listed directory no configuration describes.
pub fn restrict(tree: &dyn Tree, envs: &mut Vec<Environment>, locations: &[String]) {
    let wanted: Vec<String> = locations.iter().map(|l| l.trim_matches('/').to_owned()).collect();
    envs.retain(|e| wanted.contains(&e.script_location));
    for dir in &wanted {
        if envs.iter().any(|e| &e.script_location == dir) {
            continue;
        }
        let mut env = new_env(
            format!("script-locations: {dir}"),
            dir.clone(),
            vec![tree::join(dir, "versions")],
            false,
            None,
        );
        env.configured_by = Some(LOCATION_KEYS[1]);
        read_template(tree, &mut env);
        read_env_script(tree, &mut env);
        (env.files, env.nested) = migration_files(tree.files(), &env);
        envs.push(env);
    }
}

/// With `version-locations` configured: one environment whose revision
/// files are in those directories, in place of any discovered environment
/// that reads one of them. For layouts with no `env.py` beside a
/// `versions/` directory (revision directories spread over packages).
pub fn explicit_versions(tree: &dyn Tree, envs: &mut Vec<Environment>, locations: &[String]) {
    let wanted: Vec<String> = locations.iter().map(|l| l.trim_matches('/').to_owned()).collect();
    if wanted.is_empty() {
        return;
    }
    envs.retain(|e| !e.version_locations.iter().any(|l| wanted.contains(l)));
    let mut env = new_env("version-locations".to_owned(), wanted[0].clone(), wanted, false, None);
    (env.files, env.nested) = migration_files(tree.files(), &env);
    envs.push(env);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn version_location_separators() {
        assert_eq!(split_locations("a b,c", None), ["a", "b", "c"]);
        assert_eq!(split_locations("a b:c", Some("os")), ["a b", "c"]);
        assert_eq!(split_locations("\na\nb", Some("newline")), ["a", "b"]);
    }

    #[test]
    fn paths_are_made_root_relative() {
        let root = Path::new("/repo");
        assert_eq!(
            relative_to_root(root, "app", "migrations").as_deref(),
            Some("app/migrations")
        );
        assert_eq!(
            relative_to_root(root, "app", "/repo/app/./db/../m").as_deref(),
            Some("app/m")
        );
        assert_eq!(relative_to_root(root, "", "/elsewhere"), None);
    }
}
