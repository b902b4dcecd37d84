//! The present pages of an area, by address.
//!
//! Why not a `BTreeMap` of pages: every page fault inserted into it and every munmap removed
//! from it, about 1000 instructions a page with the tree's node allocations and shifts, a good
//! part of a fault. Here the tree holds chunks of [`SLOTS`] pages (256 KiB of address space), so
//! it changes once per chunk, and a page is a slot of its chunk. A chunk is 520 bytes: sparse
//! use costs at most that per present page, next to the page's own 4 KiB.
#![forbid(unsafe_code)]
use crate::frame::Frame;
use alloc::boxed::Box;
use alloc::collections::btree_map::{BTreeMap, Entry};
use alloc::sync::Arc;
use hal::mem::PAGE_SIZE;

/// Pages per chunk.
const SLOTS: usize = 64;
/// Bytes of address space per chunk.
const SPAN: usize = SLOTS * PAGE_SIZE;

/// Frames by page address (each page-aligned).
#[derive(Clone, Default)]
pub struct PageMap {
    chunks: BTreeMap<usize, Box<Chunk>>,
    len: usize,
}

#[derive(Clone)]
struct Chunk {
    slots: [Option<Arc<Frame>>; SLOTS],
    /// How many slots are full (an empty chunk is removed).
    count: usize,
}

impl Chunk {
    fn new() -> Box<Chunk> {
        Box::new(Chunk { slots: [const { None }; SLOTS], count: 0 })
    }
}

/// The chunk of `va` and its slot there.
fn place(va: usize) -> (usize, usize) {
    (va - va % SPAN, va % SPAN / PAGE_SIZE)
}

impl PageMap {
    /// How many pages are present.
    pub fn len(&self) -> usize {
        self.len
    }

    pub fn get(&self, va: usize) -> Option<&Arc<Frame>> {
        let (c, i) = place(va);
        self.chunks.get(&c)?.slots[i].as_ref()
    }

    pub fn get_mut(&mut self, va: usize) -> Option<&mut Arc<Frame>> {
        let (c, i) = place(va);
        self.chunks.get_mut(&c)?.slots[i].as_mut()
    }

    pub fn contains(&self, va: usize) -> bool {
        self.get(va).is_some()
    }

    /// Put `frame` at `va` (replacing what was there); returns it in its place.
    pub fn insert(&mut self, va: usize, frame: Arc<Frame>) -> &mut Arc<Frame> {
        let (c, i) = place(va);
        let chunk = self.chunks.entry(c).or_insert_with(Chunk::new);
        if chunk.slots[i].is_none() {
            chunk.count += 1;
            self.len += 1;
        }
        chunk.slots[i].insert(frame)
    }

    pub fn remove(&mut self, va: usize) -> Option<Arc<Frame>> {
        let (c, i) = place(va);
        let chunk = self.chunks.get_mut(&c)?;
        let frame = chunk.slots[i].take()?;
        chunk.count -= 1;
        self.len -= 1;
        if chunk.count == 0 {
            self.chunks.remove(&c);
        }
        Some(frame)
    }

