# BakaEx. A newcomer needs two commands:
#   make run    build everything, boot the kernel in QEMU into an interactive busybox shell
#   make test   every test: host unit/syscall tests, lints, QEMU differential tests
# Both install the Debian packages they need (scripts/setup.sh, idempotent).
#
#   make run INIT=/bin/demo                         run one program instead of busybox init + sh
#   make run APP=hello                              run a linked application (apps/<name>; unikernel mode)
#   make run INIT="pipeline ; /bin/demo"            linked and isolated programs in one image
#   make run ROOTFS=<dir> INIT="<path> [args...]"   run any directory of riscv64 programs (dynamically
#                                                   linked ones with their /lib); INIT="VAR=x <path>" sets env
#   make run LOG=debug                              kernel log level (error|warn|info|debug|trace)
#   make run NET=1 PORTS=8080:80 INIT="/bin/httpd /data"   virtio-net on QEMU's user networking;
#                                                   host 127.0.0.1:8080 -> guest port 80
#   make run TRACE=1                                every syscall, strace-style
#   make run FAULT=<syscall> ...                    that syscall panics (panic isolation: the caller dies of SIGSEGV)
#   make bench                                      BakaEx next to Linux 6.1 (docs/BENCHMARKS.md)
#   make debug [any run knob]                       the same boot halted, gdb-multiarch attached (README "Debugging")
#   make console                                    (another terminal) the guest's console of a make debug session

SHELL := /bin/bash
.SHELLFLAGS := -o pipefail -ec
# Debian's rustc-web 1.96 (see docs/TOOLCHAIN.md): the one toolchain for host tests and kernel.
export PATH := /usr/bin:$(PATH)
export CACHE ?= $(HOME)/.cache/bakaex
export CARGO_TARGET_DIR ?= $(CACHE)/target
export BUILD ?= $(CURDIR)/build
export LOG ?= warn
export ROOTFS ?=
export INIT ?=
export TRACE ?=
export FAULT ?=
export APP ?=
# Networking (scripts/run.sh): NET=1 attaches virtio-net on QEMU's user networking; PORTS=h:g[,...]
# forwards the host's 127.0.0.1:h to guest port g (implies NET=1); IP= is the guest's ip= argument.
export NET ?=
export PORTS ?=
export IP ?=

.PHONY: all setup kernel user busybox run debug console test-debug test test-host test-net fuzz-host test-qemu test-busybox test-shell test-unikernel test-simple test-bench test-ltp ltp lint fmt clean linux bench fuzz-kernel fuzz

all: kernel user

setup:
	@scripts/setup.sh

kernel: setup
	@scripts/build-kernel.sh

user: setup
	@scripts/build-user.sh

# Debian's busybox, cross-compiled static and cached in $(CACHE)/busybox, installed into the rootfs.
busybox: user
	@scripts/build-busybox.sh $(BUILD)/rootfs

# Without ROOTFS and INIT: busybox init (user/busybox/rootfs/etc/inittab) starts a login shell on
# the console; `poweroff` in it ends QEMU.
run: kernel user busybox
	@INIT="$${INIT:-$(if $(APP),$(APP),$(if $(ROOTFS),/bin/demo,/sbin/init))}" scripts/run.sh

# `make run` under gdb: a kernel with debug info (DEBUGINFO=1: same code, its own target directory),
# QEMU halted in the background with its gdbstub on 127.0.0.1:$(GDB_PORT), gdb-multiarch in the
# foreground with the kernel's symbols; the guest's console is `make console` in another terminal.
# Every run knob works (ROOTFS, INIT, APP, LOG, TRACE, FAULT, ...); GDB_PORT=n, GDB_X=<gdb script>,
# GDB_BATCH=<gdb script> (non-interactive, scripts/debug-smoke.sh). See scripts/run.sh.
GDB_PORT ?= 1234
CONSOLE_SOCK ?= $(BUILD)/console.sock
CONSOLE_LOG ?= $(BUILD)/console.log
debug: setup user busybox
	@DEBUGINFO=1 scripts/build-kernel.sh
	@INIT="$${INIT:-$(if $(APP),$(APP),$(if $(ROOTFS),/bin/demo,/sbin/init))}" GDB=1 GDB_PORT=$(GDB_PORT) \
	  CONSOLE_SOCK="$(CONSOLE_SOCK)" CONSOLE_LOG="$(CONSOLE_LOG)" scripts/run.sh

# make debug, non-interactively: gdb in batch mode breaks in sys_write, steps, checks (about 5 s
# once the kernel with debug info is built). Not in make test: it needs that second kernel build.
test-debug: setup user
	@DEBUGINFO=1 scripts/build-kernel.sh
	@scripts/debug-smoke.sh

# The console of a `make debug` session: raw terminal on its socket; ^] leaves (the guest goes on).
console:
	@[ -S "$(CONSOLE_SOCK)" ] || { echo "console: no $(CONSOLE_SOCK): start make debug first" >&2; exit 2; }
	@echo "console: $(CONSOLE_SOCK), ^] leaves; its last lines so far:" >&2
	@tail -n 5 "$(CONSOLE_LOG)" 2>/dev/null || true
	@socat -,rawer,opost=1,onlcr=1,escape=0x1d UNIX-CONNECT:"$(CONSOLE_SOCK)"

