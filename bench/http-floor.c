/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* bench/http.sh's floor: libmicrohttpd alone, set up as the agent sets it up (MHD_USE_EPOLL,
 * no internal thread, the daemon driven from one epoll loop by MHD_run with MHD_get_timeout's
 * timeout, the same 10 s inactivity timeout and 256-connection limit), answering "ok\n" to
 * every request: no routing, no deadline per request, no eviction.
 *
 *   http-floor   listens on 127.0.0.1, an ephemeral port; prints "port N" once listening,
 *                then serves until killed */
#include <arpa/inet.h>
#include <errno.h>
#include <microhttpd.h>
#include <stdio.h>
#include <string.h>
#include <sys/epoll.h>

static enum MHD_Result on_request(void *cls, struct MHD_Connection *c, const char *url,
				  const char *method, const char *version, const char *data,
				  size_t *data_size, void **state)
{
	static const char ok[] = "ok\n";
	struct MHD_Response *resp;
	enum MHD_Result ret;

	(void)cls, (void)url, (void)method, (void)version, (void)data, (void)state;
	if (*data_size) { /* a body: swallowed */
		*data_size = 0;
		return MHD_YES;
	}
	resp = MHD_create_response_from_buffer(sizeof(ok) - 1, (void *)ok, MHD_RESPMEM_PERSISTENT);
	if (!resp)
		return MHD_NO;
	(void)MHD_add_response_header(resp, MHD_HTTP_HEADER_CONTENT_TYPE, "text/plain");
	ret = MHD_queue_response(c, MHD_HTTP_OK, resp);
	MHD_destroy_response(resp);
	return ret;
}

int main(void)
{
	struct MHD_Daemon *d;
	const union MHD_DaemonInfo *info;
	struct sockaddr_in sa = { .sin_family = AF_INET,
				  .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	struct epoll_event ev = { .events = EPOLLIN };
	int epfd, loop;

	d = MHD_start_daemon(MHD_USE_EPOLL, 0, NULL, NULL, on_request, NULL, MHD_OPTION_SOCK_ADDR,
			     (struct sockaddr *)&sa, MHD_OPTION_CONNECTION_TIMEOUT, 10u,
			     MHD_OPTION_CONNECTION_LIMIT, 256u, MHD_OPTION_END);
	if (!d) {
		fprintf(stderr, "http-floor: cannot start the daemon\n");
		return 1;
	}
	info = MHD_get_daemon_info(d, MHD_DAEMON_INFO_EPOLL_FD);
	epfd = info ? info->epoll_fd : -1;
	info = MHD_get_daemon_info(d, MHD_DAEMON_INFO_BIND_PORT);
	if (epfd < 0 || !info) {
		fprintf(stderr, "http-floor: no epoll fd or port\n");
		return 1;
	}
	/* The loop's own epoll set holding the library's, as the agent's: waiting on the library's
	 * set directly would take its edge-triggered events before MHD_run sees them. */
	loop = epoll_create1(EPOLL_CLOEXEC);
	if (loop < 0 || epoll_ctl(loop, EPOLL_CTL_ADD, epfd, &ev) < 0) {
		perror("http-floor: epoll");
		return 1;
	}
	printf("port %u\n", (unsigned)info->port);
	fflush(stdout);
	for (;;) {
		MHD_UNSIGNED_LONG_LONG t;
		int timeout = -1;
		if (MHD_get_timeout(d, &t) == MHD_YES)
			timeout = t > 60000 ? 60000 : (int)t;
		if (epoll_wait(loop, &ev, 1, timeout) < 0 && errno != EINTR) {
			perror("http-floor: epoll_wait");
			return 1;
		}
		if (MHD_run(d) != MHD_YES) {
			fprintf(stderr, "http-floor: MHD_run failed\n");
			return 1;
		}
	}
}
