/* dlopen() of a shared library of ours (/lib/libdynplug.so): found by name in the default
 * directories and by path (the same handle), its constructor and destructor, dlsym of functions
 * and data, a call back into this program, libm brought in by the library, reference counts,
 * RTLD_NOLOAD, RTLD_GLOBAL, dlopen(NULL), and dlerror's messages for what cannot be loaded.
 * LDFLAGS: -rdynamic
 */
#define _GNU_SOURCE
#include "common.h"
#include <dlfcn.h>
#include <link.h>

int host_scale(int x)
{
	return x * 10;
}

static void say_error(const char *what)
{
	const char *e = dlerror();
	printf("%s: %s\n", what, e ? e : "(no error)");
}

static int count_objects(struct dl_phdr_info *info, size_t size, void *data)
{
	(void)size;
	if (strncmp(info->dlpi_name, "linux-vdso", 10) != 0)
		(*(int *)data)++;
	return 0;
}

static int objects(void)
{
	int n = 0;
	dl_iterate_phdr(count_objects, &n);
	return n;
}

int main(void)
{
	test_init();
	section("dlopen");
	int before = objects();
	void *h = dlopen("libdynplug.so", RTLD_NOW);
	check("dlopen(libdynplug.so)", h != NULL);
	if (!h) {
		say_error("dlerror");
		return 1;
	}
	printf("objects loaded by it (the library and libm): %d\n", objects() - before);
	void *again = dlopen("/lib/libdynplug.so", RTLD_LAZY);
	check("by path: the same handle", again == h);
	void *noload = dlopen("libdynplug.so", RTLD_NOW | RTLD_NOLOAD);
	check("RTLD_NOLOAD finds it (a third reference)", noload == h);
	show("dlclose (the third reference)", dlclose(noload));
	Dl_info info;
	check("dladdr of its symbol names it", dladdr(dlsym(h, "plug_add"), &info) && strstr(info.dli_fname, "libdynplug"));

	section("dlsym");
	const char *(*name)(void) = (const char *(*)(void))dlsym(h, "plug_name");
	int (*add)(int, int) = (int (*)(int, int))dlsym(h, "plug_add");
	int (*callback)(int) = (int (*)(int))dlsym(h, "plug_callback");
	double (*hyp)(double, double) = (double (*)(double, double))dlsym(h, "plug_hypot");
	int *counter = dlsym(h, "plug_counter");
	check("all found", name && add && callback && hyp && counter);
	printf("plug_name() = %s\n", name());
	printf("plug_add(2, 3) = %d\n", add(2, 3));
	printf("plug_counter = %d\n", *counter);
	*counter += 10;
	printf("plug_callback(4) = %d (host_scale(4) + 1)\n", callback(4));
	printf("plug_hypot(5, 12) = %.3f\n", hyp(5, 12));
	check("dlsym(RTLD_DEFAULT, plug_add): not global", dlsym(RTLD_DEFAULT, "plug_add") == NULL);
	dlerror();
	check("dlsym(missing) is NULL", dlsym(h, "plug_missing") == NULL);
	say_error("dlerror");
	check("dlerror is cleared once read", dlerror() == NULL);

	section("the program itself");
	void *self = dlopen(NULL, RTLD_NOW);
	int (*scale)(int) = (int (*)(int))dlsym(self, "host_scale");
	check("dlsym(dlopen(NULL), host_scale)", scale == host_scale);
	check("libc's printf through it", dlsym(self, "printf") != NULL);
	check("RTLD_NEXT finds libc's puts", dlsym(RTLD_NEXT, "puts") != NULL);

	section("dlclose");
	show("dlclose (the second reference)", dlclose(again));
	printf("plug_counter still readable: %d\n", *counter);
	show("dlclose (the last)", dlclose(h));
	check("gone: RTLD_NOLOAD finds nothing", dlopen("libdynplug.so", RTLD_NOW | RTLD_NOLOAD) == NULL);
	printf("objects loaded now: %d more than before (libm went with it)\n", objects() - before);
	h = dlopen("libdynplug.so", RTLD_NOW | RTLD_GLOBAL);
	check("loaded again, RTLD_GLOBAL", h != NULL);
	int *fresh = dlsym(h, "plug_counter");
	printf("a fresh copy of its data: plug_counter = %d\n", fresh ? *fresh : -1);
	check("now global: dlsym(RTLD_DEFAULT, plug_add)", dlsym(RTLD_DEFAULT, "plug_add") != NULL);
	show("dlclose", dlclose(h));

	section("errors");
	check("dlopen(libnothere.so)", dlopen("libnothere.so", RTLD_NOW) == NULL);
	say_error("dlerror");
	check("dlopen(/etc/motd): not ELF", dlopen("/etc/motd", RTLD_NOW) == NULL);
	say_error("dlerror");
	check("dlopen(/lib): a directory", dlopen("/lib", RTLD_NOW) == NULL);
	say_error("dlerror");
	check("dlopen(/bin/dynload): a PIE program", dlopen("/bin/dynload", RTLD_NOW) == NULL);
	say_error("dlerror");
	printf("end of main\n");
	return 0;
}
