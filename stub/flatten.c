#include "flatten.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>
#include "../common/fsutil.h"
#include "blob.h"
#include "layer.h"

static int dir_is_empty(int fd)
{
	DIR *d = dir_stream(fd);
	if (!d)
		return 0;
	struct dirent *de;
	int n = 0;
	while ((de = readdir(d)))
		n++;
	closedir(d);
	return n <= 2;
}

static int one_pass(const struct payload *p, int i, int dfd, enum layer_mode mode, struct err *e)
{
	struct layer_how how = layer_how_self(mode);
	return blob_apply(p->fd, &p->layers[i], dfd, &how, NULL, e);
}

int flatten(const struct payload *p, const char *dir, struct err *e)
{
	if (mkdir(dir, 0755) < 0 && errno != EEXIST)
		return err_sys(e, EXIT_SETUP, "cannot create %s", dir);
	int dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dfd < 0)
		return err_sys(e, EXIT_SETUP, "cannot open %s", dir);
	if (!dir_is_empty(dfd)) {
		close(dfd);
		return err_set(e, EXIT_SETUP, "%s is not empty; extract into a new or empty directory", dir);
	}
	int rc = 0;
	for (int i = 0; rc == 0 && i < p->nlayers; i++)
		rc = one_pass(p, i, dfd, LAYER_DELETE, e) < 0 || one_pass(p, i, dfd, LAYER_CONTENT, e) < 0 ? -1 : 0;
	close(dfd);
	return rc < 0 ? err_ctx(e, "extract into %s", dir) : 0;
}
