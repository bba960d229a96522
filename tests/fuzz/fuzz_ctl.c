/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * libFuzzer target over the control protocol, request bytes to reply bytes, through the
 * real server (lib/ctl dg_ctl_server on a Unix socket in $TMPDIR or /tmp) with a stub
 * handler that dispatches with dg_ctl_cmd_check() and answers without an appliance.
 * Input: a selector byte (bits 0-2: size of each send, at least 1/64 of the input; bit
 * 3: a server with a 1000-byte body cap; bit 4: everything sent before the server runs;
 * bit 5: no socket, the parse and dispatch layer alone), then the bytes a client sends
 * before it shuts its side. Any broken invariant traps:
 *  - dg_ctl_parse() agrees with a reference tokenizer written here from docs/control.md
 *    (words, or the reason it refuses), and what it accepts dg_ctl_encode() writes back
 *    to a line that parses to the same words;
 *  - dg_ctl_cmd_check() takes exactly the requests the command table and the rules of
 *    docs/control.md allow (words, --json, argument count, key=value);
 *  - the reply stream is exactly what the protocol says for the requests a plain
 *    reading of the bytes gives (one reply per line, in order, a last line without '\n'
 *    served, `ERR request too long` then close when no '\n' comes within 4096 bytes),
 *    whatever the send sizes: the server's buffering, pipelining and partial writes
 *    change nothing, nor answers given later (DG_CTL_PENDING, dg_ctl_server_complete()
 *    a few polls on: reload, del, optout del);
 *  - every reply is `OK <len>\n` with exactly len body bytes (decimal, no leading zero)
 *    or `ERR <reason>\n`, the reason one line of printable bytes, 1..511 of them;
 *  - the connection is closed in a bounded number of polls.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "dg_ctl.h"
#include "dg_ctl_server.h"

#define CHECK(c) do { if (!(c)) __builtin_trap(); } while (0)

enum {
	SMALL_BODY = 1000,
	BIG_BODY = 300000,   /* over a Unix socket's buffer: partial writes */
	POLLS_MAX = 200000,
};

static struct dg_ctl_server *srv[2];
static char sock_path[2][108];

struct bytes {
	char *p;
	size_t len, cap;
};

static void
put(struct bytes *b, const void *p, size_t n)
{
	if (n == 0)
		return;
	if (b->len + n > b->cap) {
		while (b->len + n > b->cap)
			b->cap = b->cap ? b->cap * 2 : 4096;
		b->p = realloc(b->p, b->cap);
		CHECK(b->p != NULL);
	}
	memcpy(b->p + b->len, p, n);
	b->len += n;
}

/*
 * The command a request names, as docs/control.md states the rules over the table
 * dg_ctl_cmds[]: command words, an optional leading --json where the command has JSON,
 * the argument count, key=value arguments after the first. NULL if none takes it.
 */
static const struct dg_ctl_cmd *
ref_command(int argc, char *const argv[], int *nwords, bool *json)
{
	for (int i = 0; i < DG_CTL_CMD_COUNT; i++) {
		const struct dg_ctl_cmd *c = &dg_ctl_cmds[i];
		int nw = c->sub != NULL ? 2 : 1, nargs;
		bool j;

		if (strcmp(argv[0], c->word) != 0 ||
		    (c->sub != NULL && (argc < 2 || strcmp(argv[1], c->sub) != 0)))
			continue;
		j = argc > nw && strcmp(argv[nw], "--json") == 0;
		if (j && !(c->flags & DG_CTL_CMD_F_JSON))
			return NULL;
		nargs = argc - nw - j;
		if (nargs < c->min_args || (c->max_args != UINT8_MAX && nargs > c->max_args))
			return NULL;
		for (int k = nw + j + 1; (c->flags & DG_CTL_CMD_F_KV) && k < argc; k++)
			if (argv[k][0] == '=' || strchr(argv[k], '=') == NULL)
				return NULL;
		*nwords = nw;
		*json = j;
		return c;
	}
	return NULL;
}

/* ---- the stub appliance: a fixed answer per command, exercising every reply path ---- */

