# memcpy and memset for the kernel, in place of compiler_builtins' weak ones.
#
# memcpy(dst a0, src a1, n a2) -> dst: replaces compiler_builtins' weak memcpy,
# which on riscv64 moves one doubleword per loop (about 7 instructions per 8 bytes). Every move
# of a large value (futures, a path walk's state, a File) is a memcpy call, so its speed shows
# in every system call. Ranges aligned alike modulo 8 move 64 bytes per loop of eight loads and
# eight stores, then a doubleword, a word, a halfword and a byte at a time; ranges aligned alike
# modulo 4 (structs of u32s) move 16 bytes per loop of words; other ranges move a doubleword at
# a time, built from two aligned loads and shifts (an aligned load never crosses a page, so it
# reads nothing outside the pages of the range). Copies under 16 bytes go byte by byte.
#
# memset(dst a0, byte a1, n a2) -> dst: compiler_builtins' stores a doubleword per loop; every
# page the kernel hands out is zeroed by it (a page fault, a new page table, a pipe buffer).
# This one stores 64 bytes per loop of eight doubleword stores.
#
# Plain assembly, no preprocessor: the kernel includes it with global_asm!, and
# crates/hal/tests/mem.rs assembles it into a Linux program under renamed symbols and checks
# both against byte loops under qemu-riscv64.
    .section .text.memcpy, "ax", @progbits
    .globl memcpy
    .type memcpy, @function
    .p2align 2
memcpy:
    mv      t6, a0
    li      t0, 16
    bltu    a2, t0, 8f
    xor     t1, a0, a1
    andi    t2, t1, 7
    beqz    t2, 2f
    andi    t2, t1, 3
    beqz    t2, 22f
    j       6f
# Alike modulo 8: bytes up to dst's alignment, 64-byte blocks, doublewords, the tail.
2:  andi    t2, a0, 7
    beqz    t2, 3f
    lbu     t3, 0(a1)
    sb      t3, 0(a0)
    addi    a0, a0, 1
    addi    a1, a1, 1
    addi    a2, a2, -1
    j       2b
3:  li      t0, 64
    bltu    a2, t0, 5f
4:  ld      t2, 0(a1)
    ld      t3, 8(a1)
    ld      t4, 16(a1)
    ld      t5, 24(a1)
    sd      t2, 0(a0)
    sd      t3, 8(a0)
    sd      t4, 16(a0)
    sd      t5, 24(a0)
    ld      t2, 32(a1)
    ld      t3, 40(a1)
    ld      t4, 48(a1)
    ld      t5, 56(a1)
    sd      t2, 32(a0)
    sd      t3, 40(a0)
    sd      t4, 48(a0)
    sd      t5, 56(a0)
    addi    a1, a1, 64
    addi    a0, a0, 64
    addi    a2, a2, -64
    bgeu    a2, t0, 4b
5:  li      t0, 8
    bltu    a2, t0, 55f
    ld      t2, 0(a1)
    sd      t2, 0(a0)
    addi    a1, a1, 8
    addi    a0, a0, 8
    addi    a2, a2, -8
    j       5b
# The tail of an aligned copy: a word, a halfword, a byte.
55: beqz    a2, 9f
    andi    t2, a2, 4
    beqz    t2, 56f
    lw      t3, 0(a1)
    sw      t3, 0(a0)
    addi    a1, a1, 4
    addi    a0, a0, 4
56: andi    t2, a2, 2
    beqz    t2, 57f
    lhu     t3, 0(a1)
    sh      t3, 0(a0)
    addi    a1, a1, 2
    addi    a0, a0, 2
57: andi    t2, a2, 1
    beqz    t2, 9f
    lbu     t3, 0(a1)
    sb      t3, 0(a0)
    j       9f
# Alike modulo 4: bytes up to dst's alignment, 16-byte blocks of words, words, the tail.
22: andi    t2, a0, 3
    beqz    t2, 23f
    lbu     t3, 0(a1)
    sb      t3, 0(a0)
    addi    a0, a0, 1
    addi    a1, a1, 1
    addi    a2, a2, -1
    j       22b
23: li      t0, 16
    bltu    a2, t0, 25f
24: lw      t2, 0(a1)
    lw      t3, 4(a1)
    lw      t4, 8(a1)
    lw      t5, 12(a1)
    sw      t2, 0(a0)
    sw      t3, 4(a0)
    sw      t4, 8(a0)
    sw      t5, 12(a0)
    addi    a1, a1, 16
    addi    a0, a0, 16
    addi    a2, a2, -16
    bgeu    a2, t0, 24b
25: li      t0, 4
    bltu    a2, t0, 56b
    lw      t2, 0(a1)
    sw      t2, 0(a0)
    addi    a1, a1, 4
    addi    a0, a0, 4
    addi    a2, a2, -4
    j       25b
# Alignments differ: dst aligned to 8 byte by byte, then doublewords from shifted pairs.
6:  andi    t2, a0, 7
    beqz    t2, 66f
    lbu     t3, 0(a1)
    sb      t3, 0(a0)
    addi    a0, a0, 1
    addi    a1, a1, 1
    addi    a2, a2, -1
    j       6b
66: andi    t1, a1, 7
    slli    t1, t1, 3
    li      t0, 64
    sub     t0, t0, t1
    andi    t3, a1, -8
    ld      t4, 0(t3)
    li      t5, 8
7:  bltu    a2, t5, 8f
    ld      t2, 8(t3)
    srl     a3, t4, t1
    sll     a4, t2, t0
    or      a3, a3, a4
    sd      a3, 0(a0)
    mv      t4, t2
    addi    t3, t3, 8
    addi    a0, a0, 8
    addi    a1, a1, 8
    addi    a2, a2, -8
    j       7b
8:  beqz    a2, 9f
    lbu     t2, 0(a1)
    sb      t2, 0(a0)
    addi    a0, a0, 1
    addi    a1, a1, 1
    addi    a2, a2, -1
    j       8b
9:  mv      a0, t6
    ret
    .size memcpy, . - memcpy

    .section .text.memset, "ax", @progbits
    .globl memset
    .type memset, @function
    .p2align 2
memset:
    mv      t6, a0
    li      t0, 16
    bltu    a2, t0, 8f
    andi    a1, a1, 0xff
    slli    t1, a1, 8
    or      t1, t1, a1
    slli    t2, t1, 16
    or      t1, t1, t2
    slli    t2, t1, 32
    or      t1, t1, t2
2:  andi    t2, a0, 7
    beqz    t2, 3f
    sb      a1, 0(a0)
    addi    a0, a0, 1
    addi    a2, a2, -1
    j       2b
3:  li      t0, 64
    bltu    a2, t0, 5f
4:  sd      t1, 0(a0)
    sd      t1, 8(a0)
    sd      t1, 16(a0)
    sd      t1, 24(a0)
    sd      t1, 32(a0)
    sd      t1, 40(a0)
    sd      t1, 48(a0)
    sd      t1, 56(a0)
    addi    a0, a0, 64
    addi    a2, a2, -64
    bgeu    a2, t0, 4b
5:  li      t0, 8
    bltu    a2, t0, 8f
    sd      t1, 0(a0)
    addi    a0, a0, 8
    addi    a2, a2, -8
    j       5b
8:  beqz    a2, 9f
    sb      a1, 0(a0)
    addi    a0, a0, 1
    addi    a2, a2, -1
    j       8b
9:  mv      a0, t6
    ret
    .size memset, . - memset
