/* A shared library outside the loader's default directories (/opt/dyn/lib): dynpath finds it
 * only through LD_LIBRARY_PATH.
 * INSTALL: /opt/dyn/lib
 */
const char *dynpath_where(void)
{
	return "libdynpath.so from /opt/dyn/lib";
}

int dynpath_fib(int n)
{
	return n < 2 ? n : dynpath_fib(n - 1) + dynpath_fib(n - 2);
}
