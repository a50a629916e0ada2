//! A reader for `alembic.ini`, with the semantics of Python's
//! `configparser` as Alembic uses it: `[section]` headers, `key = value` or
//! `key: value`, indented continuation lines, `#` and `;` comment lines, a
//! `DEFAULT` section inherited by every other, and `%(name)s` interpolation
//! with `here` set to the file's directory.

use std::collections::{BTreeMap, HashMap};

use anyhow::{Result, bail};

#[derive(Debug, Default)]
pub struct Ini {
    defaults: BTreeMap<String, String>,
    /// Sections in file order.
    sections: Vec<(String, BTreeMap<String, String>)>,
    /// Where each section is in `sections`: a file of many sections is
    /// read in linear time.
    positions: HashMap<String, usize>,
}

/// Values already worked out in one lookup, by key and depth: a reference
/// named many times is expanded once, so `a = %(b)s%(b)s...` ten deep costs
/// what it reads, not fan-out to the tenth.
type Memo = HashMap<(String, usize), Option<String>>;

/// The longest interpolated value worked out (a path is far shorter).
const MAX_VALUE: usize = 8 * 1024;

impl Ini {
    pub fn parse(text: &str) -> Result<Self> {
        let mut ini = Ini::default();
        let mut current: Option<usize> = None; // None = no section yet; usize::MAX = DEFAULT
        let mut last_key: Option<String> = None;
        // Universal newlines, as Python reads the file: CRLF, LF or a lone CR.
        let text = text.replace("\r\n", "\n").replace('\r', "\n");
        for (number, line) in text.lines().enumerate() {
            let trimmed = line.trim();
            if trimmed.is_empty() {
                last_key = None;
                continue;
            }
            if trimmed.starts_with('#') || trimmed.starts_with(';') {
                continue;
            }
            let indented = line.starts_with([' ', '\t']);
            if indented && let Some(key) = &last_key {
                let section = ini.section_mut(current);
                if let Some(value) = section.get_mut(key) {
                    value.push('\n');
                    value.push_str(trimmed);
                }
                continue;
            }
            // configparser matches `[name]` at the start and ignores what
            // follows the last `]` (`[alembic] ; main`).
            if let Some(name) = trimmed
                .strip_prefix('[')
                .and_then(|r| r.rfind(']').map(|end| &r[..end]))
            {
                let name = name.trim().to_owned();
                if name == "DEFAULT" {
                    current = Some(usize::MAX);
                } else if let Some(&i) = ini.positions.get(&name) {
                    current = Some(i);
                } else {
                    ini.positions.insert(name.clone(), ini.sections.len());
                    ini.sections.push((name, BTreeMap::new()));
                    current = Some(ini.sections.len() - 1);
                }
                last_key = None;
                continue;
            }
            let Some(split) = trimmed.find(['=', ':']) else {
                bail!(
                    "line {}: expected `[section]` or `key = value`, found `{trimmed}`",
                    number + 1
                );
            };
            if current.is_none() {
                bail!("line {}: `{trimmed}` comes before any `[section]` header", number + 1);
            }
            let key = trimmed[..split].trim().to_lowercase();
            let value = trimmed[split + 1..].trim().to_owned();
            ini.section_mut(current).insert(key.clone(), value);
            last_key = Some(key);
        }
        Ok(ini)
    }

    fn section_mut(&mut self, current: Option<usize>) -> &mut BTreeMap<String, String> {
        match current {
            Some(usize::MAX) | None => &mut self.defaults,
            Some(i) => &mut self.sections[i].1,
        }
    }

    pub fn section_names(&self) -> impl Iterator<Item = &str> {
        self.sections.iter().map(|(name, _)| name.as_str())
    }

    /// The raw (uninterpolated) value of `key` in `section`, or in DEFAULT.
    pub fn raw(&self, section: &str, key: &str) -> Option<&str> {
        self.positions
            .get(section)
            .and_then(|&i| self.sections[i].1.get(key))
            .or_else(|| self.defaults.get(key))
            .map(String::as_str)
    }

    /// The value of `key` with `%(name)s` references filled from the same
    /// section, DEFAULT and `vars`; `None` inside when a reference is unknown.
    pub fn get(&self, section: &str, key: &str, vars: &[(&str, &str)]) -> Option<Interpolated> {
        let raw = self.raw(section, key)?;
        Some(self.interpolate(section, raw, vars, 0, &mut Memo::new()))
    }

