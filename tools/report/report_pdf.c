/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * --format pdf: the HTML report printed by headless Chromium (Debian's chromium). The
 * page is written to a private temporary directory, printed there and checked, then
 * copied out, so a failure leaves no half PDF behind.
 */
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <signal.h>
#include <spawn.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "report.h"

extern char **environ;

enum {
	PDF_TIMEOUT_S = 120,    /* a page of tables prints in seconds; a hung browser ends */
	PDF_LOG_TAIL = 2000,    /* bytes of Chromium's output shown when it fails */
};

static int
rm_one(const char *p, const struct stat *sb, int flag, struct FTW *ftw)
{
	(void)sb;
	(void)flag;
	(void)ftw;
	remove(p);
	return 0;
}

/* @p name as given if it holds a '/', else the first match in PATH; malloc'd or NULL. */
static char *
find_exe(const char *name)
{
	const char *path = getenv("PATH");
	char *buf;
	size_t len;

	if (strchr(name, '/') != NULL)
		return access(name, X_OK) == 0 ? strdup(name) : NULL;
	if (path == NULL)
		path = "/usr/bin:/bin";
	len = strlen(path) + strlen(name) + 2;
	if ((buf = malloc(len)) == NULL)
		return NULL;
	for (const char *p = path; *p; p += *p == ':') {
		size_t n = strcspn(p, ":");

		snprintf(buf, len, "%.*s/%s", (int)n, n ? p : ".", name);
		if (access(buf, X_OK) == 0)
			return buf;
		p += n;
	}
	free(buf);
	return NULL;
}

/* file:// URL of an absolute path, bytes outside the unreserved set %-escaped. */
static void
file_url(const char *path, char *url, size_t len)
{
	size_t n = snprintf(url, len, "file://");

	for (; *path && n + 4 < len; path++) {
		unsigned char c = (unsigned char)*path;

		if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
		    strchr("/._-~", c) != NULL)
			url[n++] = (char)c;
		else
			n += (size_t)snprintf(url + n, len - n, "%%%02X", c);
	}
	url[n] = '\0';
}

/* Run Chromium in its own process group; 0 when it exits 0 within the time limit. */
static int
run(char *const argv[], const char *log, const char *exe)
{
	posix_spawn_file_actions_t fa;
	posix_spawnattr_t at;
	struct timespec tick = { 0, 50 * 1000 * 1000 };
	time_t deadline = time(NULL) + PDF_TIMEOUT_S;
	int st = 0, rc;
	pid_t pid, w;

	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0);
	posix_spawn_file_actions_addopen(&fa, 1, log, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	posix_spawn_file_actions_adddup2(&fa, 1, 2);
	posix_spawnattr_init(&at);
	posix_spawnattr_setflags(&at, POSIX_SPAWN_SETPGROUP);
	posix_spawnattr_setpgroup(&at, 0);
	rc = posix_spawn(&pid, argv[0], &fa, &at, argv, environ);
	posix_spawn_file_actions_destroy(&fa);
	posix_spawnattr_destroy(&at);
	if (rc != 0) {
		fprintf(stderr, "dnsgate-report: cannot run %s: %s\n", exe, strerror(rc));
		return -1;
	}
	while ((w = waitpid(pid, &st, WNOHANG)) == 0 || (w < 0 && errno == EINTR)) {
		if (time(NULL) > deadline) {
			kill(-pid, SIGKILL);
			waitpid(pid, &st, 0);
			fprintf(stderr, "dnsgate-report: %s did not print the page within %d s\n",
				exe, PDF_TIMEOUT_S);
			return -1;
		}
		nanosleep(&tick, NULL);
	}
	kill(-pid, SIGKILL); /* helpers it may have left behind */
	if (w == pid && WIFEXITED(st) && WEXITSTATUS(st) == 0)
		return 0;
	if (w == pid && WIFSIGNALED(st))
		fprintf(stderr, "dnsgate-report: %s killed by signal %d\n", exe, WTERMSIG(st));
	else
		fprintf(stderr, "dnsgate-report: %s failed (exit status %d)\n", exe,
			w == pid && WIFEXITED(st) ? WEXITSTATUS(st) : -1);
	return -1;
}

