//! The body shared by `rust-hello` (an ordinary `fn main`) and `rust-nomain` (C `main`, which
//! skips std's runtime start-up). Prints only deterministic properties, like the C programs.

use std::collections::HashMap;
use std::fs::{self, File};
use std::io::{self, ErrorKind, Read, Seek, SeekFrom};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

fn yes(b: bool) -> &'static str {
    if b {
        "yes"
    } else {
        "no"
    }
}

fn files() -> io::Result<()> {
    println!("== files (std::fs)");
    let motd = fs::read_to_string("etc/motd")?;
    println!(
        "etc/motd: {} lines, first: {:?}",
        motd.lines().count(),
        motd.lines().next().unwrap_or("")
    );

    let mut f = File::open("data/numbers.txt")?;
    let meta = f.metadata()?;
    println!(
        "data/numbers.txt: is_file {}, len {}",
        yes(meta.is_file()),
        meta.len()
    );
    f.seek(SeekFrom::Start(5000))?;
    let mut buf = [0u8; 9];
    f.read_exact(&mut buf)?;
    println!("at 5000: {:?}", String::from_utf8_lossy(&buf));
    let pos = f.seek(SeekFrom::End(-10))?;
    let mut rest = String::new();
    f.read_to_string(&mut rest)?;
    println!("at {}: {:?}", pos, rest);
    let all = fs::read("data/numbers.txt")?;
    let ok = all
        .chunks(10)
        .enumerate()
        .all(|(i, line)| line == format!("line {:04}\n", i).as_bytes());
    println!(
        "content is line 0000..line 0999: {}",
        yes(ok && all.len() == 10000)
    );

    println!("etc is a directory: {}", yes(fs::metadata("etc")?.is_dir()));
    match File::open("etc/nope") {
        Ok(_) => println!("open etc/nope: opened (wrong)"),
        Err(e) => println!(
            "open etc/nope: {:?}, errno {:?}",
            e.kind(),
            e.raw_os_error()
        ),
    }
    match File::open("etc/motd/x") {
        Ok(_) => println!("open etc/motd/x: opened (wrong)"),
        Err(e) => println!(
            "open etc/motd/x: {:?}, errno {:?}",
            e.kind(),
            e.raw_os_error()
        ),
    }
    Ok(())
}

fn memory() {
    println!("== memory (Vec, Box, HashMap)");
    let big: Vec<u64> = (0..2_000_000u64).collect(); // 16 MB: mmap'd by malloc
    println!("sum of 0..2000000 = {}", big.iter().sum::<u64>());
    drop(big);
    let mut boxes: Vec<Box<[u8; 100]>> = Vec::new();
    for i in 0..1000 {
        boxes.push(Box::new([i as u8; 100]));
    }
    println!(
        "1000 boxes ok: {}",
        yes(boxes.iter().enumerate().all(|(i, b)| b[99] == i as u8))
    );
    // RandomState seeds from getrandom: iteration order varies, the sum does not
    let mut m = HashMap::new();
    for i in 0..1000u32 {
        m.insert(format!("key{}", i), i);
    }
    println!(
        "HashMap: {} entries, key500 -> {:?}, sum {}",
        m.len(),
        m.get("key500"),
        m.values().map(|&v| v as u64).sum::<u64>()
    );
}

fn time() {
    println!("== time (std::time, std::thread::sleep)");
    let t0 = Instant::now();
    std::thread::sleep(Duration::from_millis(20));
    let dt = t0.elapsed();
    println!(
        "slept 20ms: elapsed >= 20ms: {}, < 5s: {}",
        yes(dt >= Duration::from_millis(20)),
        yes(dt < Duration::from_secs(5))
    );
    let now = SystemTime::now().duration_since(UNIX_EPOCH);
    println!("SystemTime::now() after the epoch: {}", yes(now.is_ok()));
}

fn env() {
    println!("== args and environment");
    let args: Vec<String> = std::env::args().collect();
    println!("args: {:?}", args);
    let mut vars: Vec<(String, String)> = std::env::vars().collect();
    vars.sort();
    for (k, v) in vars {
        println!("env {}={}", k, v);
    }
    println!("pid > 0: {}", yes(std::process::id() > 0));
}

pub fn run() -> i32 {
    println!("Hello from Rust std on riscv64 Linux!");
    env();
    if let Err(e) = files() {
        println!("files: error {}", e);
        return 1;
    }
    memory();
    time();
    let r: Result<u32, _> = "not a number".parse::<u32>();
    println!("parse error kind: {:?}", r.map_err(|e| e.to_string()));
    let e = io::Error::from(ErrorKind::NotFound);
    println!("io::Error: {}", e);
    println!("rust: done");
    0
}
