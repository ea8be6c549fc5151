/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The agent's HTTP server: libmicrohttpd without threads of its own, driven by the caller's
 * event loop (MHD_USE_EPOLL: one epoll fd to watch, sc_http_run when it is readable, and
 * sc_http_timeout_ms for the caller's epoll_wait). GET only; the handler returns the body. */
#pragma once

#include <stddef.h>
#include <stdint.h>

struct sc_http;

/* Why the server closed a connection before its client did. */
enum sc_http_cut {
	SC_HTTP_CUT_DEADLINE, /* no whole request within the deadline (slow or idle client) */
	SC_HTTP_CUT_EVICTED,  /* too many connections: the oldest of the busiest address */
	_SC_HTTP_CUT_COUNT,
};

struct sc_http_reply {
	unsigned status;	  /* 200, 404, 503, ... */
	const char *content_type; /* static string */
	char *body;		  /* owned by the reply: malloc'ed, freed by the server */
	size_t len;
};

/* Called for every request; fill 'reply'. 'path' is the URL path without the query. */
typedef void (*sc_http_handler)(void *userdata, const char *method, const char *path,
				struct sc_http_reply *reply);

/* Listen on "ADDR:PORT" (IPv4 dotted quad, or "[v6]:PORT"; port 0 picks a free one).
 * -ENOTSUP when built without libmicrohttpd, -ELIBACC when it cannot be loaded (see
 * sc_http_load_error()), -EINVAL for a bad address, -EADDRINUSE, ... */
int sc_http_start(const char *listen, sc_http_handler fn, void *userdata, struct sc_http **ret);
/* Why libmicrohttpd could not be loaded (the loader's message), or NULL. */
const char *sc_http_load_error(void);
struct sc_http *sc_http_free(struct sc_http *h);
/* The fd to add to the caller's epoll (readable = call sc_http_run). */
int sc_http_fd(const struct sc_http *h);
/* Serve what is ready, without blocking. */
int sc_http_run(struct sc_http *h);
/* Milliseconds until sc_http_run must be called even without activity; -1: none. */
int sc_http_timeout_ms(struct sc_http *h);
/* The port actually bound. */
uint16_t sc_http_port(const struct sc_http *h);
/* Connections closed by the server for 'why', since start; 0 for a NULL server. */
uint64_t sc_http_cut_total(const struct sc_http *h, enum sc_http_cut why);
