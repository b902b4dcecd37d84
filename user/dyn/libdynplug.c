/* A shared library of ours that dynload dlopen()s: a constructor and a destructor, data, a
 * function calling back into the program that loaded it (host_scale, exported by the program),
 * and libm, which the program itself does not link (so dlopen brings it in).
 * INSTALL: /lib
 * LDFLAGS: -lm
 */
#include <math.h>
#include <stdio.h>

extern int host_scale(int x); /* from the program (linked with -rdynamic) */

int plug_counter = 100;
static int plug_loaded;

__attribute__((constructor)) static void plug_init(void)
{
	plug_loaded = 1;
	printf("libdynplug: constructor\n");
}

__attribute__((destructor)) static void plug_fini(void)
{
	printf("libdynplug: destructor (counter %d)\n", plug_counter);
}

const char *plug_name(void)
{
	return plug_loaded ? "libdynplug, initialised" : "libdynplug, not initialised";
}

int plug_add(int a, int b)
{
	plug_counter++;
	return a + b;
}

int plug_callback(int x)
{
	return host_scale(x) + 1;
}

double plug_hypot(double a, double b)
{
	return hypot(a, b);
}