/* A request whose answer the stub defers (DG_CTL_PENDING), and that answer. */
static struct {
	uint64_t token;          /* 0: none */
	int ret;
	struct dg_ctl_buf body;  /* made with the cap of the server's own body buffer */
	size_t max_body;
	char reason[DG_CTL_REASON_MAX];
} later;

static int
answer(const struct dg_ctl_cmd *cmd, const struct dg_ctl_request *req, int nw, bool json,
       struct dg_ctl_buf *body, char *reason, size_t rlen)
{
	char enc[DG_CTL_REQUEST_MAX + 1];
	int rc;

	switch (cmd->id) {
	case DG_CTL_CMD_STATUS:
		return dg_ctl_buf_printf(body, "version: fuzz\nuptime: %d\n", req->argc);
	case DG_CTL_CMD_STATS:
		return json ? dg_ctl_buf_printf(body, "{\"requests\": 1}") :
			      dg_ctl_buf_printf(body, "requests 1\n");
	case DG_CTL_CMD_RELOAD: {
		/* a body bigger than the socket buffer; over the small cap */
		static char big[BIG_BODY];

		if (big[0] == '\0')
			memset(big, 'r', sizeof(big));
		return dg_ctl_buf_append(body, big, sizeof(big));
	}
	case DG_CTL_CMD_ADD:
		/* the words back, encoded: what the client would have sent */
		rc = dg_ctl_encode(req->argc, req->argv, enc, sizeof(enc));
		if (rc < 0)
			return rc;
		return dg_ctl_buf_append(body, enc, (size_t)rc);
	case DG_CTL_CMD_DEL:
		/* control bytes in a reason must not break the status line */
		snprintf(reason, rlen, "no entry\n'%s'\r\x7f\tend", req->argv[1]);
		return -ENOENT;
	case DG_CTL_CMD_LOOKUP:
		return -ENOENT; /* no reason: strerror */
	case DG_CTL_CMD_ENTRIES:
	case DG_CTL_CMD_REJECTS:
		for (int i = 0; i < 64; i++)
			dg_ctl_buf_printf(body, "%s\n", req->argv[1]);
		return 0;
	case DG_CTL_CMD_AUDIT:
		return dg_ctl_buf_printf(body, "%d changes\n", req->argc - nw);
	case DG_CTL_CMD_OPTOUT_ADD:
		/* longer than a reason may be */
		memset(reason, 'x', rlen - 1);
		reason[rlen - 1] = '\0';
		return -EEXIST;
	case DG_CTL_CMD_OPTOUT_DEL:
		return -EBUSY;
	case DG_CTL_CMD_OPTOUT_LIST:
		for (int i = 0; i < 256; i++)
			dg_ctl_buf_append(body, &(char){ (char)i }, 1);
		return 0;
	case DG_CTL_CMD_LOG_ROTATE:
		return 0;
	case DG_CTL_CMD_VERSION:
		return dg_ctl_buf_printf(body, "dnsgate fuzz\n");
	default:
		CHECK(0);
	}
	return 0;
}

/*
 * The handler: dispatch as the appliance does, then a fixed answer per command. Through
 * the server (a token) reload, del and optout del answer later, as a reload would: the
 * answer is made now and given with dg_ctl_server_complete() a few polls on.
 */
static int
stub(void *ctx, const struct dg_ctl_request *req, struct dg_ctl_buf *body, char *reason,
     size_t rlen)
{
	const struct dg_ctl_cmd *cmd, *ref;
	int nw, ref_nw, rc;
	bool json, ref_json;

	(void)ctx;
	CHECK(req->argc >= 1 && req->argc <= DG_CTL_ARGS_MAX && req->argv[req->argc] == NULL);
	ref = ref_command(req->argc, req->argv, &ref_nw, &ref_json);
	rc = dg_ctl_cmd_check(req->argc, req->argv, &cmd, &nw, &json, reason, rlen);
	if (rc < 0) {
		CHECK(rc == -EINVAL && reason[0] != '\0' && ref == NULL);
		return rc;
	}
	CHECK(cmd == ref && nw == ref_nw && json == ref_json);
	if (req->token != 0 && (cmd->id == DG_CTL_CMD_RELOAD || cmd->id == DG_CTL_CMD_DEL ||
				cmd->id == DG_CTL_CMD_OPTOUT_DEL)) {
		/* one client, whose later requests wait: one pending request at a time */
		CHECK(later.token == 0);
		later.token = req->token;
		dg_ctl_buf_init(&later.body, later.max_body);
		later.reason[0] = '\0';
		later.ret = answer(cmd, req, nw, json, &later.body, later.reason,
				   sizeof(later.reason));
		return DG_CTL_PENDING;
	}
	return answer(cmd, req, nw, json, body, reason, rlen);
}

