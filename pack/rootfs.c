/* rootfs:DIR|TARBALL — a plain root file system plus config given on the
 * command line (--entrypoint --cmd --env --workdir --user). */
#include <archive.h>
#include <archive_entry.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include "../common/fsutil.h"
#include "../common/json.h"
#include "sources.h"

static int build_config(const struct pack_config *pc, struct image *img, struct err *e)
{
	cJSON *root = cJSON_CreateObject(), *cfg = cJSON_AddObjectToObject(root, "config");
	const char *arch;
	if (image_target_arch(img->platform, &arch, e) < 0)
		return cJSON_Delete(root), -1;
	cJSON_AddStringToObject(root, "architecture", arch);   /* (a tree's: whatever --platform says) */
	cJSON_AddStringToObject(root, "os", "linux");
	cJSON *env = cJSON_AddArrayToObject(cfg, "Env");
	cJSON_AddItemToArray(env, cJSON_CreateString("PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"));
	cJSON_AddItemToObject(root, "rootfs", cJSON_Parse("{\"type\":\"layers\",\"diff_ids\":[]}"));
	img->config = root;
	return image_config_apply(root, pc, e);
}

static int copy_data(struct archive *in, struct archive *out)
{
	const void *buf;
	size_t n;
	la_int64_t off;
	int r;
	while ((r = archive_read_data_block(in, &buf, &n, &off)) == ARCHIVE_OK)
		if (archive_write_data(out, buf, n) < 0)
			return -1;
	return r == ARCHIVE_EOF ? 0 : -1;
}

/* Tar up DIR (run from inside it, so names are "./..."). Files of the
 * packing user count as root's, as they would after `docker import`. */
static int tar_dir(const char *dir, const char *out, struct err *e)
{
	struct archive *rd = archive_read_disk_new(), *w = archive_write_new();
	struct archive_entry *ent;
	int rc = -1, cwd = -1, r;
	if (!rd || !w || (cwd = cwd_enter(dir, -1)) < 0) {
		err_sys(e, EXIT_PACK, "cannot read directory %s", dir);
		goto out;
	}
	archive_read_disk_set_behavior(rd, ARCHIVE_READDISK_NO_XATTR | ARCHIVE_READDISK_NO_ACL | ARCHIVE_READDISK_NO_FFLAGS);
	archive_write_set_format_pax_restricted(w);
	if (archive_write_open_filename(w, out) != ARCHIVE_OK || archive_read_disk_open(rd, ".") != ARCHIVE_OK) {
		err_set(e, EXIT_PACK, "cannot tar %s: %s", dir, archive_error_string(rd));
		goto out;
	}
	while ((r = archive_read_next_header2(rd, ent = archive_entry_new())) == ARCHIVE_OK) {
		archive_read_disk_descend(rd);
		if (getuid() != 0 && archive_entry_uid(ent) == getuid()) {
			archive_entry_set_uid(ent, 0);
			archive_entry_set_gid(ent, 0);
			archive_entry_set_uname(ent, "root");
			archive_entry_set_gname(ent, "root");
		}
		int bad = archive_write_header(w, ent) != ARCHIVE_OK ||
			  (archive_entry_filetype(ent) == AE_IFREG && copy_data(rd, w) < 0);
		if (bad) {
			err_set(e, EXIT_PACK, "cannot tar %s/%s: %s", dir, archive_entry_pathname(ent),
				archive_error_string(archive_errno(w) ? w : rd));
			archive_entry_free(ent);
			goto out;
		}
		archive_entry_free(ent);
	}
	archive_entry_free(ent);
	if (r != ARCHIVE_EOF || archive_write_close(w) != ARCHIVE_OK)
		err_set(e, EXIT_PACK, "cannot tar %s: %s", dir, archive_error_string(rd));
	else
		rc = 0;
out:
	if (cwd >= 0 && cwd_leave(cwd) < 0 && rc == 0)
		rc = err_sys(e, EXIT_PACK, "chdir back");
	if (rd) archive_read_free(rd);
	if (w) archive_write_free(w);
	return rc;
}

int load_rootfs(const char *arg, const struct pack_config *pc, struct image *img, struct err *e)
{
	struct stat st;
	if (stat(arg, &st) < 0)
		return err_sys(e, EXIT_PACK, "rootfs %s", arg);
	if (build_config(pc, img, e) < 0)
		return -1;
	if (!S_ISDIR(st.st_mode))
		return image_add_layer(img, arg) ? 0 : err_set(e, EXIT_PACK, "out of memory");
	if (image_tmpdir(img, e) < 0)
		return -1;
	char *tar = path_join(img->tmpdir, "rootfs.tar");
	int rc = tar ? tar_dir(arg, tar, e) : err_set(e, EXIT_PACK, "out of memory");
	if (rc == 0 && !image_add_layer(img, tar))
		rc = err_set(e, EXIT_PACK, "out of memory");
	free(tar);
	return rc;
}
