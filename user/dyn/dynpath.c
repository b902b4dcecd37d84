/* Linked against /opt/dyn/lib/libdynpath.so (no RUNPATH): starts only with LD_LIBRARY_PATH
 * naming that directory; without it the loader says why on stderr and exits with 127.
 * LDFLAGS: -L$OUT/opt/dyn/lib -ldynpath
 */
#define _GNU_SOURCE
#include "common.h"
#include <dlfcn.h>

const char *dynpath_where(void);
int dynpath_fib(int n);

int main(void)
{
	test_init();
	const char *p = getenv("LD_LIBRARY_PATH");
	printf("LD_LIBRARY_PATH = %s\n", p ? p : "(unset)");
	printf("%s: fib(20) = %d\n", dynpath_where(), dynpath_fib(20));
	Dl_info info;
	if (dladdr((void *)dynpath_fib, &info))
		printf("dladdr: %s\n", info.dli_fname);
	return 0;
}
