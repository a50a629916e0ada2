//! The revision graph of one environment, with Alembic's semantics.
//!
//! Nodes are revisions with a literal id (the first file in path order wins
//! when an id is declared twice; the others are recorded as duplicates).
//! Edges come from `down_revision` (which may also name a branch label, as
//! Alembic allows) and `depends_on`. Heads and bases follow `down_revision`
//! only, as `ScriptDirectory.get_heads()` and `get_bases()` do. Branch labels
//! spread to every descendant and up through ancestors until a branch or
//! merge point, as Alembic spreads them. A label that is not a literal
//! (`(cli.EXPAND_BRANCH,)`) is kept as an opaque name made of its source text:
//! it tells branches apart without guessing its value.

use std::collections::{BTreeSet, HashMap, HashSet, VecDeque};

use crate::env::Environment;
use crate::scan::literal::Item;
use crate::scan::migration::{Migration, Value, parse_create_date};
pub use crate::text::edit_distance;

/// One revision file and its facts.
#[derive(Debug)]
pub struct MigrationFile {
    pub path: String,
    /// Boxed: the facts are large, and files move between lists.
    pub facts: Box<Migration>,
    /// It may hold suppression comments.
    pub directives: bool,
}

impl MigrationFile {
    /// The span to point at for a diagnostic about the file's revision.
    pub fn revision_span(&self) -> std::ops::Range<usize> {
        match &self.facts.revision {
            Some(a) => match &a.value {
                Value::Str(item) => item.span.clone(),
                _ => a.value_span.clone(),
            },
            None => 0..0,
        }
    }

    pub fn down_revision_span(&self) -> std::ops::Range<usize> {
        self.facts.down_revision.as_ref().map_or(0..0, |a| a.value_span.clone())
    }
}

#[derive(Debug)]
pub struct Node<'p> {
    pub id: &'p str,
    pub file: &'p MigrationFile,
    /// Resolved `down_revision` parents.
    pub parents: Vec<usize>,
    /// Resolved `depends_on` targets.
    pub dependencies: Vec<usize>,
    /// Revisions whose `down_revision` names this one.
    pub children: Vec<usize>,
    /// Revisions that name this one in `down_revision` or `depends_on`.
    pub all_children: usize,
    /// `down_revision` is `None` or empty.
    pub is_base: bool,
    /// Labels declared on this revision (opaque text for non-literals).
    pub own_labels: Vec<String>,
    pub in_cycle: bool,
}

impl Node<'_> {
    /// The header's `Create Date`, parsed; read only when a rule asks.
    pub fn date(&self) -> Option<[u32; 7]> {
        let header = self.file.facts.header.as_ref()?;
        parse_create_date(&header.create_date.as_ref()?.value)
    }
}

/// A reference that names nothing known.
#[derive(Debug)]
pub struct Dangling<'p> {
    pub file: &'p MigrationFile,
    pub item: &'p Item,
}

#[derive(Debug)]
pub struct LabelConflict<'p> {
    pub file: &'p MigrationFile,
    pub item: &'p Item,
    /// The revision that already uses the label, or whose id it is.
    pub other: usize,
    /// The label equals a revision id (rather than another label).
    pub is_revision_id: bool,
}

