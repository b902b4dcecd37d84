/*
 * spin NAME [COUNT [WORK]]: prints "NAME i/COUNT" COUNT times (default 5) with WORK million
 * iterations of busy work (default 20) in between, then "NAME done". Two copies running at once
 * show time sharing: their lines interleave when the timer preempts them.
 */
#include "common.h"

int main(int argc, char **argv)
{
	test_init();
	const char *name = argc > 1 ? argv[1] : "spin";
	int count = argc > 2 ? atoi(argv[2]) : 5;
	long work = (argc > 3 ? atol(argv[3]) : 20) * 1000000L;
	volatile unsigned long x = 1;
	for (int i = 1; i <= count; i++) {
		for (long j = 0; j < work; j++)
			x = x * 6364136223846793005UL + 1442695040888963407UL;
		printf("%s %d/%d\n", name, i, count);
	}
	printf("%s done\n", name);
	return 0;
}
