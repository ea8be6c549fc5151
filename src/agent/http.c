/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Owns the agent's HTTP server over libmicrohttpd, in the caller's epoll loop. */
#include <arpa/inet.h>
#include <errno.h>
#include <limits.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

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
#include <microhttpd.h>

struct sc_http {
	struct MHD_Daemon *d;
	sc_http_handler fn;
	void *userdata;
	int fd;
	uint16_t port;
};

static enum MHD_Result on_request(void *cls, struct MHD_Connection *c, const char *url,
				  const char *method, const char *version, const char *upload_data,
				  size_t *upload_data_size, void **con_cls)
{
	struct sc_http *h = cls;
	struct sc_http_reply reply = { .status = 500, .content_type = "text/plain" };
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
	resp = MHD_create_response_from_buffer(reply.len, reply.body ? reply.body : (char *)"",
					       reply.body ? MHD_RESPMEM_MUST_FREE
							  : MHD_RESPMEM_PERSISTENT);
	if (!resp) {
		free(reply.body);
		return MHD_NO;
	}
	(void)MHD_add_response_header(resp, MHD_HTTP_HEADER_CONTENT_TYPE, reply.content_type);
	ret = MHD_queue_response(c, reply.status, resp);
	MHD_destroy_response(resp);
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
	h->d = MHD_start_daemon(flags, 0, NULL, NULL, on_request, h, MHD_OPTION_SOCK_ADDR,
				(struct sockaddr *)&ss, MHD_OPTION_CONNECTION_TIMEOUT, (unsigned)10,
				MHD_OPTION_CONNECTION_LIMIT, (unsigned)64, MHD_OPTION_END);
	if (!h->d) {
		r = errno ? -errno : -EADDRINUSE;
		free(h);
		return r;
	}
	info = MHD_get_daemon_info(h->d, MHD_DAEMON_INFO_EPOLL_FD);
	h->fd = info ? info->epoll_fd : -1;
	info = MHD_get_daemon_info(h->d, MHD_DAEMON_INFO_BIND_PORT);
	h->port = info ? info->port : 0;
	if (h->fd < 0) {
		MHD_stop_daemon(h->d);
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
	MHD_stop_daemon(h->d);
	free(h);
	return NULL;
}

int sc_http_fd(const struct sc_http *h)
{
	return h->fd;
}

int sc_http_run(struct sc_http *h)
{
	return MHD_run(h->d) == MHD_YES ? 0 : -EIO;
}

int sc_http_timeout_ms(struct sc_http *h)
{
	MHD_UNSIGNED_LONG_LONG t;

	if (MHD_get_timeout(h->d, &t) != MHD_YES)
		return -1;
	return t > INT_MAX ? INT_MAX : (int)t;
}

uint16_t sc_http_port(const struct sc_http *h)
{
	return h->port;
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
#endif
