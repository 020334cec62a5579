/* Intra-node ping-pong between ranks 0 and 1 (bench/mpi-pingpong.sh):
 * prints "latency_us N" (half the round trip of an 8-byte message) and
 * "bandwidth_MBps N" (1 MiB messages, one way), each the best of a few
 * repeats of many round trips, after a warm-up. */
#include <mpi.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Seconds per round trip of `bytes`, the best of `reps` runs of `iters`. */
static double round_trip(char *buf, int bytes, int iters, int reps, int rank)
{
	double best = 1e9;
	for (int r = 0; r < reps; r++) {
		MPI_Barrier(MPI_COMM_WORLD);
		double t0 = MPI_Wtime();
		for (int i = 0; i < iters; i++) {
			if (rank == 0) {
				MPI_Send(buf, bytes, MPI_CHAR, 1, 0, MPI_COMM_WORLD);
				MPI_Recv(buf, bytes, MPI_CHAR, 1, 0, MPI_COMM_WORLD, MPI_STATUS_IGNORE);
			} else if (rank == 1) {
				MPI_Recv(buf, bytes, MPI_CHAR, 0, 0, MPI_COMM_WORLD, MPI_STATUS_IGNORE);
				MPI_Send(buf, bytes, MPI_CHAR, 0, 0, MPI_COMM_WORLD);
			}
		}
		double t = (MPI_Wtime() - t0) / iters;
		if (t < best)
			best = t;
	}
	return best;
}

int main(int argc, char **argv)
{
	int rank, size, big = 1 << 20;
	MPI_Init(&argc, &argv);
	MPI_Comm_rank(MPI_COMM_WORLD, &rank);
	MPI_Comm_size(MPI_COMM_WORLD, &size);
	if (size != 2) {
		if (rank == 0)
			fprintf(stderr, "mpi-pingpong: run with 2 ranks, not %d\n", size);
		MPI_Finalize();
		return 2;
	}
	char *buf = malloc((size_t)big);
	if (!buf)
		MPI_Abort(MPI_COMM_WORLD, 1);
	memset(buf, 1, (size_t)big);
	round_trip(buf, 8, 1000, 1, rank);   /* warm-up */
	double lat = round_trip(buf, 8, 20000, 5, rank) / 2;
	round_trip(buf, big, 50, 1, rank);
	double bw = round_trip(buf, big, 500, 5, rank) / 2;
	if (rank == 0)
		printf("latency_us %.3f\nbandwidth_MBps %.0f\n", lat * 1e6, big / bw / 1e6);
	free(buf);
	MPI_Finalize();
	return 0;
}
