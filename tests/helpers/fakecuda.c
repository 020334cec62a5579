/* A fake libcuda.so.1 for tests/t-gpu.sh: the two entry points a CUDA
 * program calls first. cuDeviceGetCount counts the GPU nodes the process
 * sees (/dev/nvidiaN), as the real driver finds only the GPUs whose nodes
 * it can open; boxcar_fake_driver tells the probe it loaded this one. */
#include <dirent.h>
#include <string.h>

int cuInit(unsigned flags)
{
	return flags ? 1 : 0;
}

int cuDeviceGetCount(int *n)
{
	DIR *d = opendir("/dev");
	if (!d)
		return 1;
	*n = 0;
	for (struct dirent *de; (de = readdir(d));)
		if (!strncmp(de->d_name, "nvidia", 6) && de->d_name[6] &&
		    strspn(de->d_name + 6, "0123456789") == strlen(de->d_name + 6))
			++*n;
	closedir(d);
	return 0;
}

const char *boxcar_fake_driver(void)
{
	return "fake";
}
