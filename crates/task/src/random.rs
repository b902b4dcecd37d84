//! A small pseudo-random generator for AT_RANDOM and getrandom(2).
//!
//! xoshiro256** seeded from the clock at first use. Not cryptographic: enough for stack canaries
//! and hash seeds in a research kernel; a hardware source can replace the seed later.
use sync::Mutex;

static STATE: Mutex<Option<[u64; 4]>> = Mutex::new(None);

fn splitmix(x: &mut u64) -> u64 {
    *x = x.wrapping_add(0x9e37_79b9_7f4a_7c15);
    let mut z = *x;
    z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    z ^ (z >> 31)
}

fn next(s: &mut [u64; 4]) -> u64 {
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

/// Fill `buf` with pseudo-random bytes.
pub fn fill(buf: &mut [u8]) {
    let mut guard = STATE.lock();
    let s = guard.get_or_insert_with(|| {
        let mut seed = hal::time::now_ns() ^ 0x5bd1_e995_u64.rotate_left(17);
        [splitmix(&mut seed), splitmix(&mut seed), splitmix(&mut seed), splitmix(&mut seed)]
    });
    for chunk in buf.chunks_mut(8) {
        let v = next(s).to_le_bytes();
        chunk.copy_from_slice(&v[..chunk.len()]);
    }
}
