//! Facts and results remembered between runs, under the git directory.
//!
//! What the scanner finds in a file depends only on its bytes, and git
//! already names those bytes: the blob id of an index or commit entry, or
//! of a working-tree file whose stat data match its index entry. So the
//! facts of each file are kept in `<git dir>/alembic-preflight/facts`,
//! keyed by blob id and by how the file was read (as a revision file or as
//! another Python file), and a later run decodes them instead of reading
//! and scanning the file again. Beside them, `results` keeps the results
//! of whole checks, keyed as [`crate::memo`] says. Each file is read only
//! when the run first asks for it: a recalled result never decodes a fact.
//!
//! The cache is never trusted: a file that is short, from another build of
//! the tool, or whose checksum does not match is ignored whole and
//! replaced; an entry that does not decode is a miss. It is written to a
//! temporary file and renamed into place, so a reader never sees half of
//! one, and a failure to write it is ignored: it only makes the next run
//! slower.
//!
//! Layout, little-endian: `APFC`, the build stamp (length-prefixed), the
//! entry count, the sorted table of entries (20-byte id, role, payload
//! offset and length), the payloads (postcard-encoded facts), and a
//! checksum of everything before it.

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Mutex, OnceLock, RwLock};

use serde::Serialize;
use serde::de::DeserializeOwned;

/// A git object id (SHA-1).
pub type BlobId = [u8; 20];

/// Git's id of a blob with these bytes (SHA-1 of `blob <len>\0` and them).
pub fn blob_id(bytes: &[u8]) -> BlobId {
    let mut id = [0; 20];
    if let Ok(oid) = git2::Oid::hash_object(git2::ObjectType::Blob, bytes) {
        id.copy_from_slice(&oid.as_bytes()[..20]);
    }
    id
}

/// How a file was read: the same bytes give different facts as a revision
/// file and as any other Python file. (Results are keyed as a third kind.)
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
#[repr(u8)]
pub enum Role {
    Revision = 0,
    Other = 1,
}

/// The role byte of a remembered result's key.
const RESULT: u8 = 2;

const MAGIC: &[u8; 4] = b"APFC";
/// Bumped whenever the layout or any cached type changes.
const FORMAT: u32 = 1;
const ENTRY_SIZE: usize = 20 + 1 + 4 + 4;

/// An id and role as integers, ordered as the bytes are: comparing them
/// is three integer comparisons, not a call to `memcmp`.
type Key = (u64, u64, u32, u8);

fn key(id: &BlobId, role: u8) -> Key {
    let word = |at: usize| u64::from_be_bytes(id[at..at + 8].try_into().expect("eight bytes"));
    (
        word(0),
        word(8),
        u32::from_be_bytes(id[16..20].try_into().expect("four bytes")),
        role,
    )
}

fn id_of(key: &Key) -> BlobId {
    let mut id = [0; 20];
    id[..8].copy_from_slice(&key.0.to_be_bytes());
    id[8..16].copy_from_slice(&key.1.to_be_bytes());
    id[16..].copy_from_slice(&key.2.to_be_bytes());
    id
}

/// One file of entries: read on first use (a run that never asks pays
/// nothing for it), added to during the run, written back by `save`.
/// Its bytes can be let go while the run works on (`release`) and are
/// read again if asked for: its table, and what was used, stay.
struct Store {
    file: PathBuf,
    stamp: std::sync::Arc<[u8]>,
    index: OnceLock<Index>,
    bytes: RwLock<Option<std::sync::Arc<Vec<u8>>>>,
    /// The bytes were let go once already.
    released: AtomicBool,
    added: Mutex<Vec<(Key, Vec<u8>)>>,
}

/// A store's table of entries (key, payload range), what this run used,
/// and the file's checksum, by which it is known when read again.
#[derive(Default)]
struct Index {
    table: Vec<(Key, usize, usize)>,
    used: Vec<AtomicBool>,
    sum: Option<u64>,
}

/// Far beyond a real cache (11 MB for 50,000 revisions).
const LIMIT: u64 = 1 << 30;