    /// The pages in address order.
    pub fn iter(&self) -> impl Iterator<Item = (usize, &Arc<Frame>)> + '_ {
        self.chunks.iter().flat_map(|(&c, chunk)| {
            chunk.slots.iter().enumerate().filter_map(move |(i, s)| s.as_ref().map(|f| (c + i * PAGE_SIZE, f)))
        })
    }

    /// The addresses of the pages in address order.
    pub fn keys(&self) -> impl Iterator<Item = usize> + '_ {
        self.iter().map(|(va, _)| va)
    }

    /// The addresses of the pages in `[start, end)`.
    pub fn range(&self, start: usize, end: usize) -> impl Iterator<Item = usize> + '_ {
        let first = start - start % SPAN;
        self.chunks
            .range(first..end.max(first))
            .flat_map(|(&c, chunk)| {
                chunk.slots.iter().enumerate().filter_map(move |(i, s)| s.as_ref().map(|_| c + i * PAGE_SIZE))
            })
            .filter(move |&va| va >= start && va < end)
    }

    /// Every page, taken out, in address order.
    pub fn into_pages(self) -> impl Iterator<Item = (usize, Arc<Frame>)> {
        self.chunks.into_iter().flat_map(|(c, chunk)| {
            let Chunk { slots, .. } = *chunk;
            slots.into_iter().enumerate().filter_map(move |(i, s)| s.map(|f| (c + i * PAGE_SIZE, f)))
        })
    }

    /// Split off the pages at `at` (page aligned) and above.
    pub fn split_off(&mut self, at: usize) -> PageMap {
        let (c, i) = place(at);
        let mut right = PageMap { chunks: self.chunks.split_off(&c), len: 0 };
        // The chunk holding `at` went right whole: its slots below `at` come back.
        if i > 0 {
            if let Some(chunk) = right.chunks.get_mut(&c) {
                let mut left = Chunk::new();
                for (j, slot) in chunk.slots[..i].iter_mut().enumerate() {
                    if let Some(f) = slot.take() {
                        left.slots[j] = Some(f);
                        left.count += 1;
                    }
                }
                chunk.count -= left.count;
                if chunk.count == 0 {
                    right.chunks.remove(&c);
                }
                if left.count > 0 {
                    self.chunks.insert(c, left);
                }
            }
        }
        right.len = right.chunks.values().map(|c| c.count).sum();
        self.len -= right.len;
        right
    }

    /// Take in the pages of `other` (where both have a page, `other`'s wins).
    pub fn extend(&mut self, other: PageMap) {
        for (c, chunk) in other.chunks {
            match self.chunks.entry(c) {
                Entry::Vacant(e) => {
                    self.len += chunk.count;
                    e.insert(chunk);
                }
                Entry::Occupied(_) => {
                    let Chunk { slots, .. } = *chunk;
                    for (i, s) in slots.into_iter().enumerate() {
                        if let Some(f) = s {
                            self.insert(c + i * PAGE_SIZE, f);
                        }
                    }
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use alloc::vec::Vec;

    fn frame() -> Arc<Frame> {
        Arc::new(Frame::alloc().expect("frame"))
    }

    #[test]
    fn pages_by_address_across_chunks() {
        let mut m = PageMap::default();
        let vas = [0x1000, SPAN - PAGE_SIZE, SPAN, 5 * SPAN + 3 * PAGE_SIZE];
        for va in vas {
            m.insert(va, frame());
        }
        assert_eq!(m.len(), 4);
        assert_eq!(m.keys().collect::<Vec<_>>(), vas);
        assert!(m.contains(SPAN) && !m.contains(2 * SPAN) && m.get(0).is_none());
        assert_eq!(m.range(0x1000, SPAN).collect::<Vec<_>>(), [0x1000, SPAN - PAGE_SIZE]);
        assert_eq!(m.range(SPAN, 6 * SPAN).collect::<Vec<_>>(), [SPAN, 5 * SPAN + 3 * PAGE_SIZE]);
        assert_eq!(m.range(2 * SPAN, SPAN).count(), 0);
        let f = frame();
        m.insert(SPAN, f.clone());
        assert_eq!(m.len(), 4, "replaced, not added");
        assert!(Arc::ptr_eq(m.get(SPAN).unwrap(), &f));
        assert!(m.remove(SPAN).is_some() && m.remove(SPAN).is_none());
        assert_eq!((m.len(), m.chunks.len()), (3, 2), "the emptied chunk is gone");
    }

    #[test]
    fn split_and_extend_keep_every_page_once() {
        let mut m = PageMap::default();
        for p in 0..200 {
            if p % 3 != 0 {
                m.insert(p * PAGE_SIZE, frame());
            }
        }
        let before: Vec<usize> = m.keys().collect();
        // Inside a chunk, at a chunk's start, past the end.
        for at in [70 * PAGE_SIZE, 128 * PAGE_SIZE, 300 * PAGE_SIZE, 0] {
            let mut left = m.clone();
            let right = left.split_off(at);
            assert!(left.keys().all(|va| va < at) && right.keys().all(|va| va >= at));
            assert_eq!(left.len() + right.len(), before.len());
            assert_eq!(left.len(), left.keys().count());
            assert_eq!(right.len(), right.keys().count());
            left.extend(right);
            assert_eq!(left.keys().collect::<Vec<_>>(), before);
            assert_eq!(left.len(), before.len());
        }
        let taken: Vec<usize> = m.into_pages().map(|(va, _)| va).collect();
        assert_eq!(taken, before);
    }
}
