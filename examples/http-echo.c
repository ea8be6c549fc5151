/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* http-echo: a tiny HTTP server that answers every request with the same text, standing in for
 * hashicorp/http-echo in the seed 002 walkthrough (examples/seed002/). Same flags:
 *
 *   http-echo -listen=:5678 -text="just made some syscalls!"
 *
 * GET /health answers {"status":"ok"}, anything else the text plus a newline. One process, one
 * thread, one connection at a time: a small, stable set of syscalls is the point, so that a
 * recorded or hand-written profile for it stays short. Build it static so it runs in a
 * busybox-static image: gcc -O2 -static -o http-echo examples/http-echo.c */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE /* accept4 */
#endif
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#define REQ_MAX 8192

static volatile sig_atomic_t stop;

static void on_signal(int sig)
{
	(void)sig;
	stop = 1;
}

static int usage(FILE *f, int status)
{
	fputs("Usage: http-echo [-listen=[ADDR]:PORT] [-text=TEXT]\n"
	      "Serve TEXT (default \"hello-world\") on ADDR:PORT (default :5678, all addresses).\n",
	      f);
	return status;
}

/* "-name=value", "--name=value", or "-name value" (the Go flag package's forms). */
static const char *flag_value(int argc, char **argv, int *i, const char *name)
{
	const char *a = argv[*i];
	size_t n = strlen(name);

	a += a[1] == '-' ? 2 : 1;
	if (strncmp(a, name, n) != 0)
		return NULL;
	if (a[n] == '=')
		return a + n + 1;
	if (a[n] == '\0' && *i + 1 < argc)
		return argv[++*i];
	return NULL;
}

static int parse_listen(const char *s, struct sockaddr_in *sa)
{
	const char *colon = strrchr(s, ':');
	char host[64];
	char *end;
	long port;

	memset(sa, 0, sizeof(*sa));
	sa->sin_family = AF_INET;
	sa->sin_addr.s_addr = htonl(INADDR_ANY);
	if (!colon)
		return -1;
	port = strtol(colon + 1, &end, 10);
	if (*end || end == colon + 1 || port < 0 || port > 65535)
		return -1;
	sa->sin_port = htons((unsigned short)port);
	if (colon == s)
		return 0;
	if ((size_t)(colon - s) >= sizeof(host))
		return -1;
	memcpy(host, s, (size_t)(colon - s));
	host[colon - s] = '\0';
	if (strcmp(host, "localhost") == 0)
		strcpy(host, "127.0.0.1");
	return inet_pton(AF_INET, host, &sa->sin_addr) == 1 ? 0 : -1;
}

static int write_all(int fd, const char *p, size_t n)
{
	while (n > 0) {
		ssize_t w = write(fd, p, n);

		if (w < 0) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		p += w;
		n -= (size_t)w;
	}
	return 0;
}

/* Read until the end of the request head (a blank line), or give up on a full buffer. */
static ssize_t read_head(int fd, char *buf, size_t size)
{
	size_t have = 0;

	while (have + 1 < size) {
		ssize_t r = read(fd, buf + have, size - 1 - have);

		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			break;
		have += (size_t)r;
		buf[have] = '\0';
		if (strstr(buf, "\r\n\r\n") || strstr(buf, "\n\n"))
			break;
	}
	buf[have] = '\0';
	return (ssize_t)have;
}

static void serve(int c, const char *text)
{
	char req[REQ_MAX], head[256];
	const char *body;
	char *body_buf = NULL;
	size_t blen;
	int n;

	if (read_head(c, req, sizeof(req)) <= 0)
		return;
	if (strncmp(req, "GET /health ", 12) == 0) {
		body = "{\"status\":\"ok\"}\n";
	} else {
		blen = strlen(text);
		body_buf = malloc(blen + 2);
		if (!body_buf)
			return;
		memcpy(body_buf, text, blen);
		memcpy(body_buf + blen, "\n", 2);
		body = body_buf;
	}
	n = snprintf(head, sizeof(head),
		     "HTTP/1.1 200 OK\r\nContent-Type: text/plain; charset=utf-8\r\n"
		     "Content-Length: %zu\r\nX-App-Name: http-echo\r\nConnection: close\r\n\r\n",
		     strlen(body));
	if (write_all(c, head, (size_t)n) == 0)
		(void)write_all(c, body, strlen(body));
	free(body_buf);
}

int main(int argc, char **argv)
{
	const char *listen_on = ":5678", *text = "hello-world", *v;
	struct sockaddr_in sa;
	struct sigaction act;
	int s, one = 1;

	for (int i = 1; i < argc; i++) {
		if (argv[i][0] != '-')
			return usage(stderr, 2);
		if ((v = flag_value(argc, argv, &i, "listen")))
			listen_on = v;
		else if ((v = flag_value(argc, argv, &i, "text")))
			text = v;
		else if (strcmp(argv[i], "-h") == 0 || strcmp(argv[i], "--help") == 0)
			return usage(stdout, 0);
		else
			return usage(stderr, 2);
	}
	if (parse_listen(listen_on, &sa) < 0) {
		fprintf(stderr, "http-echo: bad -listen address '%s'\n", listen_on);
		return 2;
	}

	/* No SA_RESTART: SIGTERM must interrupt accept() so the loop can end. */
	memset(&act, 0, sizeof(act));
	act.sa_handler = on_signal;
	sigaction(SIGTERM, &act, NULL);
	sigaction(SIGINT, &act, NULL);
	signal(SIGPIPE, SIG_IGN);

	s = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (s < 0 || setsockopt(s, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) < 0 ||
	    bind(s, (struct sockaddr *)&sa, sizeof(sa)) < 0 || listen(s, 64) < 0) {
		fprintf(stderr, "http-echo: listen on %s: %s\n", listen_on, strerror(errno));
		return 1;
	}
	fprintf(stderr, "[INFO] server is listening on %s\n", listen_on);

	while (!stop) {
		int c = accept4(s, NULL, NULL, SOCK_CLOEXEC);

		if (c < 0) {
			if (errno == EINTR || errno == ECONNABORTED)
				continue;
			fprintf(stderr, "http-echo: accept: %s\n", strerror(errno));
			return 1;
		}
		serve(c, text);
		close(c);
	}
	close(s);
	return 0;
}