impl Store {
    fn new(file: PathBuf, stamp: std::sync::Arc<[u8]>) -> Self {
        Self {
            file,
            stamp,
            index: OnceLock::new(),
            bytes: RwLock::new(None),
            released: AtomicBool::new(false),
            added: Mutex::new(Vec::new()),
        }
    }

    /// The table, the file read and checked the first time it is needed;
    /// empty when it is missing, unreadable or not this build's.
    fn index(&self) -> &Index {
        self.index.get_or_init(|| {
            // The file is ours, but anyone who can write the git directory
            // can put a FIFO or a device in its place.
            let Ok(data) = crate::fsio::read_regular(&self.file, LIMIT) else {
                return Index::default();
            };
            let Some(table) = parse(&data, &self.stamp) else {
                return Index::default();
            };
            let index = Index {
                used: table.iter().map(|_| AtomicBool::new(false)).collect(),
                table,
                sum: trailing_sum(&data),
            };
            *self.bytes.write().unwrap_or_else(std::sync::PoisonError::into_inner) = Some(std::sync::Arc::new(data));
            index
        })
    }

    /// The file's bytes: held, or read again when they were let go and
    /// the file is still the one the table describes.
    fn bytes(&self) -> Option<std::sync::Arc<Vec<u8>>> {
        let index = self.index();
        index.sum?;
        if let Some(bytes) = &*self.bytes.read().unwrap_or_else(std::sync::PoisonError::into_inner) {
            return Some(bytes.clone());
        }
        let mut held = self.bytes.write().unwrap_or_else(std::sync::PoisonError::into_inner);
        if held.is_none() {
            let data = crate::fsio::read_regular(&self.file, LIMIT).ok()?;
            // Another run may have replaced it meanwhile: then it is not
            // this table's.
            if trailing_sum(&data) != index.sum || parse(&data, &self.stamp).is_none() {
                return None;
            }
            *held = Some(std::sync::Arc::new(data));
        }
        held.clone()
    }

    /// Lets the bytes go until they are asked for again, once a run: a
    /// run that asks again (the next of many nested projects) keeps them,
    /// or it would read the whole file again for each.
    fn release(&self) {
        if !self.released.swap(true, Ordering::Relaxed) {
            *self.bytes.write().unwrap_or_else(std::sync::PoisonError::into_inner) = None;
        }
    }

    fn get<T: DeserializeOwned>(&self, key: Key) -> Option<T> {
        let index = self.index();
        let at = index.table.binary_search_by(|(k, _, _)| k.cmp(&key)).ok()?;
        let (_, start, end) = index.table[at];
        let bytes = self.bytes()?;
        let value = postcard::from_bytes(&bytes[start..end]).ok()?;
        index.used[at].store(true, Ordering::Relaxed);
        Some(value)
    }

    fn put<T: Serialize>(&self, key: Key, value: &T) {
        if let Ok(bytes) = postcard::to_stdvec(value) {
            self.added
                .lock()
                .unwrap_or_else(std::sync::PoisonError::into_inner)
                .push((key, bytes));
        }
    }

