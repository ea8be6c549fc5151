/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Owns the agent's HTTP server over libmicrohttpd, in the caller's epoll loop, and its guard
 * against clients that hold connections: a deadline for each request and, past a number of open
 * connections, eviction of the oldest connection of the address that holds the most. */
#include <arpa/inet.h>
#include <errno.h>
#include <limits.h>
#include <netinet/in.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>

#include "agent/http.h"
#include "macro.h"

/* Parse "ADDR:PORT" / "[ADDR6]:PORT" into 'ss'. */
static int parse_listen(const char *s, struct sockaddr_storage *ss, socklen_t *len)
{
	char host[64];
	const char *colon, *port_s;
	char *end;
	unsigned long port;

	memset(ss, 0, sizeof(*ss));
	if (s[0] == '[') {
		const char *rb = strchr(s, ']');
		if (!rb || rb[1] != ':' || (size_t)(rb - s - 1) >= sizeof(host))
			return -EINVAL;
		memcpy(host, s + 1, (size_t)(rb - s - 1));
		host[rb - s - 1] = '\0';
		port_s = rb + 2;
	} else {
		colon = strrchr(s, ':');
		if (!colon || (size_t)(colon - s) >= sizeof(host))
			return -EINVAL;
		memcpy(host, s, (size_t)(colon - s));
		host[colon - s] = '\0';
		port_s = colon + 1;
	}
	errno = 0;
	port = strtoul(port_s, &end, 10);
	if (!*port_s || *end || errno || port > 65535)
		return -EINVAL;
	if (s[0] == '[') {
		struct sockaddr_in6 *a = (struct sockaddr_in6 *)ss;
		a->sin6_family = AF_INET6;
		a->sin6_port = htons((uint16_t)port);
		if (inet_pton(AF_INET6, host, &a->sin6_addr) != 1)
			return -EINVAL;
		*len = sizeof(*a);
	} else {
		struct sockaddr_in *a = (struct sockaddr_in *)ss;
		a->sin_family = AF_INET;
		a->sin_port = htons((uint16_t)port);
		if (inet_pton(AF_INET, host[0] ? host : "0.0.0.0", &a->sin_addr) != 1)
			return -EINVAL;
		*len = sizeof(*a);
	}
	return 0;
}

#ifdef SC_HAVE_MICROHTTPD
#include "agent/mhd.h"

/* libmicrohttpd's timeout counts inactivity only, so a client sending a byte every few seconds
 * keeps its connection forever, and its connection limit turns new clients (the kubelet's probes)
 * away once others hold every slot. So: a request must arrive whole within DEADLINE_MS of the
 * connection's start or its previous answer; and past SOFT_LIMIT open connections each new one
 * cuts (shutdown(2), libmicrohttpd then closes it) the oldest connection of the address holding
 * the most. A client with one connection is cut only when SOFT_LIMIT addresses hold one each;
 * a flood from a few addresses only ever evicts itself. HARD_LIMIT leaves room for connections
 * cut but not yet closed. */
#define SOFT_LIMIT  64
#define HARD_LIMIT  256
#define DEADLINE_MS 10000

struct conn {
	int fd;
	struct sockaddr_storage addr;
	uint64_t since_ms; /* accepted, or last answered */
	bool cut;
};

struct sc_http {
	struct MHD_Daemon *d;
	sc_http_handler fn;
	void *userdata;
	int fd;
	uint16_t port;
	struct conn *conns[HARD_LIMIT + 8];
	size_t n_conns;
	uint64_t cut[_SC_HTTP_CUT_COUNT];
};

