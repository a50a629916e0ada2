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
//!
//! A site also records the entry point it runs from, as far as this file
//! shows: start-up (at import — module level, class bodies,
//! `if __name__ == "__main__":` — or in a start-up hook, a function
//! decorated with `on_event("startup")`, `before_first_request`, ... or
//! named `lifespan`, `startup`, `create_app`), a request handler
//! (`@app.route`, `@router.get`, ...), a command-line command
//! (`@click.command`, `@app.cli.command`, `@manager.command`, ...) or a
//! scheduled or queued job (`@celery.task`, `@shared_task`,
//! `@scheduler.scheduled_job`, ...), or a function this file calls from one
//! of those. A function whose callers are elsewhere is not known to run;
//! the check looks for its callers in the other files.

use std::collections::HashMap;
use std::ops::Range;

use compact_str::CompactString;
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
    /// The same function makes the `MetaData()` whose tables it creates:
    /// they are not the migrated models.
    LocalMetadata,
    /// The same function builds a SQLite file database of its own, at a
    /// path it works out (`f"sqlite:///{path}"`): an archive, an export,
    /// a seeding tool's file, not the migrated database.
    OwnDatabase,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AllCall {
    pub method: Method,
    /// From the start of the receiver (`Base.metadata`) to the end of the
    /// call, or of the reference.
    pub span: Range<usize>,
    /// Why the site is considered safe, if it is.
    pub guard: Option<Guard>,
    /// The entry point it runs from, as far as this file shows.
    pub runs: Option<Entry>,
    /// The outermost function it is in.
    pub function: Option<CompactString>,
    /// That function is a method (its callers cannot be found by name).
    pub in_class: bool,
    /// A call of that function, in another file, that runs at start-up
    /// (found after every file is read): its path and span.
    #[serde(skip)]
    pub caller: Option<Caller>,
    /// The function of another file that caller calls, when it is not
    /// `function` itself (`main()` calls `setup()`, which calls it).
    #[serde(skip)]
    pub via: Option<String>,
}

/// A call site in another file: its path and span.
pub type Caller = (String, Range<usize>);

/// Where code starts running against the application's database.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum Entry {
    /// At import, or in a start-up hook.
    StartUp,
    /// A web request handler.
    Request,
    /// A command-line command.
    Command,
    /// A scheduled or queued job.
    Job,
}

impl Entry {
    /// How a message says where the code runs.
    pub fn describe(self) -> &'static str {
        match self {
            Entry::StartUp => "at start-up",
            Entry::Request => "in a request handler",
            Entry::Command => "in a command-line command",
            Entry::Job => "in a scheduled or queued job",
        }
    }
}

/// Where a call of a function of another file is made from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CallContext<'a> {
    /// Code that an entry point runs.
    Entry(Entry),
    /// A module-level function that no entry point of its file runs: its
    /// own callers may be elsewhere.
    Function(&'a str),
}

