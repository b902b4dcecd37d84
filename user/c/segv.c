/* segv: writes through a NULL pointer; the kernel must kill it with SIGSEGV (signal 11). */
#include "common.h"

int main(void)
{
	test_init();
	puts("segv: writing to address 0");
	*(volatile int *)0 = 42;
	puts("segv: still alive (wrong)");
	return 0;
}
