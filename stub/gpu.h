/* --boxcar-gpu: the host's NVIDIA GPUs in the container, as apptainer
 * --nv and nvidia-container-cli give them. Found here, on the host side
 * before any namespace: the selected GPUs' device nodes and the control
 * nodes (bound in the container's /dev), and the driver's user-space
 * libraries (found through the loader's cache, common/ldcache.h) and
 * tools, bound read-only into one directory (GPU_DIR) that NVIDIA's CUDA
 * images already name in LD_LIBRARY_PATH and PATH. The runner mounts them
 * (runner.h: devices, driver_dir, driver_files).
 *
 * Test only: BOXCAR_TEST_GPUHOST=DIR reads the host's /dev, /proc/driver/
 * nvidia, /etc/ld.so.cache and the tools' directories under DIR (a fake
 * driver: tests/t-gpu.sh); the libraries' paths in the cache are used as
 * they are. It only ever binds what the caller could bind with a volume. */
#ifndef BOXCAR_GPU_H
#define BOXCAR_GPU_H
#include "../common/err.h"
#include "../runner/runner.h"

#define GPU_DIR "/usr/local/nvidia"
#define GPU_LIB GPU_DIR "/lib64"
#define GPU_BIN GPU_DIR "/bin"

struct gpu_set {
	struct runner_bind *devs;    /* host node -> /dev/NAME */
	int ndevs;
	struct runner_bind *files;   /* host file -> GPU_LIB/NAME or GPU_BIN/NAME */
	int nfiles;
	int ngpus;                   /* how many GPUs were selected */
};

/* Find the driver and the GPUs sel names: "all", a comma list of host
 * indices (nvidia-smi's, in PCI order) or UUIDs, or "" for the job's:
 * Slurm's SLURM_STEP_GPUS or SLURM_JOB_GPUS (global indices), else
 * CUDA_VISIBLE_DEVICES, else all. Fills g (free with gpu_free); -1 with e
 * (EXIT_SETUP, one line) when there is no driver or a GPU named is absent. */
int gpu_discover(const char *sel, struct gpu_set *g, struct err *e);
void gpu_free(struct gpu_set *g);

#endif
