# BakaEx's busybox configuration: applied on top of `make defconfig` (Debian's busybox 1.35 source)
# by scripts/build-busybox.sh, then `make oldconfig` with default answers; every line here must
# still be in the final .config (the build stops otherwise). Changing this file rebuilds busybox.
# One `CONFIG_X=value` or `# CONFIG_X is not set` per line.
#
# Nothing else has to be turned off for a static riscv64 glibc build: the whole defconfig (399
# applets) links with bookworm's glibc 2.36 without errors or warnings (busybox's own passwd/group
# code, CONFIG_USE_BB_PWD_GRP=y, avoids glibc's NSS, which static programs cannot load).
CONFIG_STATIC=y
