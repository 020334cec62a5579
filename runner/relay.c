#include "relay.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>
#include "security.h"

static int bind_one(struct runner_port *p, struct err *e)
{
	struct sockaddr_storage ss = { 0 };
	socklen_t len;
	int v6 = strchr(p->host_ip, ':') != NULL, one = 1;
	if (v6) {
		struct sockaddr_in6 *a = (struct sockaddr_in6 *)&ss;
		a->sin6_family = AF_INET6;
		a->sin6_port = htons(p->host_port);
		inet_pton(AF_INET6, p->host_ip, &a->sin6_addr);
		len = sizeof *a;
	} else {
		struct sockaddr_in *a = (struct sockaddr_in *)&ss;
		a->sin_family = AF_INET;
		a->sin_port = htons(p->host_port);
		a->sin_addr.s_addr = htonl(INADDR_ANY);
		if (*p->host_ip)
			inet_pton(AF_INET, p->host_ip, &a->sin_addr);
		len = sizeof *a;
	}
	const char *ip = *p->host_ip ? p->host_ip : "0.0.0.0", *proto = p->udp ? "udp" : "tcp";
	p->fd = socket(ss.ss_family, (p->udp ? SOCK_DGRAM : SOCK_STREAM) | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (p->fd < 0)
		return err_sys(e, EXIT_SETUP, "socket for %s:%u/%s", ip, p->host_port, proto);
	if (!p->udp)
		setsockopt(p->fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
	if (bind(p->fd, (struct sockaddr *)&ss, len) < 0) {
		if (errno == EADDRINUSE)
			return err_set(e, EXIT_SETUP, "cannot publish %s:%u/%s: the port is already in use on the host; "
				       "pick another host port", ip, p->host_port, proto);
		return err_sys(e, EXIT_SETUP, "cannot publish %s:%u/%s", ip, p->host_port, proto);
	}
	if (!p->udp && listen(p->fd, 512) < 0)
		return err_sys(e, EXIT_SETUP, "listen on %s:%u", ip, p->host_port);
	return 0;
}

int relay_bind(struct runner_port *p, int n, struct err *e)
{
	for (int i = 0; i < n; i++)
		if (bind_one(&p[i], e) < 0) {
			relay_close(p, n);
			return -1;
		}
	return 0;
}

void relay_close(struct runner_port *p, int n)
{
	for (int i = 0; i < n; i++)
		if (p[i].fd >= 0) {
			close(p[i].fd);
			p[i].fd = -1;
		}
}

/* ------------------------------------------------------------ the relay */

#define CHUNK 65536

struct half {                /* one direction: fd[s] -> fd[1 - s], through a pipe */
	int pipe[2];             /* (splice: the bytes never come to user space) */
	size_t len;              /* bytes in the pipe */
	int eof, shut;
};

struct conn {
	int fd[2];               /* 0: the host's client, 1: the container side */
	int connecting;
	struct half h[2];
};

struct peer {                /* a UDP client of a published port */
	int port;                /* index in the port table */
	struct sockaddr_storage addr;
	socklen_t alen;
	int fd;                  /* connected to the container's port */
	time_t last;
};

#define MAXPEERS 256

struct relay {
	const struct runner_port *ports;
	int nports;
	struct conn **c;
	int nc, cap;
	struct peer peers[MAXPEERS];
	int npeers;
	struct pollfd *pfd;
	int npfd;
};

static int inside_socket(int type, uint16_t port)
{
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = htons(port) };
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	int fd = socket(AF_INET, type | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd >= 0 && connect(fd, (struct sockaddr *)&a, sizeof a) < 0 && errno != EINPROGRESS) {
		close(fd);
		return -1;
	}
	return fd;
}

static void conn_close(struct relay *r, int i)
{
	struct conn *c = r->c[i];
	for (int k = 0; k < 2; k++) {
		close(c->fd[k]);
		if (c->h[k].pipe[0] >= 0)
			close(c->h[k].pipe[0]), close(c->h[k].pipe[1]);
	}
	free(c);
	r->c[i] = r->c[--r->nc];
}

static void accept_tcp(struct relay *r, const struct runner_port *p)
{
	for (;;) {
		int a = accept4(p->fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
		if (a < 0)
			return;   /* EAGAIN, or out of fds: the client waits in the backlog */
		struct conn *c = r->nc < r->cap ? calloc(1, sizeof *c) : NULL;
		int b = c ? inside_socket(SOCK_STREAM, p->ctr_port) : -1;
		if (b >= 0 && pipe2(c->h[0].pipe, O_NONBLOCK | O_CLOEXEC) < 0)
			close(b), b = -1;
		if (b >= 0 && pipe2(c->h[1].pipe, O_NONBLOCK | O_CLOEXEC) < 0) {
			close(c->h[0].pipe[0]), close(c->h[0].pipe[1]);
			close(b), b = -1;
		}
		if (b < 0) {
			free(c);
			close(a);
			continue;
		}
		c->fd[0] = a, c->fd[1] = b, c->connecting = 1;
		r->c[r->nc++] = c;
	}
}

/* Move what can move in one direction; -1 when the connection is dead. */
static int pump(struct conn *c, int s, short rev_src, short rev_dst)
{
	struct half *h = &c->h[s];
	unsigned fl = SPLICE_F_NONBLOCK | SPLICE_F_MOVE;
	if ((rev_src & (POLLIN | POLLHUP | POLLERR)) && !h->eof && h->len == 0) {
		ssize_t n = splice(c->fd[s], NULL, h->pipe[1], NULL, CHUNK, fl);
		if (n > 0)
			h->len = (size_t)n;
		else if (n == 0)
			h->eof = 1;
		else if (errno != EAGAIN && errno != EINTR)
			return -1;
	}
	if ((rev_dst & (POLLOUT | POLLERR)) && h->len) {
		ssize_t n = splice(h->pipe[0], NULL, c->fd[1 - s], NULL, h->len, fl);
		if (n < 0 && errno != EAGAIN && errno != EINTR)
			return -1;
		if (n > 0)
			h->len -= (size_t)n;
	}
	if (h->eof && h->len == 0 && !h->shut) {
		shutdown(c->fd[1 - s], SHUT_WR);
		h->shut = 1;
	}
	return 0;
}

static short want(const struct conn *c, int s)
{
	if (c->connecting)
		return s == 1 ? POLLOUT : 0;
	short ev = 0;
	if (!c->h[s].eof && c->h[s].len == 0)
		ev |= POLLIN;
	if (c->h[1 - s].len)
		ev |= POLLOUT;
	return ev;
}

static void step_conn(struct relay *r, int i, const struct pollfd *pf)
{
	struct conn *c = r->c[i];
	int dead = 0;
	if (c->connecting && pf[1].revents) {
		int err = 0;
		socklen_t l = sizeof err;
		getsockopt(c->fd[1], SOL_SOCKET, SO_ERROR, &err, &l);
		dead = err != 0;   /* nothing listens inside (yet): drop the client */
		c->connecting = 0;
		if (!dead)
			return;
	}
	if (c->connecting)
		return;
	if (!dead)
		dead = pump(c, 0, pf[0].revents, pf[1].revents) < 0 || pump(c, 1, pf[1].revents, pf[0].revents) < 0;
	if (dead || (c->h[0].shut && c->h[1].shut))
		conn_close(r, i);
}

static struct peer *find_peer(struct relay *r, int port, const struct sockaddr_storage *a, socklen_t alen)
{
	for (int i = 0; i < r->npeers; i++)
		if (r->peers[i].port == port && r->peers[i].alen == alen && !memcmp(&r->peers[i].addr, a, alen))
			return &r->peers[i];
	if (r->npeers == MAXPEERS) {   /* forget the quietest */
		int old = 0;
		for (int i = 1; i < r->npeers; i++)
			if (r->peers[i].last < r->peers[old].last)
				old = i;
		close(r->peers[old].fd);
		r->peers[old] = r->peers[--r->npeers];
	}
	int fd = inside_socket(SOCK_DGRAM, r->ports[port].ctr_port);
	if (fd < 0)
		return NULL;
	struct peer *p = &r->peers[r->npeers++];
	*p = (struct peer){ .port = port, .alen = alen, .fd = fd };
	memcpy(&p->addr, a, alen);
	return p;
}

static void udp_in(struct relay *r, int port)
{
	static char buf[65536];
	for (;;) {
		struct sockaddr_storage a;
		socklen_t alen = sizeof a;
		ssize_t n = recvfrom(r->ports[port].fd, buf, sizeof buf, 0, (struct sockaddr *)&a, &alen);
		if (n < 0)
			return;
		struct peer *p = find_peer(r, port, &a, alen);
		if (p) {
			p->last = time(NULL);
			send(p->fd, buf, (size_t)n, MSG_NOSIGNAL);
		}
	}
}

static void udp_out(struct relay *r, struct peer *p)
{
	static char buf[65536];
	ssize_t n;
	while ((n = recv(p->fd, buf, sizeof buf, 0)) >= 0) {
		p->last = time(NULL);
		sendto(r->ports[p->port].fd, buf, (size_t)n, MSG_NOSIGNAL, (struct sockaddr *)&p->addr, p->alen);
	}
}

/* ports, then two slots per connection, then the UDP peers */
static int build_pollset(struct relay *r)
{
	int need = r->nports + 2 * r->nc + r->npeers, k = 0;
	if (need > r->npfd) {
		struct pollfd *n = realloc(r->pfd, (size_t)need * 2 * sizeof *n);
		if (!n)
			return -1;
		r->pfd = n, r->npfd = need * 2;
	}
	for (int i = 0; i < r->nports; i++)
		r->pfd[k++] = (struct pollfd){ .fd = r->ports[i].fd, .events = POLLIN };
	for (int i = 0; i < r->nc; i++)
		for (int s = 0; s < 2; s++) {
			short ev = want(r->c[i], s);
			r->pfd[k++] = (struct pollfd){ .fd = ev ? r->c[i]->fd[s] : -1, .events = ev };
		}
	for (int i = 0; i < r->npeers; i++)
		r->pfd[k++] = (struct pollfd){ .fd = r->peers[i].fd, .events = POLLIN };
	return k;
}

void relay_run(const struct runner_port *ports, int nports)
{
	struct relay r = { .ports = ports, .nports = nports };
	struct rlimit rl;
	struct err e = { 0 };
	/* it needs no privilege at all */
	if (security_clear_caps(&e) < 0)
		_exit(err_print(&e));
	if (getrlimit(RLIMIT_NOFILE, &rl) == 0) {
		rl.rlim_cur = rl.rlim_max;
		setrlimit(RLIMIT_NOFILE, &rl);
	}
	signal(SIGPIPE, SIG_IGN);   /* a client gone mid-write: EPIPE, not death */
	r.cap = rl.rlim_cur > 64 ? (int)((rl.rlim_cur - 32) / 6) : 8;   /* 2 sockets + 2 pipes */
	if (r.cap > 65536)
		r.cap = 65536;
	if (!(r.c = calloc((size_t)r.cap, sizeof *r.c)))
		_exit(EXIT_SETUP);
	for (;;) {
		int n = build_pollset(&r);
		if (n < 0 || (poll(r.pfd, (nfds_t)n, -1) < 0 && errno != EINTR))
			_exit(EXIT_SETUP);
		/* connections first (their slots shift as they close: walk back) */
		for (int i = r.nc - 1; i >= 0; i--)
			step_conn(&r, i, &r.pfd[nports + 2 * i]);
		for (int i = r.npeers - 1; i >= 0; i--)   /* (cheap when idle: EAGAIN) */
			udp_out(&r, &r.peers[i]);
		for (int i = 0; i < nports; i++)
			if (r.pfd[i].revents & POLLIN) {
				if (ports[i].udp)
					udp_in(&r, i);
				else
					accept_tcp(&r, &ports[i]);
			}
	}
}