#[derive(Debug)]
pub struct Graph<'p> {
    pub env: &'p Environment,
    /// The directories this graph's revision files come from: the
    /// environment's version locations, or one subdirectory of them.
    pub locations: Vec<String>,
    pub nodes: Vec<Node<'p>>,
    pub index: Ids<'p>,
    /// Literal branch labels, to the revision that declares them first.
    pub labels: Ids<'p>,
    /// Files whose id is already taken, with the node that has it.
    pub duplicates: Vec<(&'p MigrationFile, usize)>,
    pub unknown_parents: Vec<Dangling<'p>>,
    pub unknown_dependencies: Vec<Dangling<'p>>,
    pub label_conflicts: Vec<LabelConflict<'p>>,
    /// Revisions whose `down_revision` names themselves.
    pub self_loops: Vec<(usize, &'p Item)>,
    /// Cycles through two or more revisions, each in walking order.
    pub cycles: Vec<Vec<usize>>,
    /// Some `revision` is not a literal: heads and bases cannot be known
    /// for sure.
    pub incomplete: bool,
    /// The revisions whose `down_revision` cannot be read. Each has some
    /// parent: linked under a head, the head it descends to takes that
    /// head's place, so only a group of heads it already reaches can lose one.
    pub unreadable_parents: Vec<usize>,
    /// Some `revision` is not a literal: a reference that names nothing
    /// known may name it.
    pub unknown_ids: bool,
    pub heads: Vec<usize>,
    pub bases: Vec<usize>,
    /// Topological position of each node (parents first); cycle members last.
    pub order: Vec<usize>,
    /// Built on the first suggestion.
    names: std::sync::OnceLock<Names>,
    /// Built on the first question about file names.
    naming: std::sync::OnceLock<bool>,
}

/// The file name carries the revision id: it is the whole stem, one of
/// its `_`-separated words (after a date or a number) or its start.
pub fn name_carries_revision(name: &str, revision: &str) -> bool {
    let stem = name.strip_suffix(".py").unwrap_or(name);
    stem == revision || stem.split('_').any(|token| token == revision) || stem.starts_with(revision)
}

/// Ids and labels to their revision. The keys come from the checked files,
/// pull requests included, so the map hashes with the standard library's
/// SipHash under a fresh random key: ids crafted to collide cannot turn
/// every lookup into a scan.
pub type Ids<'p> = HashMap<&'p str, usize>;

impl<'p> Graph<'p> {
    /// The project's own practice: most of its revision files carry their
    /// id in their name. A history named otherwise (`0042_add_users.py`
    /// with hash ids, dates alone, names written by hand) follows a
    /// convention of its own, whatever `file_template` says. Fewer than
    /// three revisions show no practice: the template decides.
    pub fn names_carry_revisions(&self) -> bool {
        *self.naming.get_or_init(|| {
            let (mut carrying, mut total) = (0usize, 0usize);
            for node in &self.nodes {
                total += 1;
                carrying += usize::from(name_carries_revision(crate::tree::file_name(&node.file.path), node.id));
            }
            total < 3 || carrying * 2 >= total
        })
    }

    /// `external` lists ids and labels other packages provide: references to
    /// them are not dangling.
    pub fn build(env: &'p Environment, files: &[&'p MigrationFile], external: &[String]) -> Self {
        let mut graph = Graph {
            env,
            locations: env.version_locations.clone(),
            nodes: Vec::new(),
            index: Ids::default(),
            labels: Ids::default(),
            duplicates: Vec::new(),
            unknown_parents: Vec::new(),
            unknown_dependencies: Vec::new(),
            label_conflicts: Vec::new(),
            self_loops: Vec::new(),
            cycles: Vec::new(),
            incomplete: false,
            unreadable_parents: Vec::new(),
            unknown_ids: false,
            heads: Vec::new(),
            bases: Vec::new(),
            order: Vec::new(),
            names: std::sync::OnceLock::new(),
            naming: std::sync::OnceLock::new(),
        };
        graph.index.reserve(files.len());
        graph.nodes.reserve(files.len());
        for &file in files {
            let Some(assignment) = &file.facts.revision else {
                continue;
            };
            let Value::Str(item) = &assignment.value else {
                graph.incomplete = true;
                graph.unknown_ids = true;
                continue;
            };
            let id = item.value.as_str();
            if let Some(&existing) = graph.index.get(id) {
                graph.duplicates.push((file, existing));
                continue;
            }
            graph.index.insert(id, graph.nodes.len());
            graph.nodes.push(Node {
                id,
                file,
                parents: Vec::new(),
                dependencies: Vec::new(),
                children: Vec::new(),
                all_children: 0,
                is_base: false,
                own_labels: Vec::new(),
                in_cycle: false,
            });
        }
        let labels = graph.map_labels();
        graph.link(&labels, external);
        graph.labels = labels;
        graph.find_cycles();
        graph.order = graph.topological_order();
        for (i, node) in graph.nodes.iter().enumerate() {
            if node.in_cycle {
                continue;
            }
            if node.children.iter().all(|&c| graph.nodes[c].in_cycle) {
                graph.heads.push(i);
            }
            if node.is_base {
                graph.bases.push(i);
            }
        }
        graph
    }

    /// Branch labels: literal ones are names other revisions may refer to;
    /// a label equal to an id or used twice is a conflict.
    fn map_labels(&mut self) -> Ids<'p> {
        let mut labels: Ids<'p> = Ids::default();
        for i in 0..self.nodes.len() {
            let file = self.nodes[i].file;
            let Some(assignment) = &file.facts.branch_labels else {
                continue;
            };
            match &assignment.value {
                Value::None => {}
                Value::Unknown(text) => self.nodes[i].own_labels.push(format!("<{text}>")),
                value => {
                    for item in value.ids().unwrap_or_default() {
                        let label = item.value.as_str();
                        if let Some(&other) = self.index.get(label) {
                            self.label_conflicts.push(LabelConflict {
                                file,
                                item,
                                other,
                                is_revision_id: true,
                            });
                        } else if let Some(&other) = labels.get(label) {
                            self.label_conflicts.push(LabelConflict {
                                file,
                                item,
                                other,
                                is_revision_id: false,
                            });
                        } else {
                            labels.insert(label, i);
                        }
                        self.nodes[i].own_labels.push(label.to_owned());
                    }
                }
            }
        }
        labels
    }

    fn link(&mut self, labels: &Ids<'p>, external: &[String]) {
        let external: HashSet<&str> = external.iter().map(String::as_str).collect();
        let resolve = |id: &str| self.index.get(id).or_else(|| labels.get(id)).copied();
        let mut parents = Vec::with_capacity(self.nodes.len());
        let mut dependencies = Vec::with_capacity(self.nodes.len());
        let mut bases = Vec::with_capacity(self.nodes.len());
        for (i, node) in self.nodes.iter().enumerate() {
            let facts = &node.file.facts;
            let mut node_parents = Vec::new();
            let mut is_base = false;
            match facts.down_revision.as_ref().map(|a| &a.value) {
                Some(Value::Unknown(_)) => self.unreadable_parents.push(i),
                Some(value) => {
                    let items = value.ids().unwrap_or_default();
                    is_base = items.is_empty();
                    for item in items {
                        if item.value == node.id {
                            self.self_loops.push((i, item));
                        } else if let Some(parent) = resolve(&item.value) {
                            if !node_parents.contains(&parent) {
                                node_parents.push(parent);
                            }
                        } else if !external.contains(item.value.as_str()) {
                            self.unknown_parents.push(Dangling { file: node.file, item });
                        }
                    }
                }
                // A missing `down_revision` is a file-level fault (AP102).
                None => {}
            }
            let mut node_dependencies = Vec::new();
            if let Some(a) = &facts.depends_on {
                for item in a.value.ids().unwrap_or_default() {
                    match resolve(&item.value) {
                        Some(target) if target != i => node_dependencies.push(target),
                        Some(_) => self.self_loops.push((i, item)),
                        None if external.contains(item.value.as_str()) => {}
                        None => self.unknown_dependencies.push(Dangling { file: node.file, item }),
                    }
                }
            }
            parents.push(node_parents);
            dependencies.push(node_dependencies);
            bases.push(is_base);
        }
        for (i, (p, d)) in parents.into_iter().zip(dependencies).enumerate() {
            for &parent in &p {
                self.nodes[parent].children.push(i);
                self.nodes[parent].all_children += 1;
            }
            for &target in &d {
                if !p.contains(&target) {
                    self.nodes[target].all_children += 1;
                }
            }
            self.nodes[i].parents = p;
            self.nodes[i].dependencies = d;
            self.nodes[i].is_base = bases[i];
        }
    }

    /// Strongly connected components of two or more revisions, through
    /// `down_revision` and `depends_on` edges (Tarjan, iteratively).
    fn find_cycles(&mut self) {
        let n = self.nodes.len();
        let edges: Vec<Vec<usize>> = self
            .nodes
            .iter()
            .map(|node| node.parents.iter().chain(&node.dependencies).copied().collect())
            .collect();
        let mut index = vec![usize::MAX; n];
        let mut low = vec![0; n];
        let mut on_stack = vec![false; n];
        let mut stack = Vec::new();
        let mut next = 0;
        let mut components = Vec::new();
        for start in 0..n {
            if index[start] != usize::MAX {
                continue;
            }
            let mut work = vec![(start, 0usize)];
            while let Some(&mut (v, ref mut edge)) = work.last_mut() {
                if *edge == 0 && index[v] == usize::MAX {
                    index[v] = next;
                    low[v] = next;
                    next += 1;
                    stack.push(v);
                    on_stack[v] = true;
                }
                if let Some(&w) = edges[v].get(*edge) {
                    *edge += 1;
                    if index[w] == usize::MAX {
                        work.push((w, 0));
                    } else if on_stack[w] {
                        low[v] = low[v].min(index[w]);
                    }
                    continue;
                }
                work.pop();
                if let Some(&(parent, _)) = work.last() {
                    low[parent] = low[parent].min(low[v]);
                }
                if low[v] == index[v] {
                    let mut component = Vec::new();
                    while let Some(w) = stack.pop() {
                        on_stack[w] = false;
                        component.push(w);
                        if w == v {
                            break;
                        }
                    }
                    if component.len() > 1 {
                        components.push(component);
                    }
                }
            }
        }
        for component in components {
            for &member in &component {
                self.nodes[member].in_cycle = true;
            }
            let cycle = self.walk_cycle(&component, &edges);
            self.cycles.push(cycle);
        }
        self.cycles
            .sort_by(|a, b| self.nodes[a[0]].file.path.cmp(&self.nodes[b[0]].file.path));
    }

    /// A shortest walk around a strongly connected component, starting at
    /// its member with the first path.
    fn walk_cycle(&self, component: &[usize], edges: &[Vec<usize>]) -> Vec<usize> {
        let start = *component
            .iter()
            .min_by(|&&a, &&b| self.nodes[a].file.path.cmp(&self.nodes[b].file.path))
            .expect("components are not empty");
        let mut previous: HashMap<usize, usize> = HashMap::new();
        let mut queue = VecDeque::from([start]);
        while let Some(v) = queue.pop_front() {
            for &w in &edges[v] {
                if !component.contains(&w) {
                    continue;
                }
                if w == start {
                    let mut path = vec![v];
                    let mut at = v;
                    while at != start {
                        at = previous[&at];
                        path.push(at);
                    }
                    path.reverse();
                    return path;
                }
                if let std::collections::hash_map::Entry::Vacant(e) = previous.entry(w) {
                    e.insert(v);
                    queue.push_back(w);
                }
            }
        }
        component.to_vec()
    }

    /// `i` and everything that descends from it through `down_revision`.
    pub fn descendants(&self, i: usize) -> Vec<usize> {
        let mut seen = vec![false; self.nodes.len()];
        let mut out = Vec::new();
        let mut stack = vec![i];
        while let Some(v) = stack.pop() {
            if std::mem::replace(&mut seen[v], true) {
                continue;
            }
            out.push(v);
            stack.extend(self.nodes[v].children.iter().copied());
        }
        out
    }

    /// `i` and everything it descends from through `down_revision`.
    pub fn ancestors(&self, i: usize) -> Vec<bool> {
        let mut seen = vec![false; self.nodes.len()];
        let mut stack = vec![i];
        while let Some(v) = stack.pop() {
            if std::mem::replace(&mut seen[v], true) {
                continue;
            }
            stack.extend(self.nodes[v].parents.iter().copied());
        }
        seen
    }

    fn topological_order(&self) -> Vec<usize> {
        let n = self.nodes.len();
        let mut remaining: Vec<usize> = self.nodes.iter().map(|node| node.parents.len()).collect();
        let mut queue: VecDeque<usize> = (0..n).filter(|&i| remaining[i] == 0).collect();
        let mut position = vec![usize::MAX; n];
        let mut next = 0;
        while let Some(v) = queue.pop_front() {
            position[v] = next;
            next += 1;
            for &c in &self.nodes[v].children {
                remaining[c] -= 1;
                if remaining[c] == 0 {
                    queue.push_back(c);
                }
            }
        }
        for p in &mut position {
            if *p == usize::MAX {
                *p = next;
                next += 1;
            }
        }
        position
    }

    /// The nearest revision every one of `nodes` descends from.
    pub fn common_ancestor(&self, nodes: &[usize]) -> Option<usize> {
        // One set at a time: memory stays linear in the graph.
        let (&first, rest) = nodes.split_first()?;
        let mut common = self.ancestors(first);
        for &n in rest {
            for (c, a) in common.iter_mut().zip(self.ancestors(n)) {
                *c &= a;
            }
        }
        (0..self.nodes.len())
            .filter(|&v| common[v])
            .max_by_key(|&v| self.order[v])
    }

    /// Every revision some of `nodes` descends from (themselves included),
    /// in one walk.
    pub fn ancestors_of_any(&self, nodes: &[usize]) -> Vec<bool> {
        let mut seen = vec![false; self.nodes.len()];
        let mut stack = nodes.to_vec();
        while let Some(v) = stack.pop() {
            if std::mem::replace(&mut seen[v], true) {
                continue;
            }
            stack.extend(self.nodes[v].parents.iter().copied());
        }
        seen
    }

    /// True when the revision file at `path` belongs to this graph.
    pub fn owns(&self, path: &str) -> bool {
        self.locations.iter().any(|l| crate::tree::is_under(path, l))
    }

    /// The node of `file`: found by its id, and only if the graph took
    /// this file for it (a duplicate id's other file has no node).
    pub fn node_of(&self, file: &MigrationFile) -> Option<usize> {
        file.facts
            .revision_id()
            .and_then(|id| self.index.get(id).copied())
            .filter(|&i| std::ptr::eq(self.nodes[i].file, file))
    }

    /// True when `id` names a revision or a literal branch label.
    pub fn resolves(&self, id: &str) -> bool {
        self.index.contains_key(id) || self.labels.contains_key(id)
    }

    /// Whether `i` is a head; `heads` is built in node order.
    pub fn is_head(&self, i: usize) -> bool {
        self.heads.binary_search(&i).is_ok()
    }

    /// Sort key for "which came later": Create Date, then path.
    pub fn age_key(&self, i: usize) -> (bool, [u32; 7], &str) {
        let node = &self.nodes[i];
        let date = node.date();
        (date.is_some(), date.unwrap_or_default(), node.file.path.as_str())
    }
}