/* ---- reference tokenizer (docs/control.md, "Request") ---- */

static const char *
ref_parse(const char *s, size_t len, char words[][DG_CTL_REQUEST_MAX], int *n)
{
	enum { OUT, BARE, QUOTE } st = OUT;
	size_t w = 0;

	*n = 0;
	if (len >= DG_CTL_REQUEST_MAX)
		return "request too long";
	if (len > 0 && s[len - 1] == '\r')
		len--;
	for (size_t i = 0; i < len; i++) {
		unsigned char c = (unsigned char)s[i];

		if ((c < 0x20 && c != '\t') || c == 0x7f)
			return "control character in request";
	}
	for (size_t i = 0; i < len; i++) {
		char c = s[i];

		if (st == QUOTE) {
			if (c == '"') {
				st = BARE;
				continue;
			}
			if (c == '\\' && i + 1 < len && (s[i + 1] == '"' || s[i + 1] == '\\'))
				c = s[++i];
			words[*n - 1][w++] = c;
			continue;
		}
		if (c == ' ' || c == '\t') {
			if (st == BARE)
				words[*n - 1][w] = '\0';
			st = OUT;
			continue;
		}
		if (st == OUT) {
			if (*n == DG_CTL_ARGS_MAX)
				return "too many arguments";
			(*n)++;
			w = 0;
			st = BARE;
		}
		if (c == '"')
			st = QUOTE;
		else
			words[*n - 1][w++] = c;
	}
	if (st == QUOTE)
		return "unterminated quote";
	if (st == BARE)
		words[*n - 1][w] = '\0';
	return *n == 0 ? "empty request" : NULL;
}

/* Parse one request both ways; on success argv points into @p line. */
static const char *
parse_both(char *line, size_t len, char **argv, int *argc)
{
	static char words[DG_CTL_ARGS_MAX][DG_CTL_REQUEST_MAX];
	char copy[DG_CTL_REQUEST_MAX + 1];
	const char *why = NULL, *ref;
	int n, rc;

	ref = ref_parse(line, len, words, &n);
	rc = dg_ctl_parse(line, len, argv, DG_CTL_ARGS_MAX, argc, &why);
	if (ref != NULL) {
		CHECK(rc == -EINVAL && why != NULL && strcmp(why, ref) == 0);
		return why;
	}
	CHECK(rc == 0 && *argc == n);
	for (int i = 0; i < n; i++)
		CHECK(strcmp(argv[i], words[i]) == 0);
	/* encode and parse back */
	rc = dg_ctl_encode(n, argv, copy, sizeof(copy));
	CHECK(rc > 0 || rc == -EMSGSIZE);
	if (rc > 0) {
		char *back[DG_CTL_ARGS_MAX];
		int m;

		CHECK((size_t)rc <= DG_CTL_REQUEST_MAX && copy[rc - 1] == '\n' && copy[rc] == '\0');
		CHECK(dg_ctl_parse(copy, (size_t)rc - 1, back, DG_CTL_ARGS_MAX, &m, NULL) == 0);
		CHECK(m == n);
		for (int i = 0; i < n; i++)
			CHECK(strcmp(back[i], words[i]) == 0);
	}
	return NULL;
}

/* ---- the reply a request should get ---- */

static void
expect_err(struct bytes *out, const char *reason)
{
	size_t n = strnlen(reason, DG_CTL_REASON_MAX - 1);

	put(out, "ERR ", 4);
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)reason[i];

		put(out, c < 0x20 || c == 0x7f ? " " : &reason[i], 1);
	}
	put(out, "\n", 1);
}

