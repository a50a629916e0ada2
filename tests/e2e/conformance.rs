//! Differential tests against Alembic itself. A seeded generator writes
//! random revision graphs — linear runs, branches, merges of two and three
//! parents, labelled branches, `depends_on`, in every assignment and header
//! style — and graphs with one injected fault. Alembic's own
//! `ScriptDirectory` (from the `.venv` that `.ci/run` creates) loads each
//! one; its heads and bases must equal `graph --format json`, every fault it
//! raises or warns about must be reported by the matching AP2xx rule, and no
//! AP2xx rule may fire where it loads cleanly.
//!
//! Replay a run with `ALEMBIC_PREFLIGHT_SEED=<seed> cargo test --test e2e conformance`.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;
use std::process::Command;

use crate::support::run_in;

/// xorshift64*: small, seeded, reproducible.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }

    fn below(&mut self, n: usize) -> usize {
        usize::try_from(self.next() % n as u64).expect("fits")
    }

    fn chance(&mut self, percent: usize) -> bool {
        self.below(100) < percent
    }

    fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.below(items.len())]
    }
}

#[derive(Clone, Debug)]
struct Rev {
    id: String,
    down: Vec<String>,
    labels: Vec<String>,
    depends: Vec<String>,
    /// Written as a tuple even with one parent.
    tuple: bool,
    file: String,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Fault {
    MissingParent,
    DuplicateId,
    SelfLoop,
    Cycle,
    UnknownDependsOn,
    DuplicateLabel,
}

impl Fault {
    const ALL: [Fault; 6] = [
        Fault::MissingParent,
        Fault::DuplicateId,
        Fault::SelfLoop,
        Fault::Cycle,
        Fault::UnknownDependsOn,
        Fault::DuplicateLabel,
    ];

    fn code(self) -> &'static str {
        match self {
            Fault::MissingParent => "AP202",
            Fault::DuplicateId => "AP203",
            Fault::SelfLoop | Fault::Cycle => "AP205",
            Fault::UnknownDependsOn => "AP206",
            Fault::DuplicateLabel => "AP207",
        }
    }
}

fn new_id(rng: &mut Rng, style: usize, used: &mut BTreeSet<String>) -> String {
    loop {
        let id = match style {
            0 => format!("{:012x}", rng.next() & 0xFFFF_FFFF_FFFF),
            1 => format!("{:011x}", rng.next() & 0x0FFF_FFFF_FFFF),
            2 => format!("rev_{:04}", rng.below(10_000)),
            3 => format!("{:03}", rng.below(1000)),
            _ => format!("I{:010x}", rng.next() & 0xFF_FFFF_FFFF),
        };
        if used.insert(id.clone()) {
            return id;
        }
    }
}

/// A clean graph: one head per branch.
fn generate(rng: &mut Rng) -> Vec<Rev> {
    let style = rng.below(5);
    let mut used = BTreeSet::new();
    let mut revs: Vec<Rev> = Vec::new();
    let mut add = |rng: &mut Rng, revs: &mut Vec<Rev>, down: Vec<String>, labels: Vec<String>| -> usize {
        let id = new_id(rng, style, &mut used);
        let tuple = down.len() > 1 || rng.chance(10);
        revs.push(Rev {
            id,
            down,
            labels,
            depends: Vec::new(),
            tuple,
            file: String::new(),
        });
        revs.len() - 1
    };
    let base = add(rng, &mut revs, Vec::new(), Vec::new());
    let mut heads = vec![base];
    let mut main = vec![base];
    let steps = 2 + rng.below(22);
    for _ in 0..steps {
        let roll = rng.below(100);
        if heads.len() >= 2 && roll < 30 {
            let take = if heads.len() >= 3 && rng.chance(40) { 3 } else { 2 };
            let mut parents = Vec::new();
            for _ in 0..take {
                let h = heads.remove(rng.below(heads.len()));
                parents.push(revs[h].id.clone());
            }
            let m = add(rng, &mut revs, parents, Vec::new());
            heads.push(m);
            main.push(m);
        } else if roll < 45 {
            let parent = *rng.pick(&main);
            let down = vec![revs[parent].id.clone()];
            let child = add(rng, &mut revs, down, Vec::new());
            heads.retain(|&h| h != parent);
            heads.push(child);
            main.push(child);
        } else {
            let at = rng.below(heads.len());
            let parent = heads[at];
            let down = vec![revs[parent].id.clone()];
            let child = add(rng, &mut revs, down, Vec::new());
            heads[at] = child;
            main.push(child);
        }
    }
    while heads.len() > 1 {
        let take = heads.len().min(if rng.chance(30) { 3 } else { 2 });
        let parents: Vec<String> = heads.drain(..take).map(|h| revs[h].id.clone()).collect();
        let m = add(rng, &mut revs, parents, Vec::new());
        heads.push(m);
        main.push(m);
    }
    // A labelled branch: a second history with its own base, or a branch
    // off the main history.
    if rng.chance(35) {
        let root_down = if rng.chance(50) {
            Vec::new()
        } else {
            vec![revs[*rng.pick(&main)].id.clone()]
        };
        let label = vec![format!("branch_{}", rng.below(100))];
        let mut last = add(rng, &mut revs, root_down, label);
        for _ in 0..rng.below(4) {
            let down = vec![revs[last].id.clone()];
            last = add(rng, &mut revs, down, Vec::new());
        }
    }
    // Dependencies on earlier revisions never make a cycle.
    for i in 1..revs.len() {
        if rng.chance(12) {
            let target = rng.below(i);
            let name = if !revs[target].labels.is_empty() && rng.chance(50) {
                revs[target].labels[0].clone()
            } else {
                revs[target].id.clone()
            };
            if !revs[i].down.contains(&name) {
                revs[i].depends.push(name);
            }
        }
    }
    revs
}