/// Disjoint sets over `0..n`, with path halving.
struct Sets(Vec<usize>);

impl Sets {
    fn new(n: usize) -> Self {
        Sets((0..n).collect())
    }

    fn find(&mut self, mut x: usize) -> usize {
        while self.0[x] != x {
            self.0[x] = self.0[self.0[x]];
            x = self.0[x];
        }
        x
    }

    fn union(&mut self, a: usize, b: usize) {
        let (a, b) = (self.find(a), self.find(b));
        self.0[a] = b;
    }
}

impl Graph<'_> {
    /// Heads that share history and that no branch label tells apart, in
    /// groups of two or more.
    ///
    /// Alembic gives a label to every descendant of the revision declaring
    /// it, so a head carries the labels of all its ancestors: sets that are
    /// quadratic in a long labelled history. Only whether two heads share
    /// one matters, and sharing is transitive here: every label a revision
    /// carries is carried by each head below it. So each labelled revision
    /// is tied to the labelled revisions above it (one pass, each revision
    /// entered once) and a head is keyed by the set its ancestors fall in.
    pub fn head_groups(&self) -> Vec<Vec<usize>> {
        let n = self.nodes.len();
        let mut sets = Sets::new(n);
        let mut carried: Vec<Option<usize>> = vec![None; n];
        let mut declared: HashMap<&str, usize> = HashMap::new();
        let mut stack = Vec::new();
        for (i, node) in self.nodes.iter().enumerate() {
            if node.own_labels.is_empty() {
                continue;
            }
            carried[i] = Some(i);
            stack.push(i);
            // The same label declared twice (a conflict of its own) is one
            // branch.
            for label in &node.own_labels {
                let first = *declared.entry(label.as_str()).or_insert(i);
                sets.union(i, first);
            }
        }
        while let Some(v) = stack.pop() {
            let from = carried[v].expect("only revisions carrying labels are entered");
            for &c in &self.nodes[v].children {
                if let Some(at) = carried[c] {
                    sets.union(at, from);
                } else {
                    carried[c] = Some(from);
                    stack.push(c);
                }
            }
        }
        let keys: Vec<Option<usize>> = carried.iter().map(|c| c.map(|c| sets.find(c))).collect();
        group_by_keys(&self.heads, &self.heads_by_root(), |h| keys[h].into_iter().collect())
    }

    /// Bases that no branch label tells apart, in groups of two or more. A
    /// base carries its own labels and those Alembic passes up to it from
    /// the unbranched line below it.
    pub fn base_groups(&self) -> Vec<Vec<usize>> {
        let labels: Vec<Vec<&str>> = self.bases.iter().map(|&b| self.labels_up_to(b)).collect();
        let slot: HashMap<usize, usize> = self.bases.iter().enumerate().map(|(i, &b)| (b, i)).collect();
        group_by_keys(&self.bases, std::slice::from_ref(&self.bases), |b| {
            labels[slot[&b]].clone()
        })
    }

    /// A revision passes a label up to its parent unless it branches, merges
    /// or sits in a cycle.
    fn passes_up(&self, i: usize) -> bool {
        let node = &self.nodes[i];
        node.all_children <= 1 && node.parents.len() <= 1 && !node.in_cycle
    }

    /// The labels Alembic gives `i` from itself and from the line below it.
    fn labels_up_to(&self, i: usize) -> Vec<&str> {
        let mut out: Vec<&str> = self.nodes[i].own_labels.iter().map(String::as_str).collect();
        let mut at = i;
        // Cycles never pass labels up, so the walk ends.
        while self.passes_up(at) {
            let [child] = self.nodes[at].children[..] else { break };
            if !self.passes_up(child) {
                break;
            }
            out.extend(self.nodes[child].own_labels.iter().map(String::as_str));
            at = child;
        }
        out
    }

    /// Every label in effect on `i` after Alembic's propagation: those of
    /// its ancestors and itself, and those passed up to it.
    pub fn labels_of(&self, i: usize) -> BTreeSet<&str> {
        let mut out: BTreeSet<&str> = self.labels_up_to(i).into_iter().collect();
        for (a, above) in self.ancestors(i).into_iter().enumerate() {
            if above {
                out.extend(self.nodes[a].own_labels.iter().map(String::as_str));
            }
        }
        out
    }

    /// For each revision with no parent (or in a cycle), the heads below
    /// it: two heads share history exactly when they share one of these.
    pub fn heads_by_root(&self) -> Vec<Vec<usize>> {
        let mut is_head = vec![false; self.nodes.len()];
        for &h in &self.heads {
            is_head[h] = true;
        }
        let mut seen = vec![usize::MAX; self.nodes.len()];
        let mut out = Vec::new();
        for (start, node) in self.nodes.iter().enumerate() {
            if !(node.parents.is_empty() || node.in_cycle) {
                continue;
            }
            let mut heads = Vec::new();
            let mut stack = vec![start];
            while let Some(v) = stack.pop() {
                if std::mem::replace(&mut seen[v], start) == start {
                    continue;
                }
                if is_head[v] {
                    heads.push(v);
                }
                stack.extend(self.nodes[v].children.iter().copied());
            }
            if heads.len() > 1 {
                out.push(heads);
            }
        }
        out
    }
}