static void
expect_reply(struct bytes *out, const char *req, size_t len, size_t max_body)
{
	static char line[DG_CTL_REQUEST_MAX + 2];
	char *argv[DG_CTL_ARGS_MAX + 1], reason[DG_CTL_REASON_MAX] = "", head[32];
	struct dg_ctl_request r = { 0 };
	struct dg_ctl_buf body;
	const char *why;
	int argc, rc;

	memcpy(line, req, len);
	line[len] = '\n';
	why = parse_both(line, len, argv, &argc);
	if (why != NULL) {
		expect_err(out, why);
		return;
	}
	argv[argc] = NULL;
	r.argc = argc;
	r.argv = argv;
	dg_ctl_buf_init(&body, max_body);
	rc = stub(NULL, &r, &body, reason, sizeof(reason));
	if (rc < 0)
		expect_err(out, reason[0] != '\0' ? reason : strerror(-rc));
	else if (dg_ctl_buf_error(&body) != 0)
		expect_err(out, dg_ctl_buf_error(&body) == -ENOBUFS ? "response too large" :
								   "out of memory");
	else {
		put(out, head, (size_t)snprintf(head, sizeof(head), "OK %zu\n", body.len));
		put(out, body.data, body.len);
	}
	dg_ctl_buf_fini(&body);
}

/* Replies for the whole byte stream, read the plain way. */
static void
expect_stream(struct bytes *out, const uint8_t *data, size_t size, size_t max_body)
{
	size_t pos = 0;

	while (pos < size) {
		size_t win = size - pos < DG_CTL_REQUEST_MAX ? size - pos : DG_CTL_REQUEST_MAX;
		const uint8_t *nl = memchr(data + pos, '\n', win);

		if (nl == NULL && size - pos >= DG_CTL_REQUEST_MAX) {
			expect_err(out, "request too long");
			return;
		}
		if (nl == NULL)
			nl = data + size;
		expect_reply(out, (const char *)data + pos, (size_t)(nl - data - pos), max_body);
		pos = (size_t)(nl - data) + 1;
	}
}

/* Framing as docs/control.md states it. */
static void
check_framing(const struct bytes *in)
{
	size_t pos = 0;

	while (pos < in->len) {
		const char *p = in->p + pos, *nl = memchr(p, '\n', in->len - pos);

		CHECK(nl != NULL);
		if (strncmp(p, "OK ", 3) == 0) {
			size_t body = 0;
			const char *d = p + 3;

			CHECK(d < nl && (*d != '0' || d + 1 == nl));
			for (; d < nl; d++) {
				CHECK(*d >= '0' && *d <= '9');
				body = body * 10 + (size_t)(*d - '0');
			}
			pos = (size_t)(nl - in->p) + 1 + body;
			CHECK(pos <= in->len);
		} else {
			CHECK(strncmp(p, "ERR ", 4) == 0);
			CHECK(nl - p - 4 >= 1 && nl - p - 4 <= DG_CTL_REASON_MAX - 1);
			for (const char *d = p + 4; d < nl; d++)
				CHECK((unsigned char)*d >= 0x20 && *d != 0x7f);
			pos = (size_t)(nl - in->p) + 1;
		}
	}
}

static void
close_servers(void)
{
	for (int i = 0; i < 2; i++)
		dg_ctl_server_close(srv[i]);
}