    fn interpolate(
        &self,
        section: &str,
        raw: &str,
        vars: &[(&str, &str)],
        depth: usize,
        memo: &mut Memo,
    ) -> Interpolated {
        let mut out = String::with_capacity(raw.len());
        let mut rest = raw;
        while let Some(i) = rest.find('%') {
            // References that multiply (`a = %(b)s%(b)s`, ten deep) would grow
            // exponentially: past a length no path has, the value is unknown.
            if out.len() > MAX_VALUE {
                return Interpolated {
                    value: None,
                    raw: raw.to_owned(),
                };
            }
            out.push_str(&rest[..i]);
            let after = &rest[i + 1..];
            if let Some(tail) = after.strip_prefix('%') {
                out.push('%');
                rest = tail;
            } else if let Some(name_end) = after.strip_prefix('(').and_then(|a| a.find(")s")) {
                let name = after[1..=name_end].to_lowercase();
                let value = vars
                    .iter()
                    .find(|(k, _)| *k == name)
                    .map(|(_, v)| (*v).to_owned())
                    .or_else(|| {
                        let nested = self.raw(section, &name)?;
                        if depth > 10 {
                            return None;
                        }
                        let key = (name, depth + 1);
                        if let Some(known) = memo.get(&key) {
                            return known.clone();
                        }
                        let value = self.interpolate(section, nested, vars, depth + 1, memo).value;
                        memo.insert(key, value.clone());
                        value
                    });
                match value {
                    Some(value) => out.push_str(&value),
                    None => {
                        return Interpolated {
                            value: None,
                            raw: raw.to_owned(),
                        };
                    }
                }
                rest = &after[name_end + 3..];
            } else {
                out.push('%');
                rest = after;
            }
        }
        out.push_str(rest);
        Interpolated {
            value: (out.len() <= MAX_VALUE).then_some(out),
            raw: raw.to_owned(),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Interpolated {
    /// The filled-in value; `None` when it refers to a name only known at
    /// run time.
    pub value: Option<String>,
    pub raw: String,
}

#[cfg(test)]
mod tests {
    use super::*;

    /// F-06: ten levels of references that each name the next eight times
    /// expand to 8^10 bytes; past a path's length the value is unknown.
    #[test]
    fn f06_multiplying_references_stop_at_a_bound() {
        let mut text = String::from("[alembic]\nscript_location = %(a0)s\n");
        for depth in 0..10 {
            let line = format!("a{depth} = {}\n", format!("%(a{})s", depth + 1).repeat(8));
            text.push_str(&line);
        }
        text.push_str("a10 = x\n");
        let ini = Ini::parse(&text).expect("parses");
        let location = ini.get("alembic", "script_location", &[]).expect("the key");
        assert_eq!(location.value, None);
        assert_eq!(
            ini.get("alembic", "a9", &[]).and_then(|v| v.value).as_deref(),
            Some("xxxxxxxx")
        );
    }

    /// R-09: references that multiply over an empty leaf never grow the
    /// value, so the length bound never stops them; each is worked out once.
    #[test]
    fn r09_multiplying_references_to_nothing_are_read_once() {
        let mut text = String::from("[alembic]\nscript_location = migrations%(a0)s\n");
        for depth in 0..10 {
            let line = format!("a{depth} = {}\n", format!("%(a{})s", depth + 1).repeat(64));
            text.push_str(&line);
        }
        text.push_str("a10 =\n");
        let ini = Ini::parse(&text).expect("parses");
        // 64^10 expansions without the memo: this would not finish.
        let location = ini.get("alembic", "script_location", &[]).expect("the key");
        assert_eq!(location.value.as_deref(), Some("migrations"));
    }

    /// R-12: many sections are found by name, not by a walk.
    #[test]
    fn r12_many_sections() {
        use std::fmt::Write as _;
        let mut text = String::new();
        for i in 0..20_000 {
            writeln!(text, "[s{i}]\nscript_location = m{i}").expect("writing to a string");
        }
        let ini = Ini::parse(&text).expect("parses");
        assert_eq!(ini.raw("s19999", "script_location"), Some("m19999"));
        assert_eq!(ini.section_names().count(), 20_000);
    }

    /// F-31: forms Python's configparser reads: text after a section's `]`
    /// and lone CR line endings.
    #[test]
    fn f31_what_configparser_accepts_is_accepted() {
        let trailing = Ini::parse("[alembic] ; main\nscript_location = migrations\n").expect("parses");
        assert_eq!(trailing.raw("alembic", "script_location"), Some("migrations"));
        let lone_cr = Ini::parse("[alembic]\rscript_location = migrations\r").expect("parses");
        assert_eq!(lone_cr.raw("alembic", "script_location"), Some("migrations"));
    }

    #[test]
    fn sections_continuations_and_interpolation() {
        let text = "[DEFAULT]\nbase = db\n\n[alembic]\nscript_location = %(here)s/%(base)s\nversion_locations =\n    a\n    b\nfile_template = %%(rev)s_%%(slug)s\n\n[tenant]\nscript_location: %(tenant_dir)s\n";
        let ini = Ini::parse(text).unwrap();
        assert_eq!(ini.section_names().collect::<Vec<_>>(), ["alembic", "tenant"]);
        let vars = [("here", "/repo")];
        assert_eq!(
            ini.get("alembic", "script_location", &vars).unwrap().value.as_deref(),
            Some("/repo/db")
        );
        assert_eq!(
            ini.get("alembic", "version_locations", &vars).unwrap().value.as_deref(),
            Some("\na\nb")
        );
        assert_eq!(
            ini.get("alembic", "file_template", &vars).unwrap().value.as_deref(),
            Some("%(rev)s_%(slug)s")
        );
        assert_eq!(ini.get("tenant", "script_location", &vars).unwrap().value, None);
    }

    #[test]
    fn broken_files_are_errors() {
        assert!(Ini::parse("script_location = x\n").is_err());
        assert!(Ini::parse("[alembic]\nnot a pair\n").is_err());
    }
}