/// `members` tied together wherever two of them sit in one scope and
/// share a key, or have no key at all, in groups of two or more, in
/// `members`' order. The work is linear in the scopes' sizes and keys.
fn group_by_keys<K: std::hash::Hash + Eq>(
    members: &[usize],
    scopes: &[Vec<usize>],
    keys: impl Fn(usize) -> Vec<K>,
) -> Vec<Vec<usize>> {
    let slot: HashMap<usize, usize> = members.iter().enumerate().map(|(i, &m)| (m, i)).collect();
    let mut sets = Sets::new(members.len());
    for scope in scopes {
        let mut keyless: Option<usize> = None;
        let mut by_key: HashMap<K, usize> = HashMap::new();
        for &member in scope {
            let Some(&at) = slot.get(&member) else { continue };
            let keys = keys(member);
            if keys.is_empty() {
                sets.union(at, *keyless.get_or_insert(at));
            }
            for key in keys {
                sets.union(at, *by_key.entry(key).or_insert(at));
            }
        }
    }
    let mut out: Vec<Vec<usize>> = Vec::new();
    let mut group_of: HashMap<usize, usize> = HashMap::new();
    for (i, &member) in members.iter().enumerate() {
        let root = sets.find(i);
        let k = *group_of.entry(root).or_insert_with(|| {
            out.push(Vec::new());
            out.len() - 1
        });
        out[k].push(member);
    }
    out.retain(|g| g.len() > 1);
    out
}