    /// Writes the store back when this run added to it, or when `keep`
    /// drops some of its entries. `keep` is told how many entries this run
    /// used, left unused and added, and says how many unused ones stay.
    fn save(self, keep: impl Fn(usize, usize, usize) -> usize) {
        let added = std::mem::take(&mut *self.added.lock().unwrap_or_else(std::sync::PoisonError::into_inner));
        // Never read and nothing to add: the file is as it was. Something
        // to add to a file never read: its entries are merged in.
        if self.index.get().is_none() && added.is_empty() {
            return;
        }
        let index = self.index();
        let used = index.used.iter().filter(|u| u.load(Ordering::Relaxed)).count();
        let unused = index.table.len() - used;
        let kept = keep(used, unused, added.len()).min(unused);
        if added.is_empty() && kept == unused {
            return;
        }
        let bytes = match index.sum {
            None => std::sync::Arc::new(Vec::new()),
            // Replaced by another run since: that run's file stands.
            Some(_) => match self.bytes() {
                Some(bytes) => bytes,
                None => return,
            },
        };
        let mut entries: Vec<(Key, &[u8])> = added.iter().map(|(k, v)| (*k, v.as_slice())).collect();
        let mut unused_left = kept;
        for (i, (key, start, end)) in index.table.iter().enumerate() {
            let used = index.used[i].load(Ordering::Relaxed);
            if !used {
                if unused_left == 0 {
                    continue;
                }
                unused_left -= 1;
            }
            entries.push((*key, &bytes[*start..*end]));
        }
        // The newest entry of a key wins: it was pushed first.
        entries.sort_by_key(|a| a.0);
        entries.dedup_by(|later, first| later.0 == first.0);
        let bytes = encode(&self.stamp, &entries);
        let Some(dir) = self.file.parent() else { return };
        if std::fs::create_dir_all(dir).is_err() {
            return;
        }
        let name = self.file.file_name().and_then(|n| n.to_str()).unwrap_or("store");
        let temporary = dir.join(format!("{name}.{}.tmp", std::process::id()));
        if std::fs::write(&temporary, bytes).is_err() || std::fs::rename(&temporary, &self.file).is_err() {
            let _ = std::fs::remove_file(&temporary);
        }
    }
}

/// The caches of one run: the facts of files by blob id, and the results
/// of whole checks by what they were computed from (see [`crate::memo`]).
#[derive(Default)]
pub struct Cache {
    /// `None` when caching is off.
    stores: Option<Stores>,
}

struct Stores {
    facts: Store,
    results: Store,
}

/// How many remembered entries are kept besides those the run used: two
/// (what was read, what was found) for each kind of check a repository
/// sees (a sweep, each nested project's, `HEAD`'s for a staged check, a
/// base branch's), with room to spare.
const RESULTS_KEPT: usize = 32;

impl Cache {
    /// No cache: every file is read and scanned.
    pub fn off() -> Self {
        Self::default()
    }

    /// The caches kept in `dir`; each file is read when first needed, and
    /// one that is missing, unreadable or not this build's is replaced.
    pub fn open(dir: &Path) -> Self {
        let Some(stamp) = build_stamp() else {
            return Self::off();
        };
        let stamp: std::sync::Arc<[u8]> = stamp.into();
        Self {
            stores: Some(Stores {
                facts: Store::new(dir.join("facts"), stamp.clone()),
                results: Store::new(dir.join("results"), stamp),
            }),
        }
    }

    pub fn is_on(&self) -> bool {
        self.stores.is_some()
    }

    /// The facts remembered for `id` read as `role`, if any decode.
    pub fn get<T: DeserializeOwned>(&self, id: &BlobId, role: Role) -> Option<T> {
        self.stores.as_ref()?.facts.get(key(id, role as u8))
    }

    /// Remembers the facts of `id` read as `role`.
    pub fn put<T: Serialize>(&self, id: &BlobId, role: Role, value: &T) {
        if let Some(stores) = &self.stores {
            stores.facts.put(key(id, role as u8), value);
        }
    }

    /// Lets the facts' bytes go until they are asked for again: a check
    /// calls it once its files' facts are loaded, before the analysis
    /// needs the memory. Only the first call of a run does anything.
    pub fn release_facts(&self) {
        if let Some(stores) = &self.stores {
            stores.facts.release();
        }
    }

    /// The result remembered under `id`, if it decodes.
    pub fn recall<T: DeserializeOwned>(&self, id: &BlobId) -> Option<T> {
        self.stores.as_ref()?.results.get(key(id, RESULT))
    }

    /// Remembers a result under `id`.
    pub fn remember<T: Serialize>(&self, id: &BlobId, value: &T) {
        if let Some(stores) = &self.stores {
            stores.results.put(key(id, RESULT), value);
        }
    }