fn inject(rng: &mut Rng, revs: &mut Vec<Rev>, fault: Fault) {
    let non_base: Vec<usize> = (0..revs.len()).filter(|&i| !revs[i].down.is_empty()).collect();
    match fault {
        Fault::MissingParent => {
            let i = *rng.pick(&non_base);
            revs[i].down = vec!["ffffffff0000".to_owned()];
        }
        Fault::DuplicateId => {
            let mut copy = revs[rng.below(revs.len())].clone();
            copy.file = format!("zz_{}_copy", copy.id);
            revs.push(copy);
        }
        Fault::SelfLoop => {
            let i = *rng.pick(&non_base);
            revs[i].down = vec![revs[i].id.clone()];
        }
        Fault::Cycle => {
            // The base now follows one of its own descendants.
            let mut descendants: BTreeSet<String> = BTreeSet::from([revs[0].id.clone()]);
            loop {
                let before = descendants.len();
                for r in revs.iter() {
                    if r.down.iter().any(|d| descendants.contains(d)) {
                        descendants.insert(r.id.clone());
                    }
                }
                if descendants.len() == before {
                    break;
                }
            }
            descendants.remove(&revs[0].id);
            let choices: Vec<String> = descendants.into_iter().collect();
            revs[0].down = vec![rng.pick(&choices).clone()];
        }
        Fault::UnknownDependsOn => {
            let i = rng.below(revs.len());
            revs[i].depends = vec!["no_such_revision".to_owned()];
        }
        Fault::DuplicateLabel => {
            let a = rng.below(revs.len());
            let mut b = rng.below(revs.len());
            if b == a {
                b = (a + 1) % revs.len();
            }
            revs[a].labels = vec!["twice".to_owned()];
            revs[b].labels = vec!["twice".to_owned()];
        }
    }
}

fn python_value(items: &[String], tuple: bool, rng: &mut Rng) -> String {
    let quote = |s: &String, rng: &mut Rng| match rng.below(3) {
        0 => format!("'{s}'"),
        1 => format!("\"{s}\""),
        _ => format!("u'{s}'"),
    };
    match items {
        [] => {
            if rng.chance(85) {
                "None".to_owned()
            } else {
                "()".to_owned()
            }
        }
        [one] if !tuple => quote(one, rng),
        many => {
            let parts: Vec<String> = many.iter().map(|s| quote(s, rng)).collect();
            match rng.below(3) {
                0 => format!("({},)", parts.join(", ")),
                1 => format!("(\n    {},\n)", parts.join(",\n    ")),
                _ => format!("[{}]", parts.join(", ")),
            }
        }
    }
}

fn write_graph(dir: &Path, revs: &[Rev], rng: &mut Rng) {
    let versions = dir.join("versions");
    std::fs::create_dir_all(&versions).expect("versions directory");
    std::fs::write(dir.join("env.py"), "# not run\n").expect("env.py");
    for (n, rev) in revs.iter().enumerate() {
        let annotated = rng.chance(40);
        let (ra, da) = if annotated {
            (": str", ": str | tuple[str, ...] | None")
        } else {
            ("", "")
        };
        let revises = rev.down.join(", ");
        let header = format!(
            "Revision ID: {}\nRevises: {revises}\nCreate Date: 2024-01-{:02} 10:00:00",
            rev.id,
            1 + n % 28
        );
        let body = format!(
            "revision{ra} = '{}'\ndown_revision{da} = {}\nbranch_labels = {}\ndepends_on = {}\n\n\ndef upgrade():\n    pass\n\n\ndef downgrade():\n    pass\n",
            rev.id,
            python_value(&rev.down, rev.tuple, rng),
            python_value(&rev.labels, rng.chance(50), rng),
            python_value(&rev.depends, rng.chance(50), rng),
        );
        let text = match rng.below(4) {
            0 => format!("\"\"\"change {n}\n\n{header}\n\n\"\"\"\nfrom alembic import op\n\n\n{body}"),
            1 => format!("from alembic import op\n\n\"\"\"change {n}\n\n{header}\n\"\"\"\n\n{body}"),
            2 => format!(
                "{}\nfrom alembic import op\n\n{body}",
                header.lines().fold(String::new(), |acc, l| acc + "# " + l + "\n")
            ),
            _ => format!("from alembic import op\n\n{body}"),
        };
        let name = if rev.file.is_empty() {
            format!("{}_change_{n}.py", rev.id)
        } else {
            format!("{}.py", rev.file)
        };
        std::fs::write(versions.join(name), text).expect("revision file");
    }
}

