/* The MPI test program (t-slurm.sh): each rank says who it is and on which
 * host, then all ranks sum their rank numbers with MPI_Allreduce and rank 0
 * prints the sum. */
#include <mpi.h>
#include <stdio.h>

int main(int argc, char **argv)
{
	int rank, size, sum = -1, len;
	char host[MPI_MAX_PROCESSOR_NAME];
	if (MPI_Init(&argc, &argv) != MPI_SUCCESS)
		return 1;
	MPI_Comm_rank(MPI_COMM_WORLD, &rank);
	MPI_Comm_size(MPI_COMM_WORLD, &size);
	MPI_Get_processor_name(host, &len);
	printf("rank %d of %d on %s\n", rank, size, host);
	fflush(stdout);
	MPI_Allreduce(&rank, &sum, 1, MPI_INT, MPI_SUM, MPI_COMM_WORLD);
	if (rank == 0)
		printf("allreduce sum %d\n", sum);
	MPI_Finalize();
	return 0;
}
