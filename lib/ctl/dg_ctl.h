/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef DG_CTL_H
#define DG_CTL_H

/**
 * @file
 * Control protocol (docs/control.md): one request line, `command args...\n`, at most
 * DG_CTL_REQUEST_MAX bytes with its newline; the answer is either `OK <len>\n` followed
 * by exactly <len> body bytes, or `ERR <reason>\n` with no body.
 *
 * Words are separated by spaces or tabs. A word may be wrapped in double quotes, inside
 * which `\"` and `\\` stand for `"` and `\`; outside quotes a backslash is an ordinary
 * character, so DNS presentation escapes such as `a\.b` pass through unchanged.
 *
 * This header holds what server, client and appliance share: the response buffer, the
 * request parser/encoder and the command table. See dg_ctl_server.h and dg_ctl_client.h.
 */

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/** Longest request line, counting its terminating '\n'. */
#define DG_CTL_REQUEST_MAX 4096
/** Most words in one request (command words included). */
#define DG_CTL_ARGS_MAX 64
/** Longest ERR reason sent (longer ones are cut). */
#define DG_CTL_REASON_MAX 512
/** Default cap on one response body. */
#define DG_CTL_BODY_MAX_DEFAULT (16u << 20)

/**
 * Growable byte buffer for a response body, with a sticky error: once an append fails,
 * later appends do nothing and dg_ctl_buf_error() reports why. Control path only.
 */
struct dg_ctl_buf {
	char *data;     /**< bytes, not NUL-terminated */
	size_t len;     /**< bytes used */
	size_t cap;     /**< bytes allocated */
	size_t max;     /**< most bytes allowed (0 = DG_CTL_BODY_MAX_DEFAULT) */
	int err;        /**< 0, -ENOBUFS (over max) or -ENOMEM */
};

/** Empty buffer holding at most @p max bytes (0 = default). Allocates nothing yet. */
void dg_ctl_buf_init(struct dg_ctl_buf *b, size_t max);

/** Release the storage; the buffer is then empty and may be reused. */
void dg_ctl_buf_fini(struct dg_ctl_buf *b);

/** Drop the contents and the sticky error, keep the storage. */
void dg_ctl_buf_reset(struct dg_ctl_buf *b);

/** Append bytes. @return 0, -ENOBUFS (would exceed max) or -ENOMEM; sticky. */
int dg_ctl_buf_append(struct dg_ctl_buf *b, const void *data, size_t len);

/** Append formatted text. @return as dg_ctl_buf_append(), or -EINVAL (bad format). */
int dg_ctl_buf_printf(struct dg_ctl_buf *b, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/** Append formatted text from a va_list. @return as dg_ctl_buf_printf(). */
int dg_ctl_buf_vprintf(struct dg_ctl_buf *b, const char *fmt, va_list ap)
	__attribute__((format(printf, 2, 0)));

/** The sticky error: 0, -ENOBUFS or -ENOMEM. */
static inline int
dg_ctl_buf_error(const struct dg_ctl_buf *b)
{
	return b->err;
}

/**
 * Split one request line in place into words.
 *
 * @param line    The request without its '\n' (a trailing '\r' is dropped); modified
 *                in place, and line[len] (where the '\n' was) must be writable.
 * @param len     Bytes in @p line.
 * @param argv    Receives pointers into @p line, NUL-terminated words.
 * @param max     Room in @p argv (at most DG_CTL_ARGS_MAX is useful).
 * @param argc    Receives the word count (>= 1 on success).
 * @param reason  On failure, a static reason text.
 * @return 0, or -EINVAL: empty request, line over DG_CTL_REQUEST_MAX - 1 bytes,
 *         NUL or other control byte, unterminated quote, more than @p max words.
 *         (Text right after a closing quote continues the word: `a"b c"d` is `ab cd`.)
 */
int dg_ctl_parse(char *line, size_t len, char **argv, int max, int *argc,
	const char **reason);

/**
 * Encode words as one request line (with '\n'): words that are empty or hold blanks or
 * quotes are quoted (with '"' and '\' escaped inside); others, backslashes included,
 * travel bare. Control bytes are refused. dg_ctl_parse() gives the words back.
 *
 * @return bytes written (without a terminating NUL, which is also written), -EINVAL
 *         (no words, a control byte, more than DG_CTL_ARGS_MAX words) or -EMSGSIZE
 *         (over DG_CTL_REQUEST_MAX or @p size).
 */
int dg_ctl_encode(int argc, char *const argv[], char *buf, size_t size);

/** Identifiers of the commands the appliance serves. */
enum dg_ctl_cmd_id {
	DG_CTL_CMD_STATUS,
	DG_CTL_CMD_STATS,
	DG_CTL_CMD_RELOAD,
	DG_CTL_CMD_ADD,
	DG_CTL_CMD_DEL,
	DG_CTL_CMD_LOOKUP,
	DG_CTL_CMD_ENTRIES,
	DG_CTL_CMD_REJECTS,
	DG_CTL_CMD_OPTOUT_ADD,
	DG_CTL_CMD_OPTOUT_DEL,
	DG_CTL_CMD_OPTOUT_LIST,
	DG_CTL_CMD_LOG_ROTATE,
	DG_CTL_CMD_AUDIT,
	DG_CTL_CMD_VERSION,
	DG_CTL_CMD_QUARANTINE_ADD,
	DG_CTL_CMD_QUARANTINE_DEL,
	DG_CTL_CMD_QUARANTINE_LIST,
	DG_CTL_CMD_COUNT,
};

/** Command flags. */
enum dg_ctl_cmd_flag {
	DG_CTL_CMD_F_JSON = 1u << 0,   /**< takes an optional `--json` as its first argument */
	DG_CTL_CMD_F_KV = 1u << 1,     /**< arguments after the first are `key=value` */
	DG_CTL_CMD_F_CHANGE = 1u << 2, /**< changes the appliance: recorded in the audit log */
};

/** One command: its words, argument count and usage, shared by client and server. */
struct dg_ctl_cmd {
	enum dg_ctl_cmd_id id;
	const char *word;       /**< e.g. "optout" */
	const char *sub;        /**< e.g. "add", or NULL */
	uint8_t min_args;       /**< after the command words, `--json` not counted */
	uint8_t max_args;       /**< UINT8_MAX = no limit */
	uint8_t flags;          /**< enum dg_ctl_cmd_flag */
	const char *usage;      /**< e.g. "optout add PREFIX" */
	const char *help;       /**< one line */
};

/** The command table, DG_CTL_CMD_COUNT entries in enum dg_ctl_cmd_id order. */
extern const struct dg_ctl_cmd dg_ctl_cmds[DG_CTL_CMD_COUNT];

/**
 * Find the command for a request and check its arguments.
 *
 * @param argc, argv  The request words.
 * @param cmd         Receives the command.
 * @param nwords      Receives how many of @p argv are command words (1 or 2).
 * @param json        Receives whether `--json` was given (may be NULL). The command's
 *                    own arguments are argv[nwords + json] .. argv[argc - 1].
 * @param reason      On failure: `unknown command 'x'`, `usage: ...`, `'x' has no JSON
 *                    output`, `'v' is not key=value (usage: ...)`.
 * @param rlen        Size of @p reason.
 * @return 0, or -EINVAL (unknown command or wrong arguments).
 */
int dg_ctl_cmd_check(int argc, char *const argv[], const struct dg_ctl_cmd **cmd,
	int *nwords, bool *json, char *reason, size_t rlen);

#ifdef __cplusplus
}
#endif

#endif /* DG_CTL_H */
