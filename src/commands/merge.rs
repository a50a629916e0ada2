//! `merge`: the merge revision `alembic merge` writes, without importing
//! `env.py`: a new id in Alembic's format, the environment's
//! `script.py.mako` rendered with the variables Alembic passes, the file
//! name from `file_template`, in the version location Alembic picks.

use std::collections::HashMap;
use std::io::Write;
use std::path::Path;

use anyhow::{Context, Result, bail};

use super::{ExitStatus, Project, settings};
use crate::check;
use crate::config::Overrides;
use crate::graph::Graph;
use crate::mako::{self, Value};
use crate::tree::WorkTree;

pub struct MergeArgs<'a> {
    pub heads: &'a [String],
    /// `None`: Alembic's "empty message", with an empty slug.
    pub message: Option<&'a str>,
    pub rev_id: Option<&'a str>,
    pub config: Option<&'a Path>,
    pub isolated: bool,
}

pub fn run(args: &MergeArgs<'_>, out: &mut dyn Write) -> Result<ExitStatus> {
    let project = Project::open()?;
    let root = project.root();
    let settings = settings(&root, args.config, args.isolated, &Overrides::default())?;
    let (planned, errors) = check::with_graphs(&WorkTree::walk(&root), &settings, |graphs| plan(graphs, args, &root));
    if let Some(error) = errors.first() {
        bail!("{error}");
    }
    let planned = planned?;
    let path = root.join(&planned.path);
    if path.exists() {
        bail!("{} exists already", planned.path);
    }
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir).with_context(|| format!("cannot create {}", dir.display()))?;
    }
    std::fs::write(&path, planned.text.as_bytes()).with_context(|| format!("cannot write {}", planned.path))?;
    writeln!(out, "Generating {} ... done", planned.path)?;
    Ok(ExitStatus::Success)
}

struct Planned {
    /// Root-relative.
    path: String,
    text: String,
}

fn plan(graphs: &[Graph<'_>], args: &MergeArgs<'_>, root: &Path) -> Result<Planned> {
    let (graph, heads) = choose(graphs, args.heads)?;
    let env = graph.env;
    let template_path = crate::tree::join(&env.script_location, "script.py.mako");
    let template = std::fs::read_to_string(root.join(&template_path))
        .with_context(|| format!("cannot read the environment's template {template_path}"))?;
    let rev_id = match args.rev_id {
        Some(id) => id.to_owned(),
        None => new_rev_id(),
    };
    let now = Now::read(env.timezone.as_deref())?;
    let down = match heads.as_slice() {
        [one] => Value::Str(one.clone()),
        many => Value::Tuple(many.to_vec()),
    };
    let vars = HashMap::from([
        ("up_revision", Value::Str(rev_id.clone())),
        ("down_revision", down),
        ("branch_labels", Value::None),
        ("depends_on", Value::None),
        ("create_date", Value::Str(now.to_python())),
        (
            "message",
            Value::Str(args.message.unwrap_or("empty message").to_owned()),
        ),
    ]);
    let text = mako::render(&template, &vars).map_err(|why| {
        anyhow::anyhow!("{template_path}: not rendered, so nothing was written: {why}; use `alembic merge`")
    })?;
    // Alembic writes in the head's directory where there are several
    // version locations, else in the one there is.
    let directory = if env.version_locations.len() > 1 {
        let first = graph
            .nodes
            .iter()
            .find(|n| n.id == heads[0])
            .context("the head is in the graph")?;
        crate::tree::parent(&first.file.path).to_owned()
    } else {
        env.version_locations[0].clone()
    };
    let name = file_name(
        env.file_template.as_deref().unwrap_or("%(rev)s_%(slug)s"),
        &rev_id,
        &slug(args.message.unwrap_or(""), env.truncate_slug_length.unwrap_or(40)),
        &now,
    )?;
    Ok(Planned {
        path: crate::tree::join(&directory, &format!("{name}.py")),
        text,
    })
}

/// The environment and the heads to merge: those named (full ids or
/// unique prefixes), or every head of the one environment that has more
/// than one.
fn choose<'g>(graphs: &'g [Graph<'g>], named: &[String]) -> Result<(&'g Graph<'g>, Vec<String>)> {
    if graphs.is_empty() {
        bail!("no Alembic environment here (no alembic.ini, pyproject.toml [tool.alembic] or env.py beside versions/)");
    }
    if named.is_empty() || named.iter().all(|h| h == "heads") {
        let mut forked = graphs.iter().filter(|g| g.heads.len() > 1);
        let Some(graph) = forked.next() else {
            bail!("no environment has more than one head: nothing to merge");
        };
        if forked.next().is_some() {
            bail!("several environments have more than one head: name the heads to merge");
        }
        let mut heads: Vec<usize> = graph.heads.clone();
        heads.sort_by_key(|&h| graph.age_key(h));
        return Ok((graph, heads.iter().map(|&h| graph.nodes[h].id.to_owned()).collect()));
    }
    for graph in graphs {
        let resolved: Option<Vec<String>> = named
            .iter()
            .map(|h| {
                let matches: Vec<&str> = graph
                    .nodes
                    .iter()
                    .map(|n| n.id)
                    .filter(|id| id.starts_with(h.as_str()))
                    .collect();
                match matches.as_slice() {
                    [one] => Some((*one).to_owned()),
                    _ => graph.nodes.iter().find(|n| n.id == h).map(|n| n.id.to_owned()),
                }
            })
            .collect();
        if let Some(ids) = resolved {
            let mut unique = ids.clone();
            unique.sort();
            unique.dedup();
            if unique.len() != ids.len() {
                bail!("a head is named twice");
            }
            return Ok((graph, ids));
        }
    }
    bail!("no environment holds all of {}", named.join(", "))
}

/// Alembic's revision id: twelve hexadecimal digits, random.
fn new_rev_id() -> String {
    use std::hash::{BuildHasher, Hasher};
    let mut hasher = std::collections::hash_map::RandomState::new().build_hasher();
    hasher.write_u128(
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_nanos()),
    );
    hasher.write_u32(std::process::id());
    format!("{:012x}", hasher.finish() & 0xffff_ffff_ffff)
}

