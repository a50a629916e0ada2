//! A fast hash for the maps keyed by names, ids and paths of the checked
//! project. It multiplies and rotates a word at a time, several times
//! faster than the standard SipHash on short keys. It does not resist
//! keys chosen to collide; ours come from the user's own repository.

use std::collections::{HashMap, HashSet};
use std::hash::{BuildHasherDefault, Hasher};

/// An odd constant with well-spread bits (from the golden ratio).
const K: u64 = 0x9e37_79b9_7f4a_7c15;

#[derive(Debug, Default, Clone, Copy)]
pub struct FastHasher {
    hash: u64,
}

impl FastHasher {
    #[inline]
    fn add(&mut self, word: u64) {
        self.hash = (self.hash.rotate_left(26) ^ word).wrapping_mul(K);
    }
}

impl Hasher for FastHasher {
    #[inline]
    fn write(&mut self, bytes: &[u8]) {
        let mut words = bytes.chunks_exact(8);
        for word in &mut words {
            self.add(u64::from_le_bytes(word.try_into().expect("eight bytes")));
        }
        let rest = words.remainder();
        if !rest.is_empty() {
            let mut last = [0u8; 8];
            last[..rest.len()].copy_from_slice(rest);
            // The length keeps "a" and "a\0" apart.
            self.add(u64::from_le_bytes(last) ^ ((rest.len() as u64) << 59));
        }
    }

    #[inline]
    fn write_u8(&mut self, i: u8) {
        self.add(u64::from(i));
    }

    #[inline]
    fn write_u32(&mut self, i: u32) {
        self.add(u64::from(i));
    }

    #[inline]
    fn write_u64(&mut self, i: u64) {
        self.add(i);
    }

    #[inline]
    fn write_usize(&mut self, i: usize) {
        self.add(i as u64);
    }

    #[inline]
    fn finish(&self) -> u64 {
        // The table takes its control bits from the top: fold the low half in.
        self.hash ^ (self.hash >> 29)
    }
}

pub type FastBuild = BuildHasherDefault<FastHasher>;
pub type FastMap<K, V> = HashMap<K, V, FastBuild>;
pub type FastSet<K> = HashSet<K, FastBuild>;

#[cfg(test)]
mod tests {
    use super::*;
    use std::hash::BuildHasher;

    fn hash(key: &str) -> u64 {
        FastBuild::default().hash_one(key)
    }

    #[test]
    fn distinct_keys_hash_apart() {
        let keys: Vec<String> = (0..10_000).map(|i| format!("ix_table_{i}_name")).collect();
        let hashes: FastSet<u64> = keys.iter().map(|k| hash(k)).collect();
        assert_eq!(hashes.len(), keys.len());
        assert_ne!(hash("a"), hash("a\0"));
        assert_ne!(hash(""), hash("\0"));
        assert_eq!(hash("revision"), hash("revision"));
    }

    #[test]
    fn maps_work_with_it() {
        let mut map: FastMap<&str, usize> = FastMap::default();
        for (i, key) in ["a", "b", "abcdefghij", "abcdefghik"].into_iter().enumerate() {
            map.insert(key, i);
        }
        assert_eq!(map.get("abcdefghik"), Some(&3));
        assert_eq!(map.get("abcdefghi"), None);
    }
}
