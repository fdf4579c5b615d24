/* The dashboard's files (see web.h) and GET / and GET /assets/NAME. */
#include "server/web.h"

#include <dirent.h>
#include <errno.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common/log.h"
#include "common/strbuf.h"
#include "common/xalloc.h"
#include "server/routes.h"
#include "server/server.h"

static const struct {
	const char *ext, *type;
} types[] = {
    {".html", "text/html; charset=utf-8"},
    {".js", "text/javascript; charset=utf-8"},
    {".css", "text/css; charset=utf-8"},
    {".woff2", "font/woff2"},
    {".svg", "image/svg+xml"},
    {".png", "image/png"},
    {".ico", "image/x-icon"},
    {".txt", "text/plain; charset=utf-8"},
};

static int ends_with(const char *name, const char *suffix)
{
	size_t n = strlen(name), m = strlen(suffix);
	return n > m && strcmp(name + n - m, suffix) == 0;
}

static const char *type_of(const char *name)
{
	for (size_t i = 0; i < sizeof types / sizeof types[0]; i++)
		if (ends_with(name, types[i].ext))
			return types[i].type;
	return NULL;
}

/* The whole of FILE into b, with a strong validator of its content (a reload after a new
 * build sees it at once); SUFFIX tells the gzip variant's ETag apart. 1 read, 0 no such
 * file, -1 unreadable. */
static int slurp(const char *file, const char *suffix, struct web_body *b, struct wq_error *e)
{
	struct strbuf sb;
	sb_init(&sb);
	if (sb_read_file(&sb, file) < 0) {
		int err = errno;
		sb_free(&sb);
		return err == ENOENT
			   ? 0
			   : err_set(e, "S1303", "could not read the dashboard file \"%s\": %s",
				     file, strerror(err));
	}
	b->data = sb.data ? sb.data : xstrdup("");
	b->len = sb.len;
	unsigned char h[16];
	char hex[33];
	crypto_generichash(h, sizeof h, (const unsigned char *)b->data, b->len, NULL, 0);
	sodium_bin2hex(hex, sizeof hex, h, sizeof h);
	snprintf(b->etag, sizeof b->etag, "\"%s%s\"", hex, suffix);
	return 1;
}

static int add(struct web_files *w, size_t *cap, const char *file, const char *path,
	       const char *cache_control, struct wq_error *e)
{
	const char *type = type_of(file);
	if (!type)
		return err_set(e, "S1303", "the dashboard file \"%s\" is of no type it serves",
			       file);
	struct web_file wf = {.content_type = type, .cache_control = cache_control};
	char gz[4200];
	snprintf(gz, sizeof gz, "%s.gz", file);
	int got = slurp(file, "", &wf.plain, e);
	if (got <= 0)
		return got < 0 ? -1
			       : err_set(e, "S1303", "the dashboard file \"%s\" is gone", file);
	if (slurp(gz, "-gz", &wf.gzip, e) < 0) {
		free(wf.plain.data);
		return -1;
	}
	wf.path = xstrdup(path);
	xgrow((void **)&w->files, cap, w->n + 1, sizeof *w->files);
	w->files[w->n++] = wf;
	return 0;
}

