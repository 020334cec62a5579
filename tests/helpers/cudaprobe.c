/* What a CUDA program does first, for tests/t-gpu.sh: load the driver
 * (libcuda.so.1, found through the loader's path), cuInit, count the
 * devices. Built on the host (glibc), run in the Debian image. */
#include <dlfcn.h>
#include <stdio.h>

int main(void)
{
	void *h = dlopen("libcuda.so.1", RTLD_NOW);
	if (!h) {
		printf("dlopen: %s\n", dlerror());
		return 3;
	}
	int (*init)(unsigned) = (int (*)(unsigned))dlsym(h, "cuInit");
	int (*count)(int *) = (int (*)(int *))dlsym(h, "cuDeviceGetCount");
	const char *(*fake)(void) = (const char *(*)(void))dlsym(h, "boxcar_fake_driver");
	int n = -1;
	if (!init || !count || !fake || init(0) || count(&n)) {
		printf("not the fake driver, or it failed\n");
		return 4;
	}
	printf("%s driver: %d devices\n", fake(), n);
	return 0;
}
