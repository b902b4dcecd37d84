//! rust-hello: an ordinary Rust std program (`fn main`, std's full runtime start-up).
mod common;

fn main() {
    std::process::exit(common::run());
}