static void
show_log(const char *log)
{
	char buf[PDF_LOG_TAIL + 1];
	FILE *f = fopen(log, "r");
	size_t n;

	if (f == NULL)
		return;
	if (fseek(f, 0, SEEK_END) == 0 && ftell(f) > PDF_LOG_TAIL)
		fseek(f, -PDF_LOG_TAIL, SEEK_END);
	else
		rewind(f);
	n = fread(buf, 1, PDF_LOG_TAIL, f);
	buf[n] = '\0';
	fclose(f);
	if (n > 0)
		fprintf(stderr, "dnsgate-report: Chromium said:\n%s%s", buf,
			buf[n - 1] == '\n' ? "" : "\n");
}

/* Copy the PDF at @p src to @p out (NULL: stdout) if it is one. */
static int
copy_pdf(const char *src, const char *out)
{
	char buf[65536];
	FILE *in = fopen(src, "rb"), *o;
	size_t n;
	int rc = 0;

	if (in == NULL || fread(buf, 1, 5, in) != 5 || memcmp(buf, "%PDF-", 5) != 0) {
		fprintf(stderr, "dnsgate-report: Chromium made no PDF\n");
		if (in != NULL)
			fclose(in);
		return -1;
	}
	o = out != NULL ? fopen(out, "wb") : stdout;
	if (o == NULL) {
		fprintf(stderr, "dnsgate-report: %s: %s\n", out, strerror(errno));
		fclose(in);
		return -1;
	}
	n = 5;
	do {
		if (fwrite(buf, 1, n, o) != n)
			rc = -1;
	} while (rc == 0 && (n = fread(buf, 1, sizeof(buf), in)) > 0);
	if (ferror(in) || fflush(o) != 0)
		rc = -1;
	fclose(in);
	if (out != NULL && fclose(o) != 0)
		rc = -1;
	if (rc != 0)
		fprintf(stderr, "dnsgate-report: writing %s failed\n", out ? out : "stdout");
	return rc;
}

int
rp_write_pdf(const struct rp_report *r, const char *out, const char *chromium)
{
	const char *tmp = getenv("TMPDIR");
	char dir[512], html[600], pdf[600], log[600], profile[600], url[2048];
	char opt_pdf[640], opt_profile[640];
	char *exe = chromium ? find_exe(chromium) : find_exe("chromium");
	FILE *f;
	int rc = -1;

	if (exe == NULL && chromium == NULL)
		exe = find_exe("chromium-browser");
	if (exe == NULL) {
		fprintf(stderr, "dnsgate-report: --format pdf needs Chromium: %s%s\n",
			chromium ? chromium : "no chromium or chromium-browser in PATH",
			chromium ? " is not an executable" : " (apt-get install chromium, or"
			" --chromium PATH)");
		return -1;
	}
	snprintf(dir, sizeof(dir), "%s/dnsgate-report.XXXXXX", tmp && *tmp ? tmp : "/tmp");
	if (mkdtemp(dir) == NULL) {
		fprintf(stderr, "dnsgate-report: %s: %s\n", dir, strerror(errno));
		free(exe);
		return -1;
	}
	snprintf(html, sizeof(html), "%s/report.html", dir);
	snprintf(pdf, sizeof(pdf), "%s/report.pdf", dir);
	snprintf(log, sizeof(log), "%s/chromium.log", dir);
	snprintf(profile, sizeof(profile), "%s/profile", dir);
	snprintf(opt_pdf, sizeof(opt_pdf), "--print-to-pdf=%s", pdf);
	snprintf(opt_profile, sizeof(opt_profile), "--user-data-dir=%s", profile);
	file_url(html, url, sizeof(url));
	if ((f = fopen(html, "w")) != NULL) {
		rc = rp_write_html(r, f);
		if (fclose(f) != 0)
			rc = -1;
	}
	if (rc != 0) {
		fprintf(stderr, "dnsgate-report: writing %s failed\n", html);
	} else {
		/* Offline and quiet: no sandbox (root), no GPU, nothing fetched or synced. */
		char *const argv[] = { exe, "--headless", "--no-sandbox", "--disable-gpu",
			"--disable-dev-shm-usage", "--no-first-run", "--no-default-browser-check",
			"--disable-background-networking", "--disable-component-update",
			"--disable-sync", "--disable-extensions", "--no-pdf-header-footer",
			opt_profile, opt_pdf, url, NULL };

		rc = run(argv, log, exe);
		rc = rc ?: copy_pdf(pdf, out);
		if (rc != 0)
			show_log(log);
	}
	nftw(dir, rm_one, 16, FTW_DEPTH | FTW_PHYS);
	free(exe);
	return rc;
}
