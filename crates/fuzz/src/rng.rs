//! The fuzzer's pseudo-random numbers: the kernel's xoshiro256** (`task::random`), seeded
//! through splitmix64. The same seed gives the same sequence on every machine (no host entropy).

pub use task::random::splitmix;

/// The fuzzer's generator: the kernel's xoshiro256** with the draws the generators need.
#[derive(Clone)]
pub struct Rng(task::random::Xoshiro256);

impl Rng {
    pub fn new(seed: u64) -> Rng {
        Rng(task::random::Xoshiro256::new(seed))
    }

    pub fn next_u64(&mut self) -> u64 {
        self.0.next_u64()
    }

    /// A number in `0..n` (`n` > 0).
    pub fn below(&mut self, n: usize) -> usize {
        ((self.next_u64() as u128 * n as u128) >> 64) as usize
    }

    /// A number in `lo..=hi`.
    pub fn range(&mut self, lo: usize, hi: usize) -> usize {
        lo + self.below(hi - lo + 1)
    }

    /// True with probability `num / den`.
    pub fn chance(&mut self, num: usize, den: usize) -> bool {
        self.below(den) < num
    }

    pub fn pick<T: Copy>(&mut self, items: &[T]) -> T {
        items[self.below(items.len())]
    }

    /// Some of the bits of `mask` (each kept with probability 1/2, sometimes all or one).
    pub fn bits_of(&mut self, mask: u64) -> u64 {
        match self.below(8) {
            0 => mask,
            1 => {
                // One bit of the mask.
                if mask == 0 {
                    return 0;
                }
                let n = mask.count_ones() as usize;
                let k = self.below(n);
                let mut m = mask;
                for _ in 0..k {
                    m &= m - 1;
                }
                m & m.wrapping_neg()
            }
            _ => mask & self.next_u64(),
        }
    }

    pub fn bytes(&mut self, n: usize) -> Vec<u8> {
        let mut v = Vec::with_capacity(n);
        while v.len() < n {
            let w = self.next_u64().to_le_bytes();
            let k = (n - v.len()).min(8);
            v.extend_from_slice(&w[..k]);
        }
        v
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_same_seed_gives_the_same_numbers() {
        let (mut a, mut b) = (Rng::new(42), Rng::new(42));
        for _ in 0..100 {
            assert_eq!(a.next_u64(), b.next_u64());
        }
        assert_ne!(Rng::new(1).next_u64(), Rng::new(2).next_u64());
    }

    #[test]
    fn below_and_bits_stay_in_range() {
        let mut r = Rng::new(7);
        for _ in 0..1000 {
            assert!(r.below(10) < 10);
            assert_eq!(r.bits_of(0x0f0) & !0x0f0, 0);
            let x = r.range(3, 5);
            assert!((3..=5).contains(&x));
        }
    }
}
