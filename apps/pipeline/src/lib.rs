//! `pipeline`, a linked workload (`make run APP=pipeline`): a producer task writes numbered
//! lines into a pipe, this task (the consumer) counts them into a file in /tmp, reads the file
//! back and checks it, then waits for the producer. Everything goes through the same syscall
//! functions an isolated program reaches by ecall: pipe2, a child process (here a second
//! linked task), read, write, openat, close, unlinkat, wait4.
#![no_std]
#![forbid(unsafe_code)]

extern crate alloc;

use abi::flags::OpenFlags;
use abi::SysResult;
use alloc::format;
use alloc::string::String;
use alloc::vec;
use alloc::vec::Vec;
use app::{App, Fd};

app::linked_app!(APP, "pipeline", main);
app::linked_app!(PRODUCER, "pipeline-producer", producer);

/// Lines sent through the pipe.
const LINES: usize = 1000;
const FILE: &str = "/tmp/pipeline.txt";

fn line(i: usize) -> String {
    format!("line {i:04} of the pipeline workload\n")
}

/// The producer: fd 3 is the pipe's write end (the consumer arranged it before spawning us).
async fn producer(app: App) -> i32 {
    let fd: Fd = app.args().get(1).and_then(|a| a.parse().ok()).unwrap_or(-1);
    for i in 0..LINES {
        if app.write_all(fd, line(i).as_bytes()).await.is_err() {
            return 1;
        }
    }
    match app.close(fd).await {
        Ok(()) => 0,
        Err(_) => 2,
    }
}

async fn main(app: App) -> i32 {
    match run(&app).await {
        Ok(summary) => {
            let _ = app.print(&summary).await;
            0
        }
        Err(e) => {
            let _ = app.print(&format!("pipeline: failed: {e}\n")).await;
            1
        }
    }
}

async fn run(app: &App) -> SysResult<String> {
    let [rd, wr] = app.pipe().await?;
    let pid = app.spawn(&PRODUCER, vec![String::from("pipeline-producer"), format!("{wr}")])?;
    app.close(wr).await?;
    let out = app.open(FILE, (OpenFlags::WRONLY | OpenFlags::CREAT | OpenFlags::TRUNC).bits(), 0o644).await?;
    let mut buf = vec![0u8; 4096];
    let mut bytes = 0;
    loop {
        let n = app.read(rd, &mut buf).await?;
        if n == 0 {
            break;
        }
        app.write_all(out, &buf[..n]).await?;
        bytes += n;
    }
    app.close(rd).await?;
    app.close(out).await?;
    let (child, status) = app.wait(pid as i32).await?;
    let back = read_file(app, FILE).await?;
    let expected: String = (0..LINES).map(line).collect();
    let same = back == expected.as_bytes();
    app.unlink(FILE).await?;
    Ok(format!(
        "pipeline: {LINES} lines, {bytes} bytes through the pipe, {} bytes in {FILE}, content {}; \
         producer pid {child} exited with {}\n",
        back.len(),
        if same { "matches" } else { "DIFFERS" },
        (status >> 8) & 0xff
    ))
}

async fn read_file(app: &App, path: &str) -> SysResult<Vec<u8>> {
    let fd = app.open(path, OpenFlags::empty().bits() /* O_RDONLY */, 0).await?;
    let mut data = Vec::new();
    let mut buf = vec![0u8; 4096];
    loop {
        let n = app.read(fd, &mut buf).await?;
        if n == 0 {
            break;
        }
        data.extend_from_slice(&buf[..n]);
    }
    app.close(fd).await?;
    Ok(data)
}
