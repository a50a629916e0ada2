//! Facts remembered between runs, by blob id, under the git directory.
//!
//! What the scanner finds in a file depends only on its bytes, and git
//! already names those bytes: the blob id of an index or commit entry, or
//! of a working-tree file whose stat data match its index entry. So the
//! facts of each file are kept in `<git dir>/alembic-preflight/facts`,
//! keyed by blob id and by how the file was read (as a revision file or as
//! another Python file), and a later run decodes them instead of reading
//! and scanning the file again.
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
use std::sync::Mutex;
use std::sync::atomic::{AtomicBool, Ordering};

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
/// file and as any other Python file.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
#[repr(u8)]
pub enum Role {
    Revision = 0,
    Other = 1,
}

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

/// The facts cache of one run.
#[derive(Default)]
pub struct Cache {
    /// Where it lives; `None` when caching is off.
    file: Option<PathBuf>,
    stamp: Vec<u8>,
    /// The file as read, and its table of entries: key, payload range.
    data: Vec<u8>,
    table: Vec<(Key, usize, usize)>,
    used: Vec<AtomicBool>,
    added: Mutex<Vec<(Key, Vec<u8>)>>,
}

impl Cache {
    /// No cache: every file is read and scanned.
    pub fn off() -> Self {
        Self::default()
    }

    /// The cache kept in `dir`, or an empty one that will be written there
    /// when the file is missing, unreadable or not this build's.
    pub fn open(dir: &Path) -> Self {
        /// Far beyond a real cache (11 MB for 50,000 revisions).
        const LIMIT: u64 = 1 << 30;
        let Some(stamp) = build_stamp() else {
            return Self::off();
        };
        let file = dir.join("facts");
        let mut cache = Self {
            file: Some(file.clone()),
            stamp,
            ..Self::default()
        };
        // The file is ours, but anyone who can write the git directory can
        // put a FIFO or a device in its place.
        if let Ok(data) = crate::fsio::read_regular(&file, LIMIT)
            && let Some(table) = parse(&data, &cache.stamp)
        {
            cache.used = table.iter().map(|_| AtomicBool::new(false)).collect();
            cache.table = table;
            cache.data = data;
        }
        cache
    }

    pub fn is_on(&self) -> bool {
        self.file.is_some()
    }

    /// The facts remembered for `id` read as `role`, if any decode.
    pub fn get<T: DeserializeOwned>(&self, id: &BlobId, role: Role) -> Option<T> {
        let key = key(id, role as u8);
        let at = self.table.binary_search_by(|(k, _, _)| k.cmp(&key)).ok()?;
        let (_, start, end) = self.table[at];
        let value = postcard::from_bytes(&self.data[start..end]).ok()?;
        self.used[at].store(true, Ordering::Relaxed);
        Some(value)
    }

    /// Remembers the facts of `id` read as `role`.
    pub fn put<T: Serialize>(&self, id: &BlobId, role: Role, value: &T) {
        if !self.is_on() {
            return;
        }
        if let Ok(bytes) = postcard::to_stdvec(value) {
            self.added
                .lock()
                .unwrap_or_else(std::sync::PoisonError::into_inner)
                .push((key(id, role as u8), bytes));
        }
    }

    /// Writes the cache back when this run added to it, or when most of it
    /// went unused (the files it described are gone). Entries this run
    /// did not use are kept while they are fewer than the ones it did.
    pub fn save(self) {
        let Some(file) = self.file else { return };
        let added = self
            .added
            .into_inner()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        let used = self.used.iter().filter(|u| u.load(Ordering::Relaxed)).count();
        let unused = self.table.len() - used;
        let keep_unused = unused <= used + added.len();
        if added.is_empty() && keep_unused {
            return;
        }
        let mut entries: Vec<(Key, &[u8])> = added.iter().map(|(k, v)| (*k, v.as_slice())).collect();
        for (i, (key, start, end)) in self.table.iter().enumerate() {
            if keep_unused || self.used[i].load(Ordering::Relaxed) {
                entries.push((*key, &self.data[*start..*end]));
            }
        }
        // The newest facts of a key win: they were pushed first.
        entries.sort_by_key(|a| a.0);
        entries.dedup_by(|later, first| later.0 == first.0);
        let bytes = encode(&self.stamp, &entries);
        let Some(dir) = file.parent() else { return };
        if std::fs::create_dir_all(dir).is_err() {
            return;
        }
        let temporary = dir.join(format!("facts.{}.tmp", std::process::id()));
        if std::fs::write(&temporary, bytes).is_err() || std::fs::rename(&temporary, &file).is_err() {
            let _ = std::fs::remove_file(&temporary);
        }
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
        let dir = tempfile::tempdir().expect("temporary directory");
        let cache = Cache::open(dir.path());
        for n in 0..4 {
            cache.put(&id(n), Role::Revision, &u32::from(n));
        }
        cache.save();
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
}
