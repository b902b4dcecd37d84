// The kernel's memcpy and memset (crates/hal/src/riscv64/mem.S), renamed hal_memcpy and
// hal_memset, against byte loops: every source and destination offset modulo 16 with lengths
// 0..300, then 2000 random copies; every offset modulo 16 with lengths 0..300 and a few bytes.
// Built and run by crates/hal/tests/mem.rs under qemu-riscv64.
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
void *hal_memcpy(void *d, const void *s, size_t n);
void *hal_memset(void *d, int c, size_t n);
int main(void) {
	static unsigned char src[9000], dst[9000], want[9000];
	unsigned seed = 1;
	for (int i = 0; i < 9000; i++) src[i] = (unsigned char)(i * 131 + 7);
	long cases = 0;
	for (int so = 0; so < 16; so++)
		for (int d0 = 0; d0 < 16; d0++)
			for (int n = 0; n < 300; n++) {
				for (int i = 0; i < 400; i++) dst[i] = want[i] = 0xee;
				for (int i = 0; i < n; i++) want[d0 + i] = src[so + i];
				void *r = hal_memcpy(dst + d0, src + so, n);
				if (r != dst + d0 || memcmp(dst, want, 400)) { printf("FAIL so=%d do=%d n=%d\n", so, d0, n); return 1; }
				cases++;
			}
	for (int k = 0; k < 2000; k++) {
		seed = seed * 1103515245 + 12345; int so = seed % 64;
		seed = seed * 1103515245 + 12345; int d0 = seed % 64;
		seed = seed * 1103515245 + 12345; int n = seed % 8800;
		memset(dst, 0xee, sizeof dst); memset(want, 0xee, sizeof want);
		for (int i = 0; i < n; i++) want[d0 + i] = src[so + i];
		hal_memcpy(dst + d0, src + so, n);
		if (memcmp(dst, want, sizeof dst)) { printf("FAIL so=%d do=%d n=%d\n", so, d0, n); return 1; }
		cases++;
	}
	printf("memcpy: %ld cases ok\n", cases);
	cases = 0;
	int bytes[] = { 0, 0xff, 0x5a, 0x1234 };
	for (int b = 0; b < 4; b++)
		for (int d0 = 0; d0 < 16; d0++)
			for (int n = 0; n < 300; n++) {
				for (int i = 0; i < 400; i++) dst[i] = want[i] = 0xee;
				for (int i = 0; i < n; i++) want[d0 + i] = (unsigned char)bytes[b];
				void *r = hal_memset(dst + d0, bytes[b], n);
				if (r != dst + d0 || memcmp(dst, want, 400)) { printf("FAIL memset b=%x do=%d n=%d\n", bytes[b], d0, n); return 1; }
				cases++;
			}
	printf("memset: %ld cases ok\n", cases);
	return 0;
}