/// Why a revision is suggested for a reference that names nothing.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Because {
    /// The reference is the revision's file name, or starts like it.
    FileName,
    /// The reference is the start of exactly one id.
    Prefix,
    /// The id is a few edits away.
    Similar,
}

impl Graph<'_> {
    /// The revision a dangling reference most likely means.
    ///
    /// File names and id prefixes are looked up in an index built once per
    /// graph. Edit distances are weighed against every revision, so only
    /// for the first [`SIMILAR_SEARCHES`] references of a graph: hundreds of
    /// unknown parents are a misconfiguration, not typos, and each search
    /// more would make the check quadratic.
    pub fn suggest(&self, reference: &str, from: &MigrationFile) -> Option<(usize, Because)> {
        let reference = crate::tree::file_name(reference.trim());
        let stem = reference.strip_suffix(".py").unwrap_or(reference);
        let by_path = |i: &usize| self.nodes[*i].file.path.as_str();
        let index = self.names.get_or_init(|| Names::of(self));
        // Never the referring revision or one after it: that is a cycle.
        let at = self.node_of(from);
        let allowed = |candidate: usize| at.is_none_or(|at| !self.descends_from(candidate, at));
        // The file's name, or its id followed by `_` and a slug.
        let mut named: Vec<usize> = index.by_stem.get(stem).cloned().unwrap_or_default();
        named.extend(
            stem.match_indices('_')
                .filter_map(|(k, _)| self.index.get(&stem[..k]).copied()),
        );
        named.sort_by_key(by_path);
        named.dedup();
        named.retain(|&i| allowed(i));
        if let Some(&first) = named.first() {
            return Some((first, Because::FileName));
        }
        if stem.len() >= 4 {
            let id = |i: &usize| self.nodes[*i].id;
            let first = index.ids.partition_point(|i| id(i) < stem);
            let mut prefixed = index.ids[first..]
                .iter()
                .take_while(|i| id(i).starts_with(stem))
                .copied()
                .filter(|&i| allowed(i));
            if let (Some(only), None) = (prefixed.next(), prefixed.next()) {
                return Some((only, Because::Prefix));
            }
        }
        if index.similar.fetch_add(1, std::sync::atomic::Ordering::Relaxed) >= SIMILAR_SEARCHES {
            return None;
        }
        let mut excluded = vec![false; self.nodes.len()];
        if let Some(at) = at {
            for i in self.descendants(at) {
                excluded[i] = true;
            }
        }
        let limit = (stem.chars().count() / 4).max(1);
        (0..self.nodes.len())
            .filter(|&i| !excluded[i])
            .map(|i| (edit_distance(stem, self.nodes[i].id), i))
            .filter(|&(d, _)| d <= limit)
            .min_by(|a, b| a.0.cmp(&b.0).then_with(|| by_path(&a.1).cmp(by_path(&b.1))))
            .map(|(_, i)| (i, Because::Similar))
    }

    /// Whether `node` is `ancestor` or descends from it.
    fn descends_from(&self, node: usize, ancestor: usize) -> bool {
        let mut seen = HashSet::new();
        let mut stack = vec![node];
        while let Some(v) = stack.pop() {
            if v == ancestor {
                return true;
            }
            if seen.insert(v) {
                stack.extend(self.nodes[v].parents.iter().copied());
            }
        }
        false
    }
}