static uint64_t now_ms(void)
{
	struct timespec ts;

	(void)clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

static bool same_addr(const struct sockaddr_storage *a, const struct sockaddr_storage *b)
{
	if (a->ss_family != b->ss_family)
		return false;
	if (a->ss_family == AF_INET)
		return ((const struct sockaddr_in *)a)->sin_addr.s_addr ==
		       ((const struct sockaddr_in *)b)->sin_addr.s_addr;
	if (a->ss_family == AF_INET6)
		return memcmp(&((const struct sockaddr_in6 *)a)->sin6_addr,
			      &((const struct sockaddr_in6 *)b)->sin6_addr,
			      sizeof(struct in6_addr)) == 0;
	return true;
}

static void cut(struct sc_http *h, struct conn *c, enum sc_http_cut why)
{
	(void)shutdown(c->fd, SHUT_RDWR);
	c->cut = true;
	h->cut[why]++;
}

/* Past SOFT_LIMIT live connections: cut the oldest of the address holding the most. */
static void evict(struct sc_http *h)
{
	struct conn *victim = NULL;
	size_t live = 0, best = 0;

	for (size_t i = 0; i < h->n_conns; i++)
		live += !h->conns[i]->cut;
	if (live <= SOFT_LIMIT)
		return;
	for (size_t i = 0; i < h->n_conns; i++) {
		struct conn *c = h->conns[i];
		size_t same = 0;
		struct conn *oldest = NULL;

		if (c->cut)
			continue;
		for (size_t j = 0; j < h->n_conns; j++) {
			struct conn *o = h->conns[j];
			if (o->cut || !same_addr(&o->addr, &c->addr))
				continue;
			same++;
			if (!oldest || o->since_ms < oldest->since_ms)
				oldest = o;
		}
		if (same > best || (same == best && oldest->since_ms < victim->since_ms)) {
			best = same;
			victim = oldest;
		}
	}
	if (victim)
		cut(h, victim, SC_HTTP_CUT_EVICTED);
}

static void on_connection(void *cls, struct MHD_Connection *mc, void **socket_context,
			  enum MHD_ConnectionNotificationCode code)
{
	struct sc_http *h = cls;
	const union MHD_ConnectionInfo *fd, *addr;
	struct conn *c = *socket_context;

	if (code == MHD_CONNECTION_NOTIFY_CLOSED) {
		for (size_t i = 0; c && i < h->n_conns; i++)
			if (h->conns[i] == c) {
				h->conns[i] = h->conns[--h->n_conns];
				break;
			}
		free(c);
		*socket_context = NULL;
		return;
	}
	fd = sym_MHD_get_connection_info(mc, MHD_CONNECTION_INFO_CONNECTION_FD);
	addr = sym_MHD_get_connection_info(mc, MHD_CONNECTION_INFO_CLIENT_ADDRESS);
	if (!fd || h->n_conns >= ELEMENTSOF(h->conns) || !(c = calloc(1, sizeof(*c)))) {
		/* Untracked, it could outlive every deadline: refuse it. */
		if (fd)
			(void)shutdown(fd->connect_fd, SHUT_RDWR);
		return;
	}
	c->fd = fd->connect_fd;
	if (addr && addr->client_addr)
		memcpy(&c->addr, addr->client_addr,
		       addr->client_addr->sa_family == AF_INET6 ? sizeof(struct sockaddr_in6)
								: sizeof(struct sockaddr_in));
	c->since_ms = now_ms();
	h->conns[h->n_conns++] = c;
	*socket_context = c;
	evict(h);
}

/* Cut the connections past their deadline; the earliest deadline left, or UINT64_MAX. */
static uint64_t expire(struct sc_http *h)
{
	uint64_t now = now_ms(), next = UINT64_MAX;

	for (size_t i = 0; i < h->n_conns; i++) {
		struct conn *c = h->conns[i];
		if (c->cut)
			continue;
		if (now >= c->since_ms + DEADLINE_MS)
			cut(h, c, SC_HTTP_CUT_DEADLINE);
		else if (c->since_ms + DEADLINE_MS < next)
			next = c->since_ms + DEADLINE_MS;
	}
	return next;
}

static enum MHD_Result on_request(void *cls, struct MHD_Connection *c, const char *url,
				  const char *method, const char *version, const char *upload_data,
				  size_t *upload_data_size, void **con_cls)
{
	struct sc_http *h = cls;
	struct sc_http_reply reply = { .status = 500, .content_type = "text/plain" };
	const union MHD_ConnectionInfo *ci;
	struct MHD_Response *resp;
	enum MHD_Result ret;

	/* Bodies are not read: a request with one is answered after the first call. */
	if (*upload_data_size) {
		*upload_data_size = 0;
		return MHD_YES;
	}
	if (strcmp(method, "GET") != 0 && strcmp(method, "HEAD") != 0) {
		reply.status = MHD_HTTP_METHOD_NOT_ALLOWED;
		reply.body = strdup("method not allowed\n");
	} else {
		h->fn(h->userdata, method, url, &reply);
	}
	if (!reply.body)
		reply.len = 0;
	else if (!reply.len)
		reply.len = strlen(reply.body);
	resp = sym_MHD_create_response_from_buffer(reply.len, reply.body ? reply.body : (char *)"",
						   reply.body ? MHD_RESPMEM_MUST_FREE
							      : MHD_RESPMEM_PERSISTENT);
	if (!resp) {
		free(reply.body);
		return MHD_NO;
	}
	(void)sym_MHD_add_response_header(resp, MHD_HTTP_HEADER_CONTENT_TYPE, reply.content_type);
	ret = sym_MHD_queue_response(c, reply.status, resp);
	sym_MHD_destroy_response(resp);
	/* Answered: the next request on this connection gets its own deadline. */
	ci = sym_MHD_get_connection_info(c, MHD_CONNECTION_INFO_SOCKET_CONTEXT);
	if (ci && ci->socket_context)
		((struct conn *)ci->socket_context)->since_ms = now_ms();
	return ret;
}

int sc_http_start(const char *listen, sc_http_handler fn, void *userdata, struct sc_http **ret)
{
	struct sockaddr_storage ss;
	socklen_t sl;
	const union MHD_DaemonInfo *info;
	struct sc_http *h;
	unsigned flags = MHD_USE_EPOLL;
	int r;

	r = parse_listen(listen, &ss, &sl);
	if (r < 0)
		return r;
	r = sc_mhd_load(NULL);
	if (r < 0)
		return r;
	h = calloc(1, sizeof(*h));
	if (!h)
		return -ENOMEM;
	h->fn = fn;
	h->userdata = userdata;
	if (ss.ss_family == AF_INET6)
		flags |= MHD_USE_IPv6;
	/* No internal thread: the agent's epoll loop drives everything. MHD prints nothing
	 * unless MHD_USE_ERROR_LOG is given, which the library does not. */
	errno = 0;
	h->d = sym_MHD_start_daemon(flags, 0, NULL, NULL, on_request, h, MHD_OPTION_SOCK_ADDR,
				    (struct sockaddr *)&ss, MHD_OPTION_CONNECTION_TIMEOUT,
				    (unsigned)(DEADLINE_MS / 1000), MHD_OPTION_CONNECTION_LIMIT,
				    (unsigned)HARD_LIMIT, MHD_OPTION_NOTIFY_CONNECTION,
				    on_connection, h, MHD_OPTION_END);
	if (!h->d) {
		r = errno ? -errno : -EADDRINUSE;
		free(h);
		return r;
	}
	info = sym_MHD_get_daemon_info(h->d, MHD_DAEMON_INFO_EPOLL_FD);
	h->fd = info ? info->epoll_fd : -1;
	info = sym_MHD_get_daemon_info(h->d, MHD_DAEMON_INFO_BIND_PORT);
	h->port = info ? info->port : 0;
	if (h->fd < 0) {
		sym_MHD_stop_daemon(h->d);
		free(h);
		return -EIO;
	}
	*ret = h;
	return 0;
}

struct sc_http *sc_http_free(struct sc_http *h)
{
	if (!h)
		return NULL;
	sym_MHD_stop_daemon(h->d);
	free(h);
	return NULL;
}

int sc_http_fd(const struct sc_http *h)
{
	return h->fd;
}

int sc_http_run(struct sc_http *h)
{
	uint64_t before = h->cut[SC_HTTP_CUT_DEADLINE];
	int r = sym_MHD_run(h->d) == MHD_YES ? 0 : -EIO;

	(void)expire(h);
	/* Closes what was just cut, without waiting for the next event. */
	if (h->cut[SC_HTTP_CUT_DEADLINE] != before)
		(void)sym_MHD_run(h->d);
	return r;
}

int sc_http_timeout_ms(struct sc_http *h)
{
	MHD_UNSIGNED_LONG_LONG t;
	uint64_t next = expire(h), now = now_ms();
	uint64_t dl = next == UINT64_MAX ? UINT64_MAX : next > now ? next - now : 0;

	if (sym_MHD_get_timeout(h->d, &t) != MHD_YES)
		t = UINT64_MAX;
	if (dl < t)
		t = dl;
	return t > INT_MAX ? (t == UINT64_MAX ? -1 : INT_MAX) : (int)t;
}

uint64_t sc_http_cut_total(const struct sc_http *h, enum sc_http_cut why)
{
	return h ? h->cut[why] : 0;
}

uint16_t sc_http_port(const struct sc_http *h)
{
	return h->port;
}

const char *sc_http_load_error(void)
{
	const char *why = NULL;

	return sc_mhd_load(&why) < 0 ? why : NULL;
}

#else /* !SC_HAVE_MICROHTTPD */

int sc_http_start(const char *listen, sc_http_handler fn, void *userdata, struct sc_http **ret)
{
	struct sockaddr_storage ss;
	socklen_t sl;
	int r = parse_listen(listen, &ss, &sl);

	return r < 0 ? r : -ENOTSUP;
}

struct sc_http *sc_http_free(struct sc_http *h)
{
	return NULL;
}

int sc_http_fd(const struct sc_http *h)
{
	return -1;
}

int sc_http_run(struct sc_http *h)
{
	return -ENOTSUP;
}

int sc_http_timeout_ms(struct sc_http *h)
{
	return -1;
}

uint16_t sc_http_port(const struct sc_http *h)
{
	return 0;
}

uint64_t sc_http_cut_total(const struct sc_http *h, enum sc_http_cut why)
{
	return 0;
}
const char *sc_http_load_error(void)
{
	return NULL;
}
#endif
