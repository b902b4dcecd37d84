/* exit3: prints one line and exits with status 3 (exit -> exit_group). */
#include "common.h"

int main(void)
{
	test_init();
	puts("exit3: exiting with status 3");
	exit(3);
}