test: setup lint test-host fuzz-host test-qemu test-busybox test-shell test-unikernel test-simple test-net test-ltp test-bench fuzz-kernel

# Host tests, and the check that each row of the syscall table is called by one of them.
test-host: setup
	rm -rf $(BUILD)/syscall-coverage && mkdir -p $(BUILD)/syscall-coverage
	BAKAEX_SYSCALL_COVERAGE=$(BUILD)/syscall-coverage cargo test --workspace --quiet 2>&1 | scripts/summarize-cargo-test.sh
	@scripts/syscall-coverage.sh $(BUILD)/syscall-coverage

# The host fuzzer of the syscall layer (crates/fuzz, docs/TESTING.md): random syscalls in random
# sequences through the dispatcher and the trap path, a fresh seed each run (printed). It fails on
# a kernel panic, a hang, a SIGKILLed call that does not end or an unbounded allocation, printing
# the seed and the calls that led there. `make test` runs 1,000,000 calls; `make fuzz SECS=<n>
# SEED=<s>` runs for as long as wanted (SEED optional: the same seed gives the same calls).
FUZZ_CALLS ?= 1000000
fuzz-host: setup
	cargo build -p fuzz --quiet
	$(CARGO_TARGET_DIR)/debug/fuzz $(if $(SECS),--secs $(SECS),--calls $(FUZZ_CALLS)) $(if $(SEED),--seed $(SEED))

# `make fuzz` runs this fuzzer and the kernel's (below), SECS seconds each.
fuzz: fuzz-host

lint: setup
	cargo fmt --all -- --check
	cargo clippy --workspace --quiet -- -D warnings

test-qemu: kernel user
	@scripts/qemu-tests.sh

# A busybox shell script (60+ applets, pipelines, jobs) on BakaEx, diffed against Linux.
test-busybox: kernel user busybox
	@scripts/busybox-test.sh

# The C HTTP server (user/c/httpd.c) in the guest, answering a few hundred curl requests from the
# host through virtio-net and PORTS (keep-alive, 8 at a time, bodies compared, 404), then powering
# off cleanly. scripts/net-test.sh --init "<init line>" tests another server the same way.
test-net: kernel user
	@scripts/net-test.sh
	@scripts/net-test.sh --init "httpd /www" --quit /.shutdown

# examples/simple-kernel: the crates composed in under 200 lines run /bin/hello in user mode.
test-simple: user
	@scripts/simple-kernel-test.sh

# The pure unikernel: a kernel without user processes or paging, running linked applications.
test-unikernel: setup
	@scripts/unikernel-test.sh

# The shell of `make run`, typed at: ^C, ^Z, jobs, fg, ^D, a background job, poweroff.
test-shell: kernel user busybox
	@scripts/shell-test.sh

# The in-kernel fuzzer (docs/TESTING.md): /bin/fuzz as init makes random system calls with hostile
# arguments; 4 fresh seeds of 35 s, two boots at a time; fails on a kernel panic, a hang or init
# dying. SEED=s fuzzes with that seed, SECS=n for n seconds (two fresh seeds at once without SEED).
fuzz-kernel: kernel user
	@scripts/fuzz-kernel.sh $(if $(SECS),--secs $(SECS) $(if $(SEED),,--count 2)) $(SEED)

# LTP's syscall tests (docs/LTP.md): built once into $(CACHE)/ltp (scripts/build-ltp.sh, about 5
# minutes), run on the kernel in two QEMUs at a time. make test runs the entries that pass
# (user/ltp/pass.txt) and fails if one does not (BakaEx only: it never builds Linux); make ltp
# runs all 1506 and writes docs/LTP.md with a Linux 6.1 column beside BakaEx's: the same entries
# on the Image make bench uses (scripts/build-linux.sh), whose results are cached in $(CACHE)/ltp
# and measured again (scripts/ltp.sh --linux, about 15 minutes) only when that Image, the LTP
# build or ltprun changed.
test-ltp: kernel
	@scripts/ltp.sh --check user/ltp/pass.txt

ltp: kernel
	@scripts/ltp.sh --doc

# `make fuzz SECS=<n> SEED=<s>`: the fuzzers, for as long as wanted.
fuzz: fuzz-kernel

# Linux 6.1 for riscv64 from Debian's source package (cached in $(CACHE)/linux): the reference of
# the benchmarks and of docs/LTP.md. Built only for `make bench` and `make ltp`, never for `make test`.
linux: setup
	@scripts/build-linux.sh >/dev/null

# BakaEx next to Linux 6.1 under deterministic QEMU time; prints the table, updates docs/BENCHMARKS.md.
bench: kernel linux
	@scripts/bench.sh

# make test runs the BakaEx side of the benchmarks (no Linux build): every row must produce a
# figure (STRICT=1); the figures are printed, never compared with anything.
test-bench: kernel
	@STRICT=1 scripts/bench.sh --no-linux --no-doc

fmt:
	cargo fmt --all

clean:
	rm -rf $(BUILD)
	cargo clean