/// Alembic's slug: the message's words joined by `_`, lower-cased, cut at
/// a word boundary past `limit` characters with a trailing `_`.
pub fn slug(message: &str, limit: usize) -> String {
    let words: Vec<String> = message
        .split(|c: char| !(c.is_alphanumeric() || c == '_'))
        .filter(|w| !w.is_empty())
        .map(str::to_lowercase)
        .collect();
    let slug = words.join("_");
    if slug.chars().count() <= limit {
        return slug;
    }
    let cut: String = slug.chars().take(limit).collect();
    match cut.rsplit_once('_') {
        Some((head, _)) => format!("{head}_"),
        None => format!("{cut}_"),
    }
}

/// The time a revision is created, as Alembic takes it: local, or in UTC
/// when `timezone = UTC`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Now {
    pub year: i64,
    pub month: u32,
    pub day: u32,
    pub hour: u32,
    pub minute: u32,
    pub second: u32,
    pub micros: u32,
    pub epoch: i64,
    /// `+00:00` when a timezone is configured.
    pub offset: Option<&'static str>,
}

impl Now {
    fn read(timezone: Option<&str>) -> Result<Self> {
        let since = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .context("the clock is before 1970")?;
        let epoch = i64::try_from(since.as_secs()).context("the clock is past 2262")?;
        let micros = since.subsec_micros();
        match timezone {
            None => Ok(local(epoch, micros)),
            Some(zone) if zone.eq_ignore_ascii_case("utc") => Ok(Now {
                offset: Some("+00:00"),
                ..utc(epoch, micros)
            }),
            Some(zone) => bail!(
                "`timezone = {zone}`: merge writes local time or UTC only; use `alembic merge` for this environment"
            ),
        }
    }

    /// Python's `str(datetime)`: microseconds only when there are some.
    fn to_python(self) -> String {
        let micros = if self.micros == 0 {
            String::new()
        } else {
            format!(".{:06}", self.micros)
        };
        format!(
            "{:04}-{:02}-{:02} {:02}:{:02}:{:02}{micros}{}",
            self.year,
            self.month,
            self.day,
            self.hour,
            self.minute,
            self.second,
            self.offset.unwrap_or("")
        )
    }
}

/// The civil date of a Unix time, in UTC.
pub fn utc(epoch: i64, micros: u32) -> Now {
    let days = epoch.div_euclid(86_400);
    let seconds = u32::try_from(epoch.rem_euclid(86_400)).unwrap_or(0);
    // Howard Hinnant's days-to-civil.
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = u32::try_from(doy - (153 * mp + 2) / 5 + 1).unwrap_or(1);
    let month = u32::try_from(if mp < 10 { mp + 3 } else { mp - 9 }).unwrap_or(1);
    let year = yoe + era * 400 + i64::from(month <= 2);
    Now {
        year,
        month,
        day,
        hour: seconds / 3600,
        minute: seconds / 60 % 60,
        second: seconds % 60,
        micros,
        epoch,
        offset: None,
    }
}

/// Local time, as Python's naive `datetime.now()`.
#[cfg(unix)]
fn local(epoch: i64, micros: u32) -> Now {
    let mut tm: libc::tm = unsafe { std::mem::zeroed() };
    let time: libc::time_t = epoch;
    // SAFETY: `localtime_r` writes only into `tm`, which lives here.
    let done = unsafe { libc::localtime_r(&raw const time, &raw mut tm) };
    if done.is_null() {
        return utc(epoch, micros);
    }
    let part = |v: libc::c_int| u32::try_from(v).unwrap_or(0);
    Now {
        year: i64::from(tm.tm_year) + 1900,
        month: part(tm.tm_mon) + 1,
        day: part(tm.tm_mday),
        hour: part(tm.tm_hour),
        minute: part(tm.tm_min),
        second: part(tm.tm_sec),
        micros,
        epoch,
        offset: None,
    }
}

