#!/usr/bin/env bash
# The pure unikernel (`make test-unikernel`): build the kernel without the `user` feature (no
# paging: the MMU stays off, no trap path for user programs, no ELF loader in use) and with only
# linked applications, then run user/tests-unikernel.txt on it with scripts/qemu-tests.sh.
# Prints the image's size, stripped, as measured.
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH=/usr/bin:$PATH
FEATURES=${UNIKERNEL_FEATURES:-heap-tlsf,app-hello,app-pipeline}
KERNEL=$(KERNEL_FEATURES=$FEATURES scripts/build-kernel.sh 2>&1 | sed -n 's/^kernel: \(.*\) ([0-9]* bytes)$/\1/p')
[ -f "$KERNEL" ] || { echo "unikernel-test: the build failed" >&2; KERNEL_FEATURES=$FEATURES scripts/build-kernel.sh; exit 1; }
# A kernel without the `net` feature holds no IP stack (crates/kernel/Cargo.toml): no smoltcp.
case ",$FEATURES," in
  *,net,*) ;;
  *) if cargo tree -q -p kernel --no-default-features --features "$FEATURES" \
          --target riscv64imac-unknown-none-elf -i smoltcp >/dev/null 2>&1; then
       echo "unikernel-test: smoltcp is in a kernel built without the net feature" >&2; exit 1
     fi ;;
esac
stripped=$(mktemp)
riscv64-linux-gnu-strip -o "$stripped" "$KERNEL"
echo "unikernel-test: features $FEATURES: $(stat -c %s "$stripped") bytes stripped"
rm -f "$stripped"
# (SKIP_EXT4: the ext4 persistence test needs a kernel with ext4.)
KERNEL=$KERNEL SKIP_EXT4=1 TEST_LIST=user/tests-unikernel.txt scripts/qemu-tests.sh