/// A cheap byte test done before scanning.
pub fn may_call_all(bytes: &[u8]) -> bool {
    static NEEDLES: std::sync::LazyLock<regex::bytes::Regex> =
        std::sync::LazyLock::new(|| regex::bytes::Regex::new("drop_all|create_a").expect("valid regex"));
    NEEDLES.is_match(bytes)
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

/// Decorators and function names of start-up hooks.
const HOOK_WORDS: [&str; 5] = [
    "startup",
    "lifespan",
    "before_first_request",
    "before_serving",
    "create_app",
];

/// What one pass over a file learns about its functions.
struct Contexts<'a> {
    /// Functions an entry point runs, with the first entry found.
    entries: Vec<(&'a str, Entry)>,
    /// Functions that stamp the database.
    stampers: Vec<&'a str>,
}

impl<'a> Contexts<'a> {
    fn of(scan: &Scan<'a>) -> Self {
        let mut entries: Vec<(&str, Entry)> = Vec::new();
        let mut stampers: Vec<&str> = Vec::new();
        let mut called_by: Vec<(&str, &str)> = Vec::new();
        let add = |entries: &mut Vec<(&'a str, Entry)>, name: &'a str, entry: Entry| {
            if !entries.iter().any(|(n, _)| *n == name) {
                entries.push((name, entry));
            }
        };
        walk(scan, 0..scan.lines.len(), |statement| {
            let function = outermost_function(scan, statement);
            if let Some((def, name)) = function
                && let Some(entry) = entry_point(scan, def.line, name)
            {
                add(&mut entries, name, entry);
            }
            for w in statement.tokens.windows(2) {
                if w[0].kind != Kind::Name || !scan.is(w[1], "(") {
                    continue;
                }
                let callee = scan.str(w[0]);
                match function {
                    None => add(&mut entries, callee, Entry::StartUp),
                    Some((_, caller)) => {
                        called_by.push((caller, callee));
                        if callee.to_lowercase().contains("stamp") && !stampers.contains(&caller) {
                            stampers.push(caller);
                        }
                    }
                }
            }
        });
        // Functions called from code an entry point runs run there too.
        let mut grew = true;
        while grew {
            grew = false;
            for &(caller, callee) in &called_by {
                if let Some(entry) = Self::find(&entries, caller)
                    && Self::find(&entries, callee).is_none()
                {
                    entries.push((callee, entry));
                    grew = true;
                }
            }
        }
        Contexts { entries, stampers }
    }

    fn find(entries: &[(&str, Entry)], name: &str) -> Option<Entry> {
        entries.iter().find(|(n, _)| *n == name).map(|&(_, e)| e)
    }

    /// The entry point that runs `function` (`None`: the module itself).
    fn runs(&self, function: Option<&str>) -> Option<Entry> {
        match function {
            None => Some(Entry::StartUp),
            Some(f) => Self::find(&self.entries, f),
        }
    }
}

/// The outermost `def` around a statement: its block and its name.
fn outermost_function<'a, 's>(
    scan: &Scan<'a>,
    statement: &'s super::blocks::Statement<'_>,
) -> Option<(&'s super::blocks::Block, &'a str)> {
    statement.blocks.iter().find_map(|b| match &b.kind {
        BlockKind::Def { name } => Some((b, &scan.text[name.clone()])),
        _ => None,
    })
}

/// Calls of `names` (functions of another file), `name(...)` or
/// `module.name(...)`, not guarded the way a `create_all` would be: each
/// is (index in `names`, span of the call, where it is made from). Calls
/// in methods are not followed.
pub fn calls_of<'a>(scan: &Scan<'a>, names: &[&str]) -> Vec<(usize, Range<usize>, CallContext<'a>)> {
    let contexts = Contexts::of(scan);
    let mut guards = Guards::new(scan, &contexts.stampers);
    let mut out = Vec::new();
    walk(scan, 0..scan.lines.len(), |statement| {
        let function = outermost_function(scan, statement);
        let name = function.map(|(_, name)| name);
        let context = match (contexts.runs(name), function) {
            (Some(entry), _) => CallContext::Entry(entry),
            (None, Some((def, name))) if !in_class(statement, def) => CallContext::Function(name),
            (None, _) => return,
        };
        let tokens = statement.tokens;
        for (i, w) in tokens.windows(2).enumerate() {
            if w[0].kind != Kind::Name || !scan.is(w[1], "(") {
                continue;
            }
            let Some(which) = names.iter().position(|n| *n == scan.str(w[0])) else {
                continue;
            };
            // A definition of the same name is not a call.
            if i > 0 && scan.is(tokens[i - 1], "def") {
                continue;
            }
            let site = Site {
                statement,
                at: w[0].start,
                receiver: "",
            };
            if guards.of(&site).is_none() {
                out.push((which, w[0].start..w[1].end, context));
            }
        }
    });
    out
}

/// The function `def` is a method: inside a class.
fn in_class(statement: &super::blocks::Statement<'_>, def: &super::blocks::Block) -> bool {
    statement
        .blocks
        .iter()
        .take_while(|b| !std::ptr::eq(*b, def))
        .any(|b| matches!(b.kind, BlockKind::Class { .. }))
}

pub fn all_calls(scan: &Scan<'_>) -> Vec<AllCall> {
    let mut out = Vec::new();
    let contexts = Contexts::of(scan);
    let mut guards = Guards::new(scan, &contexts.stampers);
    walk(scan, 0..scan.lines.len(), |statement| {
        let tokens = statement.tokens;
        let function = outermost_function(scan, statement);
        let in_class = function.is_some_and(|(def, _)| in_class(statement, def));
        let function = function.map(|(_, name)| name);
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
            let site = Site {
                statement,
                at: t.start,
                receiver: scan.str(tokens[start]),
            };
            let guard = guards.of(&site);
            out.push(AllCall {
                method,
                span: tokens[start].start..end,
                guard,
                runs: contexts.runs(function),
                function: function.map(Into::into),
                in_class,
                caller: None,
                via: None,
            });
        }
    });
    out
}

