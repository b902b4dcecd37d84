//! `hello`, linked into the kernel: `make run APP=hello`.
#![no_std]
#![forbid(unsafe_code)]

extern crate alloc;

use alloc::format;
use app::App;

app::linked_app!(APP, "hello", main);

async fn main(app: App) -> i32 {
    let pid = app.getpid();
    let args = app.args()[1..].join(" ");
    let line = format!("Hello from a linked application: pid {pid}, no trap, no copy. args: [{args}]\n");
    match app.print(&line).await {
        Ok(()) => 0,
        Err(_) => 1,
    }
}