    /// Writes back what this run added. Facts this run did not use are
    /// kept while they are fewer than the ones it did (the files they
    /// described are gone once they are most); of the results, the ones
    /// this run used or added and the rest up to [`RESULTS_KEPT`].
    pub fn save(self) {
        let Some(Stores { facts, results }) = self.stores else {
            return;
        };
        facts.save(|used, unused, added| if unused <= used + added { unused } else { 0 });
        results.save(|used, _, added| RESULTS_KEPT.saturating_sub(used + added));
    }
}

/// What makes facts from one build of the tool unusable by another: the
/// format, the version, and the executable itself (a rebuilt scanner may
/// find other facts in the same bytes).
fn build_stamp() -> Option<Vec<u8>> {
    let exe = std::env::current_exe().ok()?;
    let meta = std::fs::metadata(&exe).ok()?;
    let modified = meta.modified().ok()?.duration_since(std::time::UNIX_EPOCH).ok()?;
    Some(
        format!(
            "{FORMAT} {} {} {}.{}",
            env!("CARGO_PKG_VERSION"),
            meta.len(),
            modified.as_secs(),
            modified.subsec_nanos()
        )
        .into_bytes(),
    )
}

fn encode(stamp: &[u8], entries: &[(Key, &[u8])]) -> Vec<u8> {
    let payload: usize = entries.iter().map(|(_, v)| v.len()).sum();
    let mut out = Vec::with_capacity(16 + stamp.len() + entries.len() * ENTRY_SIZE + payload + 8);
    out.extend_from_slice(MAGIC);
    out.extend_from_slice(&u32::try_from(stamp.len()).unwrap_or(u32::MAX).to_le_bytes());
    out.extend_from_slice(stamp);
    out.extend_from_slice(&u32::try_from(entries.len()).unwrap_or(u32::MAX).to_le_bytes());
    let mut offset = 0usize;
    for (key, value) in entries {
        out.extend_from_slice(&id_of(key));
        out.push(key.3);
        out.extend_from_slice(&u32::try_from(offset).unwrap_or(u32::MAX).to_le_bytes());
        out.extend_from_slice(&u32::try_from(value.len()).unwrap_or(u32::MAX).to_le_bytes());
        offset += value.len();
    }
    for (_, value) in entries {
        out.extend_from_slice(value);
    }
    let sum = checksum(&out);
    out.extend_from_slice(&sum.to_le_bytes());
    out
}

/// The table of a cache file, if the whole file is sound and this build's.
fn parse(data: &[u8], stamp: &[u8]) -> Option<Vec<(Key, usize, usize)>> {
    let body_len = data.len().checked_sub(8)?;
    let (body, sum) = data.split_at(body_len);
    if checksum(body) != u64::from_le_bytes(sum.try_into().ok()?) {
        return None;
    }
    let mut at = 0usize;
    let mut take = |n: usize| -> Option<&[u8]> {
        let slice = body.get(at..at.checked_add(n)?)?;
        at += n;
        Some(slice)
    };
    let u32_at = |bytes: &[u8]| u32::from_le_bytes(bytes.try_into().expect("four bytes")) as usize;
    if take(4)? != MAGIC {
        return None;
    }
    let stamp_len = u32_at(take(4)?);
    if take(stamp_len)? != stamp {
        return None;
    }
    let count = u32_at(take(4)?);
    let table_bytes = take(count.checked_mul(ENTRY_SIZE)?)?;
    let payload_start = at;
    let mut table = Vec::with_capacity(count);
    for entry in table_bytes.chunks_exact(ENTRY_SIZE) {
        let id: BlobId = entry[..20].try_into().expect("twenty bytes");
        let offset = u32_at(&entry[21..25]);
        let len = u32_at(&entry[25..29]);
        let start = payload_start.checked_add(offset)?;
        let end = start.checked_add(len)?;
        if end > body.len() {
            return None;
        }
        table.push((key(&id, entry[20]), start, end));
    }
    table.is_sorted_by(|a, b| a.0 < b.0).then_some(table)
}