/// Decorators of request handlers, by their last name (`@app.route`,
/// `@router.get`, `@view_config`).
const REQUEST_DECORATORS: [&str; 11] = [
    "route",
    "get",
    "post",
    "put",
    "patch",
    "delete",
    "websocket",
    "api_route",
    "view_config",
    "api_view",
    "endpoint",
];

/// Decorators of command-line commands (`@click.command`,
/// `@app.cli.command`, `@manager.command`, Typer's `@app.command`).
const COMMAND_DECORATORS: [&str; 2] = ["command", "group"];

/// Decorators of scheduled and queued jobs (Celery, RQ, APScheduler,
/// Dramatiq, Huey).
const JOB_DECORATORS: [&str; 7] = [
    "task",
    "shared_task",
    "periodic_task",
    "scheduled_job",
    "actor",
    "db_task",
    "db_periodic_task",
];

/// The entry point a function is: a start-up hook by its name or a
/// decorator, or a request handler, command or job by its decorator on
/// the lines above its header.
fn entry_point(scan: &Scan<'_>, header: usize, name: &str) -> Option<Entry> {
    let lower = name.to_ascii_lowercase();
    if HOOK_WORDS.iter().any(|w| lower.contains(w)) {
        return Some(Entry::StartUp);
    }
    let decorators = scan.lines[..header].iter().rev().take_while(|line| {
        let first = scan.tokens.get(line.tokens.start);
        first.is_some_and(|&t| scan.is(t, "@"))
    });
    let mut found = None;
    for line in decorators {
        let tokens = scan.line_tokens(line);
        let text = scan.text[tokens[0].start..tokens[tokens.len() - 1].end].to_ascii_lowercase();
        if HOOK_WORDS.iter().any(|w| text.contains(w)) {
            return Some(Entry::StartUp);
        }
        // The dotted name after `@`, up to its arguments.
        let last = tokens[1..]
            .iter()
            .take_while(|&&t| t.kind == Kind::Name || scan.is(t, "."))
            .filter(|t| t.kind == Kind::Name)
            .last()
            .map(|&t| scan.str(t));
        let entry = match last {
            Some(n) if REQUEST_DECORATORS.contains(&n) => Entry::Request,
            Some(n) if COMMAND_DECORATORS.contains(&n) => Entry::Command,
            Some(n) if JOB_DECORATORS.contains(&n) => Entry::Job,
            _ => continue,
        };
        found.get_or_insert(entry);
    }
    found
}

/// Where a site is: the statement, the start of its attribute, and the
/// first name of its receiver (`metadata_obj` in `metadata_obj.create_all`).
struct Site<'s, 'a> {
    statement: &'s super::blocks::Statement<'a>,
    at: usize,
    receiver: &'a str,
}

/// What a function (or the module) tells about the calls in it, learnt
/// once however many calls it holds.
struct Scope<'a> {
    /// The first `NAME = value` of each name (a statement of its own).
    assigned: HashMap<&'a str, &'a str>,
    /// Where the last call that stamps starts: a stamping function of this
    /// file, or any name with "stamp" in it.
    last_stamp: Option<usize>,
    /// The scope builds an in-memory database.
    in_memory: bool,
    /// The scope builds a SQLite database at a path it works out.
    own_database: bool,
    /// Where the first statement starts that raises or returns under an
    /// `if` about the database's state.
    first_state_exit: Option<usize>,
}