static void
setup(void)
{
	struct dg_ctl_server_conf conf;
	const char *dir = getenv("TMPDIR");
	char err[256];

	for (int i = 0; i < 2; i++) {
		snprintf(sock_path[i], sizeof(sock_path[i]), "%s/dg-fuzz-ctl-%d-%d.sock",
			 dir != NULL && dir[0] != '\0' ? dir : "/tmp", (int)getpid(), i);
		dg_ctl_server_conf_init(&conf);
		conf.path = sock_path[i];
		conf.mode = 0600;
		conf.max_clients = 2;
		conf.timeout_ms = 600000; /* a slow sanitizer run is not a client timeout */
		conf.max_body = i == 1 ? SMALL_BODY : 0;
		CHECK(dg_ctl_server_open(&conf, &srv[i], err, sizeof(err)) == 0);
	}
	atexit(close_servers);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const size_t chunks[] = { 1, 7, 64, 511, 4096, 4097, 65536, SIZE_MAX };
	static struct bytes want, got; /* storage kept from run to run */
	struct dg_ctl_server_stats st0, st1;
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	size_t chunk, sent = 0;
	bool shut = false, closed = false, eager, direct;
	int fd, s, polls = 0, served = 0, r;

	if (srv[0] == NULL)
		setup();
	if (size < 1)
		return 0;
	want.len = got.len = 0;
	/* at most ~64 sends: each costs a few system calls */
	chunk = chunks[data[0] & 7];
	chunk = chunk < size / 64 ? size / 64 : chunk;
	s = data[0] >> 3 & 1;
	eager = data[0] & 0x10;
	direct = data[0] & 0x20;
	data++;
	size--;
	later.max_body = s ? SMALL_BODY : DG_CTL_BODY_MAX_DEFAULT;
	expect_stream(&want, data, size, later.max_body);
	if (direct) {
		/* the parse and dispatch layer only: many more runs per second */
		check_framing(&want);
		return 0;
	}

	dg_ctl_server_get_stats(srv[s], &st0);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	CHECK(fd >= 0);
	memcpy(sa.sun_path, sock_path[s], strlen(sock_path[s]) + 1);
	CHECK(connect(fd, (struct sockaddr *)&sa, sizeof(sa)) == 0);
	while (!closed) {
		CHECK(++polls < POLLS_MAX);
		while (sent < size) {
			size_t n = size - sent < chunk ? size - sent : chunk;
			ssize_t w = send(fd, data + sent, n, MSG_NOSIGNAL | MSG_DONTWAIT);

			if (w < 0) {
				CHECK(errno == EAGAIN || errno == EPIPE || errno == ECONNRESET);
				if (errno != EAGAIN)
					sent = size; /* the server hung up (request too long) */
				break;
			}
			sent += (size_t)w;
			if (!eager)
				break;
		}
		if (sent == size && !shut) {
			shutdown(fd, SHUT_WR);
			shut = true;
		}
		r = dg_ctl_server_poll(srv[s], stub, NULL);
		CHECK(r >= 0);
		served += r;
		CHECK(dg_ctl_server_pending(srv[s]) == (later.token != 0));
		if (later.token != 0 && polls % 3 == 0) {
			CHECK(dg_ctl_server_complete(srv[s], later.token, later.ret,
						     later.ret == 0 ? &later.body : NULL,
						     later.reason[0] != '\0' ? later.reason : NULL) == 0);
			CHECK(dg_ctl_server_complete(srv[s], later.token, 0, NULL, NULL) == -ENOENT);
			dg_ctl_buf_fini(&later.body);
			later.token = 0;
		}
		for (;;) {
			char buf[65536];
			ssize_t n = recv(fd, buf, sizeof(buf), MSG_DONTWAIT);

			if (n > 0) {
				put(&got, buf, (size_t)n);
				CHECK(got.len <= want.len);
				continue;
			}
			CHECK(n == 0 || errno == EAGAIN || errno == ECONNRESET);
			closed = n == 0 || errno == ECONNRESET;
			break;
		}
	}
	close(fd);
	/* the server has let the client go */
	CHECK(dg_ctl_server_poll(srv[s], stub, NULL) == 0);
	CHECK(dg_ctl_server_clients(srv[s]) == 0 && dg_ctl_server_pending(srv[s]) == 0);

	CHECK(got.len == want.len && (got.len == 0 || memcmp(got.p, want.p, got.len) == 0));
	check_framing(&got);
	dg_ctl_server_get_stats(srv[s], &st1);
	CHECK(st1.accepted == st0.accepted + 1 && st1.denied == st0.denied);
	CHECK(st1.timeouts == st0.timeouts && st1.full == st0.full);
	CHECK(st1.requests - st0.requests == (uint64_t)served + (st1.too_long - st0.too_long));
	return 0;
}
