/* SOURCE strings, in skopeo's transport syntax, to an image. */
#include <archive.h>
#include <archive_entry.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "../common/fsutil.h"
#include "../common/xio.h"
#include "sources.h"

/* Unpack an image archive (oci-archive, docker-archive) into img->tmpdir.
 * Names are confined to that directory; links inside it stay links. */
int untar_to_tmpdir(const char *file, struct image *img, struct err *e)
{
	if (access(file, R_OK) < 0)
		return err_sys(e, EXIT_PACK, "cannot read %s", file);
	if (image_tmpdir(img, e) < 0)
		return -1;
	struct archive *a = archive_read_new(), *w = archive_write_disk_new();
	int rc = -1, cwd = -1;
	if (!a || !w) {
		err_set(e, EXIT_PACK, "out of memory");
		goto out;
	}
	archive_read_support_filter_all(a);
	archive_read_support_format_tar(a);
	archive_write_disk_set_options(w, ARCHIVE_EXTRACT_SECURE_SYMLINKS | ARCHIVE_EXTRACT_SECURE_NODOTDOT |
				       ARCHIVE_EXTRACT_SECURE_NOABSOLUTEPATHS);
	/* opened before the chdir: a relative name is the caller's */
	if (archive_read_open_filename(a, file, 1 << 16) != ARCHIVE_OK) {
		err_set(e, EXIT_PACK, "%s is not a readable tar archive: %s", file, archive_error_string(a));
		goto out;
	}
	if ((cwd = cwd_enter(img->tmpdir, -1)) < 0) {
		err_sys(e, EXIT_PACK, "cannot prepare to unpack %s", file);
		goto out;
	}
	struct archive_entry *ent;
	int r;
	while ((r = archive_read_next_header(a, &ent)) == ARCHIVE_OK) {
		mode_t t = archive_entry_filetype(ent);
		if (t != AE_IFREG && t != AE_IFDIR && t != AE_IFLNK)
			continue;
		archive_entry_set_perm(ent, t == AE_IFDIR ? 0700 : 0600);
		if (archive_read_extract2(a, ent, w) != ARCHIVE_OK) {
			err_set(e, EXIT_PACK, "unpacking %s: %s", file, archive_error_string(a));
			goto out;
		}
	}
	if (r != ARCHIVE_EOF)
		err_set(e, EXIT_PACK, "%s is not a valid tar archive: %s", file, archive_error_string(a));
	else
		rc = 0;
out:
	if (cwd >= 0 && cwd_leave(cwd) < 0 && rc == 0)
		rc = err_sys(e, EXIT_PACK, "chdir back");
	if (a) archive_read_free(a);
	if (w) archive_write_free(w);
	return rc;
}

/* Split "transport:rest" and rest's trailing ":ref" where allowed. */
int source_load(const char *source, const struct pack_config *pc, struct image *img,
		struct err *e)
{
	static const struct {
		const char *name;
		int (*load)(const char *arg, const struct pack_config *pc, struct image *img, struct err *e);
	} transports[] = {
		{ "oci", load_oci }, { "oci-archive", load_oci_archive },
		{ "docker-archive", load_docker_archive }, { "rootfs", load_rootfs },
		{ "docker", load_registry },
	};
	memset(img, 0, sizeof *img);
	const char *colon = strchr(source, ':');
	for (size_t i = 0; colon && i < sizeof transports / sizeof transports[0]; i++) {
		size_t n = strlen(transports[i].name);
		if ((size_t)(colon - source) == n && strncmp(source, transports[i].name, n) == 0) {
			if (!colon[1])
				return err_set(e, EXIT_USAGE, "source '%s' names no path", source);
			img->source = (char *)source;
			img->platform = pc->pull.platform;
			const char *arch;
			if (image_target_arch(img->platform, &arch, e) < 0)
				return -1;
			if (transports[i].load(colon + 1, pc, img, e) < 0)
				return -1;
			return image_check_platform(img, e);
		}
	}
	return err_set(e, EXIT_USAGE, "unknown source '%s'; use oci:DIR[:TAG], oci-archive:FILE[:TAG], "
		       "docker-archive:FILE[:NAME:TAG], docker://[HOST/]NAME[:TAG] or rootfs:DIR|TARBALL", source);
}

char *split_ref(const char *arg, const char **ref)
{
	char *path = strdup(arg);
	*ref = NULL;
	if (!path)
		return NULL;
	char *c = strrchr(path, ':');
	if (c && !strchr(c, '/')) {
		*c = 0;
		*ref = arg + (c - path) + 1;
	}
	return path;
}

char *read_verified(int dirfd, const char *path, const char *digest, size_t max,
		    size_t *len, struct err *e)
{
	int fd = open_in_root(dirfd, path, O_RDONLY);
	if (fd < 0) {
		err_sys(e, EXIT_PACK, "cannot open %s", path);
		return NULL;
	}
	size_t n;
	char *buf = read_fd_all(fd, max, &n);
	close_keep_errno(fd);
	if (!buf) {
		err_sys(e, EXIT_PACK, "cannot read %s", path);
		return NULL;
	}
	if (digest) {
		struct digest d;
		char got[DIGEST_STR];
		digest_init(&d);
		digest_update(&d, buf, n);
		digest_final(&d, got);
		if (strcmp(got, digest) != 0) {
			free(buf);
			err_set(e, EXIT_PACK, "%s: digest mismatch (expected %s, got %s); the image is damaged", path, digest, got);
			return NULL;
		}
	}
	if (len)
		*len = n;
	return buf;
}