/// How many references of one graph get the edit-distance search.
pub const SIMILAR_SEARCHES: usize = 64;

/// File stems and ids of a graph's revisions, for suggestions.
#[derive(Debug, Default)]
pub struct Names {
    by_stem: HashMap<String, Vec<usize>>,
    /// The revisions, in the order of their ids.
    ids: Vec<usize>,
    /// Edit-distance searches made so far.
    similar: std::sync::atomic::AtomicUsize,
}

impl Names {
    fn of(graph: &Graph<'_>) -> Self {
        let mut by_stem: HashMap<String, Vec<usize>> = HashMap::new();
        for (i, node) in graph.nodes.iter().enumerate() {
            let stem = crate::tree::file_name(&node.file.path).trim_end_matches(".py");
            by_stem.entry(stem.to_owned()).or_default().push(i);
        }
        let mut ids: Vec<usize> = (0..graph.nodes.len()).collect();
        ids.sort_unstable_by_key(|&i| graph.nodes[i].id);
        Names {
            by_stem,
            ids,
            similar: std::sync::atomic::AtomicUsize::new(0),
        }
    }
}

/// The revision files of an environment, split into graphs. A recursive
/// version location whose subdirectories never refer to each other (one per
/// dialect, say, possibly reusing ids) is one graph per subdirectory;
/// subdirectories that do refer to each other (release folders with
/// expand/contract branches) form one graph, as do plain locations.
pub fn partition<'p>(env: &Environment, files: &[&'p MigrationFile]) -> Vec<(Vec<String>, Vec<&'p MigrationFile>)> {
    let whole = || vec![(env.version_locations.clone(), files.to_vec())];
    if !env.recursive {
        return whole();
    }
    // The first-level subdirectory of a version location each file is in.
    let group_of = |path: &str| -> Option<String> {
        env.version_locations.iter().find_map(|loc| {
            let rest = path.strip_prefix(loc.as_str())?.strip_prefix('/')?;
            let (sub, _) = rest.split_once('/')?;
            Some(crate::tree::join(loc, sub))
        })
    };
    let groups: Vec<Option<String>> = files.iter().map(|f| group_of(&f.path)).collect();
    if groups.iter().any(Option::is_none) || groups.iter().all(|g| *g == groups[0]) {
        return whole();
    }
    // Which group declares each id; a reference across groups joins them.
    let mut declared: HashMap<&str, Vec<&str>> = HashMap::new();
    for (file, group) in files.iter().zip(&groups) {
        if let Some(id) = file.facts.revision_id() {
            declared.entry(id).or_default().push(group.as_deref().unwrap_or(""));
        }
        for label in file
            .facts
            .branch_labels
            .as_ref()
            .and_then(|a| a.value.ids())
            .unwrap_or_default()
        {
            declared
                .entry(&label.value)
                .or_default()
                .push(group.as_deref().unwrap_or(""));
        }
    }
    for (file, group) in files.iter().zip(&groups) {
        let group = group.as_deref().unwrap_or("");
        let references = [&file.facts.down_revision, &file.facts.depends_on]
            .into_iter()
            .flatten()
            .flat_map(|a| a.value.ids().unwrap_or_default());
        for item in references {
            let owners = declared.get(item.value.as_str()).map(Vec::as_slice).unwrap_or_default();
            if !owners.is_empty() && !owners.contains(&group) {
                return whole();
            }
        }
    }
    let mut out: Vec<(Vec<String>, Vec<&'p MigrationFile>)> = Vec::new();
    for (file, group) in files.iter().zip(groups) {
        let group = group.unwrap_or_default();
        match out.iter_mut().find(|(g, _)| g[0] == group) {
            Some((_, members)) => members.push(file),
            None => out.push((vec![group], vec![file])),
        }
    }
    out
}

/// The representative of `i`'s set in a union-find forest.
fn root(parent: &mut [usize], mut i: usize) -> usize {
    while parent[i] != i {
        parent[i] = parent[parent[i]];
        i = parent[i];
    }
    i
}

/// Which of `nested` (revision files in sub-directories of a version
/// location that a literal reading of the configuration does not load)
/// join the environment's graph, given the files it loads directly.
///
/// Projects that set `version_locations` in code (release folders with
/// expand and contract branches, one folder per database dialect) keep
/// their revisions there. A nested file joins when it is a revision file
/// (it assigns `revision` and `down_revision`) and, where the environment
/// loads files directly, when it is linked to them through `down_revision`,
/// `depends_on` or a branch label, in either direction. An environment that
/// loads nothing directly reads every nested revision file. Returns the
/// files that join, and the paths of the revision files that do not.
pub fn link_nested(direct: &[MigrationFile], nested: Vec<MigrationFile>) -> (Vec<MigrationFile>, Vec<String>) {
    let (revisions, _helpers): (Vec<MigrationFile>, Vec<MigrationFile>) = nested
        .into_iter()
        .partition(|f| f.facts.revision_id().is_some() && f.facts.down_revision.is_some());
    if direct.is_empty() || revisions.is_empty() {
        return (revisions, Vec::new());
    }
    let all: Vec<&MigrationFile> = direct.iter().chain(&revisions).collect();
    let mut parent: Vec<usize> = (0..all.len()).collect();
    let mut declared: HashMap<&str, usize> = HashMap::new();
    for (i, file) in all.iter().enumerate() {
        let labels = file.facts.branch_labels.as_ref().and_then(|a| a.value.ids());
        let names = file
            .facts
            .revision_id()
            .into_iter()
            .chain(labels.unwrap_or_default().into_iter().map(|l| l.value.as_str()));
        for name in names {
            let first = *declared.entry(name).or_insert(i);
            let (a, b) = (root(&mut parent, first), root(&mut parent, i));
            parent[a] = b;
        }
    }
    for (i, file) in all.iter().enumerate() {
        let references = [&file.facts.down_revision, &file.facts.depends_on]
            .into_iter()
            .flatten()
            .flat_map(|a| a.value.ids().unwrap_or_default());
        for item in references {
            if let Some(&j) = declared.get(item.value.as_str()) {
                let (a, b) = (root(&mut parent, i), root(&mut parent, j));
                parent[a] = b;
            }
        }
    }
    let anchored: BTreeSet<usize> = (0..direct.len()).map(|i| root(&mut parent, i)).collect();
    let linked: Vec<bool> = (direct.len()..all.len())
        .map(|i| anchored.contains(&root(&mut parent, i)))
        .collect();
    let mut joined = Vec::new();
    let mut left = Vec::new();
    for (file, linked) in revisions.into_iter().zip(linked) {
        if linked {
            joined.push(file);
        } else {
            left.push(file.path);
        }
    }
    (joined, left)
}

#[cfg(test)]
mod tests {
    use super::Ids;
    use std::hash::BuildHasher;

    /// F-22: the ids were hashed by an invertible function with no key, so
    /// ids could be made to collide offline (about 2 s for 40,000) and a
    /// 40,000-revision pull request took 17 s instead of 0.4 s. These
    /// 16-byte ids all reach one state of that function; keyed, they spread.
    #[test]
    fn f22_ids_crafted_to_collide_hash_apart() {
        const K: u64 = 0x9e37_79b9_7f4a_7c15;
        let printable = |w: u64| w.to_le_bytes().iter().all(|b| (0x21..0x7f).contains(b));
        let mut ids = Vec::new();
        let mut w1: u64 = 0x3030_3030_3030_3030;
        while ids.len() < 64 {
            w1 += 1;
            if !printable(w1) {
                continue;
            }
            // The state after the first word, rotated, is cancelled by the
            // second: every id leaves the same state behind.
            let w2 = 0x5a5a_5a5a_5a5a_5a5a ^ w1.wrapping_mul(K).rotate_left(26);
            if printable(w2) {
                let mut bytes = w1.to_le_bytes().to_vec();
                bytes.extend(w2.to_le_bytes());
                ids.push(String::from_utf8(bytes).expect("printable ASCII"));
            }
        }
        let index: Ids<'_> = ids.iter().enumerate().map(|(i, id)| (id.as_str(), i)).collect();
        let mut hashes: Vec<u64> = ids.iter().map(|id| index.hasher().hash_one(id.as_str())).collect();
        hashes.sort_unstable();
        hashes.dedup();
        assert_eq!(hashes.len(), ids.len());
    }
}