int web_load(struct web_files *w, const char *dir, struct wq_error *e)
{
	memset(w, 0, sizeof *w);
	size_t cap = 0;
	char file[4096], path[1024];
	snprintf(file, sizeof file, "%s/index.html", dir);
	FILE *probe = fopen(file, "rb");
	if (!probe) {
		log_warning("no dashboard at %s (make builds it): / answers 404", dir);
		return 0;
	}
	fclose(probe);
	/* The page itself is revalidated at every load; the assets it names carry their
	 * content's hash in their names (web/build.mjs), so a browser may keep them. */
	if (add(w, &cap, file, "/", "no-cache", e) < 0)
		goto fail;
	/* The one-chart page, marked so in its own bytes (web/build.mjs). */
	snprintf(file, sizeof file, "%s/embed.html", dir);
	if (access(file, R_OK) == 0 && add(w, &cap, file, "/embed", "no-cache", e) < 0)
		goto fail;
	snprintf(file, sizeof file, "%s/assets", dir);
	DIR *d = opendir(file);
	if (!d) {
		err_set(e, "S1303", "could not read the dashboard's assets \"%s\": %s", file,
			strerror(errno));
		goto fail;
	}
	struct dirent *de;
	while ((de = readdir(d))) {
		/* NAME.gz is the compressed twin of NAME, not a file of its own. */
		if (de->d_name[0] == '.' || ends_with(de->d_name, ".gz"))
			continue;
		snprintf(file, sizeof file, "%s/assets/%s", dir, de->d_name);
		snprintf(path, sizeof path, "/assets/%s", de->d_name);
		if (add(w, &cap, file, path, "public, max-age=31536000, immutable", e) < 0) {
			closedir(d);
			goto fail;
		}
	}
	closedir(d);
	return 0;
fail:
	web_free(w);
	return -1;
}

int web_embed(struct web_files *w, const char *ancestors, struct wq_error *e)
{
	free(w->embed_csp);
	w->embed_csp = NULL;
	if (!ancestors || !ancestors[0])
		return 0;
	size_t n = strlen(ancestors);
	if (n > 1000 || strspn(ancestors, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
					  "0123456789 :/*.-'[]") != n)
		return err_set(e, "S1304",
			       "[server] embed_ancestors is not a list of origins (\"*\", "
			       "\"https://site.example\"...)");
	size_t len = sizeof WEB_CSP_BASE + n;
	w->embed_csp = xmalloc(len);
	snprintf(w->embed_csp, len, "%s%s", WEB_CSP_BASE, ancestors);
	return 0;
}

const struct web_file *web_find(const struct web_files *w, const char *path)
{
	for (size_t i = 0; i < w->n; i++)
		if (strcmp(w->files[i].path, path) == 0)
			return &w->files[i];
	return NULL;
}

void web_free(struct web_files *w)
{
	for (size_t i = 0; i < w->n; i++) {
		free(w->files[i].path);
		free(w->files[i].plain.data);
		free(w->files[i].gzip.data);
	}
	free(w->files);
	free(w->embed_csp);
	memset(w, 0, sizeof *w);
}

void web_get(struct http_request *req, struct http_response *resp)
{
	const struct server *srv = http_app(req);
	/* /embed, the one-chart page, under the policy that lets other sites frame it (when
	 * [server] embed_ancestors names any). */
	int embed = strcmp(http_path(req), "/embed") == 0;
	const struct web_file *f =
	    embed && !srv->web.embed_csp ? NULL : web_find(&srv->web, http_path(req));
	if (!f) {
		http_problem(resp, 404, "H1404", "no such file",
			     srv->web.n ? NULL : "The dashboard is not built.",
			     srv->web.n ? NULL : "Run make (it bundles web/ into [paths] web).");
		return;
	}
	/* The compressed twin to a browser that takes gzip (any q but 0: they all do). */
	const char *ae = http_header(req, "Accept-Encoding");
	int gzip = f->gzip.data && ae && strstr(ae, "gzip") && !strstr(ae, "gzip;q=0");
	const struct web_body *b = gzip ? &f->gzip : &f->plain;
	resp->cache_control = f->cache_control;
	resp->etag = b->etag;
	resp->csp = embed ? srv->web.embed_csp : WEB_CSP;
	resp->vary = f->gzip.data ? "Accept-Encoding" : NULL;
	resp->content_encoding = gzip ? "gzip" : NULL;
	const char *inm = http_header(req, "If-None-Match");
	if (inm && strstr(inm, b->etag)) {
		http_text(resp, 304, f->content_type, "", 0);
		return;
	}
	http_text(resp, 200, f->content_type, b->data, b->len);
}
