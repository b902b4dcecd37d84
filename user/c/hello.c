/* The smallest user program: what examples/simple-kernel runs (and a first program to try). */
#include <stdio.h>
#include <unistd.h>

int main(void) {
	printf("Hello from user mode: pid %d\n", (int)getpid());
	return 0;
}