#[test]
#[allow(clippy::print_stderr, clippy::too_many_lines)]
fn same_graph_as_alembic() {
    let python = crate::support::alembic_python();
    let seed: u64 = std::env::var("ALEMBIC_PREFLIGHT_SEED")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(20_261_121);
    eprintln!("conformance seed: {seed} (replay with ALEMBIC_PREFLIGHT_SEED={seed})");
    let clean_graphs = 420;
    let faulty_graphs = 120;
    let root = tempfile::tempdir().expect("temporary directory");
    let mut rng = Rng(seed.max(1));
    let mut faults: BTreeMap<String, Option<Fault>> = BTreeMap::new();
    let mut dirs = Vec::new();
    for n in 0..clean_graphs + faulty_graphs {
        let name = format!("g{n:04}");
        let mut revs = generate(&mut rng);
        let fault = (n >= clean_graphs).then(|| Fault::ALL[n % Fault::ALL.len()]);
        if let Some(fault) = fault {
            inject(&mut rng, &mut revs, fault);
        }
        write_graph(&root.path().join(&name), &revs, &mut rng);
        faults.insert(name.clone(), fault);
        dirs.push(root.path().join(&name).to_string_lossy().into_owned());
    }
    let list = root.path().join("dirs.json");
    std::fs::write(&list, serde_json::to_string(&dirs).unwrap()).unwrap();
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/alembic_graphs.py");
    let output = Command::new(&python)
        .arg(&script)
        .arg(&list)
        .output()
        .expect("python runs");
    assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
    std::fs::remove_file(&list).unwrap();
    let alembic: BTreeMap<String, serde_json::Value> =
        serde_json::from_slice(&output.stdout).expect("JSON from Alembic");

    let graph = run_in(root.path(), &["graph", "--format", "json"]);
    assert_eq!(graph.code, 0, "{}", graph.stderr);
    let graph: serde_json::Value = serde_json::from_str(&graph.stdout).unwrap();
    let ours: BTreeMap<String, &serde_json::Value> = graph["environments"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| (e["script_location"].as_str().unwrap().to_owned(), e))
        .collect();
    let check = run_in(root.path(), &["check", "--all-files", "--format", "json"]);
    let check: serde_json::Value = serde_json::from_str(&check.stdout).unwrap();
    let mut codes: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for d in check["diagnostics"].as_array().unwrap() {
        let code = d["code"].as_str().unwrap();
        if code.starts_with("AP2") {
            let dir = d["path"].as_str().unwrap().split('/').next().unwrap().to_owned();
            codes.entry(dir).or_default().insert(code.to_owned());
        }
    }

    let mut failures = Vec::new();
    let (mut compared_clean, mut compared_faults) = (0, 0);
    for (dir, fault) in &faults {
        let theirs = &alembic[&root.path().join(dir).to_string_lossy().into_owned()];
        let reported = codes.get(dir).cloned().unwrap_or_default();
        let clean = theirs["error"].is_null() && theirs["warnings"].as_array().unwrap().is_empty();
        match fault {
            None => {
                if !clean {
                    failures.push(format!("{dir}: the generator made a graph Alembic rejects: {theirs}"));
                    continue;
                }
                compared_clean += 1;
                let ours = ours.get(dir).copied();
                let heads = ours.map(|e| e["heads"].clone());
                let bases = ours.map(|e| e["bases"].clone());
                if heads.as_ref() != Some(&theirs["heads"]) || bases.as_ref() != Some(&theirs["bases"]) {
                    failures.push(format!(
                        "{dir}: heads/bases {heads:?}/{bases:?}, Alembic {}/{}",
                        theirs["heads"], theirs["bases"]
                    ));
                }
                if !reported.is_empty() {
                    failures.push(format!("{dir}: Alembic loads it cleanly but we report {reported:?}"));
                }
            }
            Some(fault) => {
                if clean {
                    failures.push(format!("{dir}: the injected {fault:?} did not bother Alembic"));
                    continue;
                }
                compared_faults += 1;
                if !reported.contains(fault.code()) {
                    failures.push(format!(
                        "{dir}: Alembic says {} {}, we report {reported:?} without {}",
                        theirs["error"],
                        theirs["warnings"],
                        fault.code()
                    ));
                }
            }
        }
    }
    eprintln!("compared {compared_clean} clean graphs and {compared_faults} faulty ones with Alembic");
    if !failures.is_empty() {
        // Keep the graphs for a look.
        let kept = root.keep();
        panic!(
            "seed {seed}; graphs kept in {}:\n{}",
            kept.display(),
            failures.join("\n")
        );
    }
    assert!(compared_clean + compared_faults >= 500);
}
