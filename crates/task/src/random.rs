//! A small pseudo-random generator for AT_RANDOM and getrandom(2).
//!
//! xoshiro256** seeded from the clock at first use. Not cryptographic: enough for stack canaries
//! and hash seeds in a research kernel; a hardware source can replace the seed later.
use sync::Mutex;

/// xoshiro256** (Blackman and Vigna): small, fast, and the same sequence for the same seed on
/// every machine. Also the host fuzzer's generator (`crates/fuzz`), whose seeds must replay.
#[derive(Clone, Debug)]
pub struct Xoshiro256 {
    s: [u64; 4],
}

impl Xoshiro256 {
    /// The generator for `seed`, spread through splitmix64.
    pub fn new(seed: u64) -> Xoshiro256 {
        let mut x = seed;
        Xoshiro256 { s: [splitmix(&mut x), splitmix(&mut x), splitmix(&mut x), splitmix(&mut x)] }
    }

    pub fn next_u64(&mut self) -> u64 {
        let s = &mut self.s;
        let result = s[1].wrapping_mul(5).rotate_left(7).wrapping_mul(9);
        let t = s[1] << 17;
        s[2] ^= s[0];
        s[3] ^= s[1];
        s[1] ^= s[2];
        s[0] ^= s[3];
        s[2] ^= t;
        s[3] = s[3].rotate_left(45);
        result
    }
}

/// splitmix64: spreads a seed (and is good enough on its own for seeding).
pub fn splitmix(x: &mut u64) -> u64 {
    *x = x.wrapping_add(0x9e37_79b9_7f4a_7c15);
    let mut z = *x;
    z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    z ^ (z >> 31)
}

static STATE: Mutex<Option<Xoshiro256>> = Mutex::new(None);

/// Fill `buf` with pseudo-random bytes.
pub fn fill(buf: &mut [u8]) {
    let mut guard = STATE.lock();
    let rng = guard.get_or_insert_with(|| Xoshiro256::new(hal::time::now_ns() ^ 0x5bd1_e995_u64.rotate_left(17)));
    for chunk in buf.chunks_mut(8) {
        let v = rng.next_u64().to_le_bytes();
        chunk.copy_from_slice(&v[..chunk.len()]);
    }
}