#[cfg(not(unix))]
fn local(epoch: i64, micros: u32) -> Now {
    utc(epoch, micros)
}

/// `file_template` filled in as Python's `%` does with Alembic's tokens:
/// `%(name)s`, `%(name)d` and `%(name).2d` (and any width or flags).
pub fn file_name(template: &str, rev: &str, slug: &str, now: &Now) -> Result<String> {
    let mut out = String::new();
    let mut rest = template;
    while let Some(at) = rest.find('%') {
        out.push_str(&rest[..at]);
        rest = &rest[at + 1..];
        if let Some(after) = rest.strip_prefix('%') {
            out.push('%');
            rest = after;
            continue;
        }
        let Some(spec) = rest.strip_prefix('(') else {
            bail!("file_template `{template}`: a `%` without a `(name)`");
        };
        let close = spec
            .find(')')
            .with_context(|| format!("file_template `{template}`: an unclosed `%(`"))?;
        let name = &spec[..close];
        let after = &spec[close + 1..];
        let conversion_at = after
            .find(|c: char| c.is_ascii_alphabetic())
            .with_context(|| format!("file_template `{template}`: `%({name})` has no conversion"))?;
        let format_spec = &after[..conversion_at];
        let conversion = after.as_bytes()[conversion_at];
        rest = &after[conversion_at + 1..];
        let number = match name {
            "year" => Some(now.year),
            "month" => Some(i64::from(now.month)),
            "day" => Some(i64::from(now.day)),
            "hour" => Some(i64::from(now.hour)),
            "minute" => Some(i64::from(now.minute)),
            "second" => Some(i64::from(now.second)),
            "epoch" => Some(now.epoch),
            "rev" | "slug" => None,
            other => bail!("file_template `{template}`: Alembic has no token `{other}`"),
        };
        let text = match (conversion, number) {
            (b's', Some(n)) => n.to_string(),
            (b's', None) => (if name == "rev" { rev } else { slug }).to_owned(),
            (b'd' | b'i', Some(n)) => {
                // `.2d`: at least two digits; `02d`: width two, zero-padded.
                let digits = format_spec
                    .trim_start_matches(['-', '+', ' ', '#'])
                    .trim_start_matches('0')
                    .split('.')
                    .collect::<Vec<_>>();
                let precision: usize = digits.get(1).and_then(|p| p.parse().ok()).unwrap_or(0);
                let width: usize = digits.first().and_then(|w| w.parse().ok()).unwrap_or(0);
                let zero = format_spec.starts_with('0');
                let body = format!("{n:0precision$}");
                if zero {
                    format!("{body:0>width$}")
                } else {
                    format!("{body:>width$}")
                }
            }
            _ => bail!(
                "file_template `{template}`: `%({name}){}{}` is not a conversion Alembic's tokens take",
                format_spec,
                char::from(conversion)
            ),
        };
        out.push_str(&text);
    }
    out.push_str(rest);
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn slugs_as_alembic_cuts_them() {
        assert_eq!(slug("merge heads", 40), "merge_heads");
        assert_eq!(slug("Add user's e-mail (again)!", 40), "add_user_s_e_mail_again");
        assert_eq!(
            slug("a very long message that goes on and on past forty characters", 40),
            "a_very_long_message_that_goes_on_and_on_"
        );
    }

    #[test]
    fn file_templates_with_every_token() {
        let now = utc(1_709_723_119, 4123);
        assert_eq!(
            (now.year, now.month, now.day, now.hour, now.minute, now.second),
            (2024, 3, 6, 11, 5, 19)
        );
        assert_eq!(now.to_python(), "2024-03-06 11:05:19.004123");
        assert_eq!(
            file_name("%(rev)s_%(slug)s", "abc", "merge", &now).unwrap(),
            "abc_merge"
        );
        assert_eq!(
            file_name(
                "%(year)d_%(month).2d_%(day).2d_%(hour).2d%(minute).2d-%(rev)s_%(slug)s",
                "abc",
                "m",
                &now
            )
            .unwrap(),
            "2024_03_06_1105-abc_m"
        );
        assert_eq!(
            file_name("%(year)d/%(month)02d/%(epoch)s_%(second).2d_%(rev)s", "abc", "m", &now).unwrap(),
            "2024/03/1709723119_19_abc"
        );
        assert!(file_name("%(branch)s", "abc", "m", &now).is_err());
    }
}