impl<'a> Scope<'a> {
    fn of(scan: &Scan<'a>, lines: Range<usize>, stampers: &[&str]) -> Self {
        let mut assigned = HashMap::new();
        for line in &scan.lines[lines.clone()] {
            if let [target, eq, value @ ..] = &scan.tokens[line.tokens.clone()]
                && !value.is_empty()
                && target.kind == Kind::Name
                && scan.is(*eq, "=")
            {
                assigned
                    .entry(scan.str(*target))
                    .or_insert(&scan.text[value[0].start..value[value.len() - 1].end]);
            }
        }
        let first = scan.lines[lines.start].tokens.start;
        let last = scan.lines[lines.end - 1].tokens.end;
        let tokens = &scan.tokens[first..last];
        let last_stamp = tokens
            .windows(2)
            .filter(|w| {
                w[0].kind == Kind::Name && scan.is(w[1], "(") && {
                    let name = scan.str(w[0]);
                    stampers.contains(&name) || name.to_lowercase().contains("stamp")
                }
            })
            .map(|w| w[0].start)
            .next_back();
        let in_memory = tokens.iter().filter(|t| t.kind == Kind::Str).any(|&t| {
            string_value(scan.str(t))
                .is_some_and(|v| v.contains(":memory:") || (v.starts_with("sqlite") && v.ends_with("://")))
        });
        // `f"sqlite:///{path}"`, or `"sqlite:///" + path`: a file whose path
        // is worked out here, not the application's configured URL.
        let own_database = tokens.windows(2).any(|w| {
            let literal = scan.str(w[0]);
            let quote = literal.find(['\'', '"']).unwrap_or(0);
            let (prefix, body) = literal.split_at(quote);
            let body = body.trim_start_matches(['\'', '"']);
            w[0].kind == Kind::Str
                && ((prefix.to_ascii_lowercase().contains('f') && body.starts_with("sqlite:///{"))
                    || (string_value(literal).as_deref() == Some("sqlite:///") && scan.is(w[1], "+")))
        });
        let mut first_state_exit: Option<usize> = None;
        walk(scan, lines, |s| {
            let Some(&head) = s.tokens.first() else { return };
            let about_state = s.blocks.iter().any(|b| match &b.kind {
                BlockKind::Arm { condition, .. } => {
                    let lower = scan.text[condition.clone()].to_lowercase();
                    STATE_WORDS.iter().any(|w| lower.contains(w))
                }
                _ => false,
            });
            if about_state && (scan.is(head, "raise") || scan.is(head, "return")) {
                first_state_exit = Some(first_state_exit.map_or(head.start, |f| f.min(head.start)));
            }
        });
        Scope {
            assigned,
            last_stamp,
            in_memory,
            own_database,
            first_state_exit,
        }
    }

    /// The guard an `if` condition makes: the configuration or the
    /// database's state. A name the function set from the configuration
    /// counts as the configuration (`url = config.get(...)`; `if url...`).
    fn condition(&self, text: &str) -> Option<Guard> {
        let mut lower = text.to_lowercase();
        for name in text.split(|ch: char| !(ch.is_alphanumeric() || ch == '_')) {
            if !name.is_empty()
                && !name.starts_with(|ch: char| ch.is_ascii_digit())
                && let Some(value) = self.assigned.get(name)
            {
                lower.push(' ');
                lower.push_str(&value.to_lowercase());
            }
        }
        if CONFIG_WORDS.iter().any(|w| lower.contains(w)) {
            Some(Guard::Condition)
        } else if STATE_WORDS.iter().any(|w| lower.contains(w)) {
            Some(Guard::StateCheck)
        } else {
            None
        }
    }
}

