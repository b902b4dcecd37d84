/* The program of the exec_dynamic row: dynamically linked against glibc (its loader maps
 * libc.so.6 and relocates both), prints a line and exits 0. */
#include <stdio.h>

int main(void)
{
	puts("hello");
	return 0;
}