/// The checksum a cache file ends with.
fn trailing_sum(data: &[u8]) -> Option<u64> {
    let at = data.len().checked_sub(8)?;
    Some(u64::from_le_bytes(data[at..].try_into().ok()?))
}

/// A fast 64-bit checksum: it catches a torn or damaged file, not an
/// adversary (whoever can write the git directory can change the code).
/// A word at a time, multiplied and rotated; the length keeps "a" and
/// "a\0" apart.
fn checksum(bytes: &[u8]) -> u64 {
    const K: u64 = 0x9e37_79b9_7f4a_7c15;
    let add = |hash: u64, word: u64| (hash.rotate_left(26) ^ word).wrapping_mul(K);
    let mut hash = add(0, bytes.len() as u64);
    let mut words = bytes.chunks_exact(8);
    for word in &mut words {
        hash = add(hash, u64::from_le_bytes(word.try_into().expect("eight bytes")));
    }
    let rest = words.remainder();
    let mut last = [0u8; 8];
    last[..rest.len()].copy_from_slice(rest);
    hash = add(hash, u64::from_le_bytes(last));
    hash ^ (hash >> 29)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn id(n: u8) -> BlobId {
        [n; 20]
    }

    /// A cache directory holding the facts `0..n`, each its own number.
    fn filled(n: u8) -> tempfile::TempDir {
        let dir = tempfile::tempdir().expect("temporary directory");
        let cache = Cache::open(dir.path());
        for n in 0..n {
            cache.put(&id(n), Role::Revision, &u32::from(n));
        }
        cache.save();
        dir
    }

    #[test]
    fn round_trip_and_every_kind_of_damage() {
        let dir = tempfile::tempdir().expect("temporary directory");
        let cache = Cache::open(dir.path());
        assert!(cache.is_on());
        assert_eq!(cache.get::<String>(&id(1), Role::Revision), None);
        cache.put(&id(1), Role::Revision, &"one".to_owned());
        cache.put(&id(1), Role::Other, &vec![1u32, 2, 3]);
        cache.put(&id(2), Role::Revision, &"two".to_owned());
        cache.save();

        let cache = Cache::open(dir.path());
        assert_eq!(cache.get::<String>(&id(1), Role::Revision).as_deref(), Some("one"));
        assert_eq!(cache.get::<Vec<u32>>(&id(1), Role::Other), Some(vec![1, 2, 3]));
        assert_eq!(cache.get::<String>(&id(2), Role::Revision).as_deref(), Some("two"));
        assert_eq!(cache.get::<String>(&id(3), Role::Revision), None);

        let file = dir.path().join("facts");
        let good = std::fs::read(&file).expect("the cache was written");
        let mut flipped = good.clone();
        let middle = flipped.len() / 2;
        flipped[middle] ^= 0x40;
        for damaged in [
            Vec::new(),
            b"APFC".to_vec(),
            good[..good.len() - 1].to_vec(),
            flipped,
            vec![0xff; good.len()],
        ] {
            std::fs::write(&file, &damaged).expect("write");
            let cache = Cache::open(dir.path());
            assert_eq!(
                cache.get::<String>(&id(1), Role::Revision),
                None,
                "damaged cache was trusted"
            );
            cache.put(&id(3), Role::Revision, &"three".to_owned());
            cache.save();
            let rebuilt = Cache::open(dir.path());
            assert_eq!(rebuilt.get::<String>(&id(3), Role::Revision).as_deref(), Some("three"));
        }
    }

    #[test]
    fn another_build_is_not_trusted() {
        let entries = [(key(&id(1), 0), b"\x03one".as_slice())];
        let bytes = encode(b"another build", &entries);
        assert!(parse(&bytes, b"another build").is_some());
        assert!(parse(&bytes, b"this build").is_none());
    }

    #[test]
    fn a_payload_of_the_wrong_shape_is_a_miss() {
        let dir = tempfile::tempdir().expect("temporary directory");
        let cache = Cache::open(dir.path());
        cache.put(&id(1), Role::Revision, &7u8);
        cache.save();
        let cache = Cache::open(dir.path());
        assert_eq!(cache.get::<Vec<String>>(&id(1), Role::Revision), None);
    }

    #[test]
    fn unused_entries_are_pruned_once_they_are_most() {
        let dir = filled(4);
        let cache = Cache::open(dir.path());
        assert_eq!(cache.get::<u32>(&id(0), Role::Revision), Some(0));
        cache.save();
        let cache = Cache::open(dir.path());
        assert_eq!(cache.get::<u32>(&id(0), Role::Revision), Some(0));
        assert_eq!(
            cache.get::<u32>(&id(3), Role::Revision),
            None,
            "unused entries outnumbered used ones"
        );
    }

    #[test]
    fn a_run_that_asks_nothing_reads_and_writes_nothing() {
        let dir = tempfile::tempdir().expect("temporary directory");
        let cache = Cache::open(dir.path());
        cache.put(&id(1), Role::Revision, &1u32);
        cache.remember(&id(1), &"result".to_owned());
        cache.save();
        let written = |name: &str| std::fs::read(dir.path().join(name)).expect("written");
        let (facts, results) = (written("facts"), written("results"));
        // Damage that a read would notice and a write would repair.
        std::fs::write(dir.path().join("facts"), b"damaged").expect("write");
        Cache::open(dir.path()).save();
        assert_eq!(written("facts"), b"damaged", "the facts were rewritten unasked");
        std::fs::write(dir.path().join("facts"), &facts).expect("write");
        // Recalling a result reads only the results.
        let cache = Cache::open(dir.path());
        assert_eq!(cache.recall::<String>(&id(1)).as_deref(), Some("result"));
        assert_eq!(cache.recall::<String>(&id(2)), None);
        cache.save();
        assert_eq!((written("facts"), written("results")), (facts, results));
    }

    #[test]
    fn results_are_kept_up_to_a_few() {
        let dir = tempfile::tempdir().expect("temporary directory");
        let count = u8::try_from(RESULTS_KEPT).expect("a few") + 4;
        for n in 0..count {
            let cache = Cache::open(dir.path());
            cache.remember(&id(n), &u32::from(n));
            cache.save();
        }
        let cache = Cache::open(dir.path());
        let kept: Vec<u8> = (0..count).filter(|&n| cache.recall::<u32>(&id(n)).is_some()).collect();
        assert_eq!(kept.len(), RESULTS_KEPT, "{kept:?}");
        assert!(kept.contains(&(count - 1)), "the newest result was dropped: {kept:?}");
    }

    #[test]
    fn released_bytes_are_read_again_only_from_the_same_file() {
        let dir = filled(3);
        let cache = Cache::open(dir.path());
        assert_eq!(cache.get::<u32>(&id(0), Role::Revision), Some(0));
        cache.release_facts();
        assert_eq!(cache.get::<u32>(&id(1), Role::Revision), Some(1), "read again");
        // Let go once a run: what was read again is kept, and the file is
        // not read again for each later check.
        cache.release_facts();
        std::fs::write(dir.path().join("facts"), b"gone").expect("write");
        assert_eq!(cache.get::<u32>(&id(2), Role::Revision), Some(2), "still held");
        drop(cache);
        let dir = filled(3);
        let cache = Cache::open(dir.path());
        assert_eq!(cache.get::<u32>(&id(0), Role::Revision), Some(0));
        cache.release_facts();
        // Another run replaces the file meanwhile: its entries are not
        // this table's, and its file stands.
        let other = Cache::open(dir.path());
        other.put(&id(9), Role::Revision, &9u32);
        other.save();
        let replaced = std::fs::read(dir.path().join("facts")).expect("replaced");
        assert_eq!(cache.get::<u32>(&id(2), Role::Revision), None);
        cache.put(&id(5), Role::Revision, &5u32);
        cache.save();
        assert_eq!(std::fs::read(dir.path().join("facts")).expect("kept"), replaced);
    }
}