/// Finds the guard of each call site of a file. Each scope is learnt
/// once, and the conditions of an `if` chain are weighed once each (the
/// first that guards, arm by arm), so the work stays linear in the file
/// however many calls and arms it has.
struct Guards<'a, 'x> {
    scan: &'x Scan<'a>,
    stampers: &'x [&'x str],
    /// By the line of the enclosing `def` (`usize::MAX` for the module).
    scopes: HashMap<usize, (Range<usize>, Scope<'a>)>,
    /// For each arm (group, arm) of the chains seen: the guard the first
    /// condition that makes one makes, over the arms up to this one.
    chains: HashMap<(usize, usize), Option<Guard>>,
}

impl<'a, 'x> Guards<'a, 'x> {
    fn new(scan: &'x Scan<'a>, stampers: &'x [&'x str]) -> Self {
        Guards {
            scan,
            stampers,
            scopes: HashMap::new(),
            chains: HashMap::new(),
        }
    }

    fn of(&mut self, site: &Site<'_, '_>) -> Option<Guard> {
        let scan = self.scan;
        let (statement, at) = (site.statement, site.at);
        // The enclosing function, or the whole module.
        let def = statement
            .blocks
            .iter()
            .rev()
            .find(|b| matches!(b.kind, BlockKind::Def { .. }));
        let key = def.map_or(usize::MAX, |d| d.line);
        let stampers = self.stampers;
        let (_, scope) = self.scopes.entry(key).or_insert_with(|| {
            let lines = match def {
                Some(def) => {
                    let end = scan.lines[def.line + 1..]
                        .iter()
                        .position(|l| l.indent <= def.indent)
                        .map_or(scan.lines.len(), |p| def.line + 1 + p);
                    def.line..end
                }
                None => 0..scan.lines.len(),
            };
            (lines.clone(), Scope::of(scan, lines, stampers))
        });
        for block in statement.blocks {
            let BlockKind::Arm {
                group,
                arm,
                condition,
                previous,
            } = &block.kind
            else {
                continue;
            };
            let before = match arm.checked_sub(1).and_then(|a| self.chains.get(&(*group, a))) {
                Some(known) => *known,
                // An arm whose predecessors were never weighed (they hold
                // no call): weighed now, first to last.
                None => previous
                    .iter()
                    .collect::<Vec<_>>()
                    .into_iter()
                    .rev()
                    .find_map(|c| scope.condition(&scan.text[c.clone()])),
            };
            let here = scope.condition(&scan.text[condition.clone()]);
            self.chains.insert((*group, *arm), before.or(here));
            if let Some(guard) = here.or(before) {
                return Some(guard);
            }
        }
        let local_metadata = scope
            .assigned
            .get(site.receiver)
            .and_then(|value| value.split('(').next())
            .is_some_and(|callee| callee.trim_end().ends_with("MetaData"));
        if local_metadata {
            return Some(Guard::LocalMetadata);
        }
        // A later call that stamps, itself or through a function of this file.
        if scope.last_stamp.is_some_and(|last| last > at) {
            return Some(Guard::Stamp);
        }
        if scope.in_memory {
            return Some(Guard::InMemory);
        }
        if scope.own_database {
            return Some(Guard::OwnDatabase);
        }
        // An earlier `if` about the database's state that raises or returns.
        scope
            .first_state_exit
            .is_some_and(|first| first <= at)
            .then_some(Guard::EarlierStateCheck)
    }
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
        let own = sites(
            "def export(path):
    engine = create_engine(f\"sqlite:///{path}\")
    Base.metadata.create_all(engine)

def seed(name):
    engine = create_engine(\"sqlite:///\" + name)
    Base.metadata.create_all(engine)

def app_db():
    engine = create_engine(settings.DATABASE_URL)
    Base.metadata.create_all(engine)
",
        );
        assert_eq!(own[0].1, Some(Guard::OwnDatabase));
        assert_eq!(own[1].1, Some(Guard::OwnDatabase));
        assert_eq!(own[2].1, None, "the configured database is the migrated one");
    }
}
