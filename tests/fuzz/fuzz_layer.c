/* libFuzzer target: a layer tar applied to a directory (stub/layer.c):
 * entry names, whiteouts, opaque markers, links, through libarchive, in
 * both the overlay (cache) and the flattening modes. After each input the
 * scratch area must hold nothing but the target directory: a write that
 * escaped it aborts. The tree digest made from the writer's memo of file
 * sums must equal the one that reads every file (stub/tree.h). */
#include <archive.h>
#include <dirent.h>
#include <stdint.h>
#include <stdio.h>
#include "../../stub/layer.h"
#include "../../stub/tree.h"
#include "fuzz_util.h"

static void check_contained(const char *dir)
{
	DIR *d = opendir(dir);
	struct dirent *de;
	while (d && (de = readdir(d)))
		if (strcmp(de->d_name, ".") && strcmp(de->d_name, "..") && strcmp(de->d_name, "root"))
			abort();   /* something was written beside the root */
	if (d)
		closedir(d);
}

static void apply(const uint8_t *data, size_t size, int rootfd, enum layer_mode mode)
{
	struct archive *a = archive_read_new();
	struct err e = { 0 };
	struct layer_how how = layer_how_self(mode);
	how.memo = mode == LAYER_OVERLAY ? tree_memo_new() : NULL;
	archive_read_support_format_tar(a);
	int rc = -1;
	if (archive_read_open_memory(a, data, size) == ARCHIVE_OK)
		rc = layer_apply(a, rootfd, &how, &e);
	archive_read_free(a);
	char quick[TREE_STR], slow[TREE_STR];
	struct err te = { 0 };
	if (rc == 0 && how.memo && tree_digest(rootfd, 2, how.memo, quick, &te) == 0 &&
	    tree_digest(rootfd, 2, NULL, slow, &te) == 0 && strcmp(quick, slow) != 0)
		abort();   /* the memo disagrees with what was written */
	tree_memo_free(how.memo);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *dir = fuzz_dir();
	int dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	rmtree_at(dfd, "root");
	mkdirat(dfd, "root", 0755);
	int rootfd = openat(dfd, "root", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	apply(data, size, rootfd, LAYER_OVERLAY);
	apply(data, size, rootfd, LAYER_DELETE);
	apply(data, size, rootfd, LAYER_CONTENT);
	close(rootfd);
	check_contained(dir);
	rmtree_at(dfd, "root");
	close(dfd);
	return 0;
}
