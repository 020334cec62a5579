/* Which file systems are network ones: a cache there makes every node of a
 * cluster read (and write) its files over the network, the load an HPC
 * file system takes worst (many small metadata operations).
 *
 * Test switch: BOXCAR_TEST_FSMAGIC=0xHEX makes netfs_name see that
 * f_type for every fd (network file systems cannot be mounted rootless).
 * Not for use outside tests. */
#ifndef BOXCAR_NETFS_H
#define BOXCAR_NETFS_H

/* The name of the network file system fd lies on ("NFS", "Lustre", ...),
 * or NULL when it is local or fstatfs fails. */
const char *netfs_name(int fd);

#endif
