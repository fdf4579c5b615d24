/* The dashboard's files (see web.h) and GET / and GET /assets/NAME. */
#include "server/web.h"

#include <dirent.h>
#include <errno.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

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

static const char *type_of(const char *name)
{
	size_t n = strlen(name);
	for (size_t i = 0; i < sizeof types / sizeof types[0]; i++) {
		size_t m = strlen(types[i].ext);
		if (n > m && strcmp(name + n - m, types[i].ext) == 0)
			return types[i].type;
	}
	return NULL;
}

static int add(struct web_files *w, size_t *cap, const char *file, const char *path,
	       const char *cache_control, struct wq_error *e)
{
	const char *type = type_of(file);
	if (!type)
		return err_set(e, "S1303", "the dashboard file \"%s\" is of no type it serves",
			       file);
	FILE *f = fopen(file, "rb");
	if (!f)
		return err_set(e, "S1303", "could not read the dashboard file \"%s\": %s", file,
			       strerror(errno));
	struct strbuf sb;
	char buf[65536];
	size_t got;
	sb_init(&sb);
	while ((got = fread(buf, 1, sizeof buf, f)) > 0)
		sb_put(&sb, buf, got);
	fclose(f);
	xgrow((void **)&w->files, cap, w->n + 1, sizeof *w->files);
	struct web_file *wf = &w->files[w->n++];
	wf->path = xstrdup(path);
	wf->content_type = type;
	wf->cache_control = cache_control;
	wf->body = sb.data ? sb.data : xstrdup("");
	wf->len = sb.len;
	/* A strong validator of the content, so a reload after a new build sees it at once. */
	unsigned char h[16];
	crypto_generichash(h, sizeof h, (const unsigned char *)wf->body, wf->len, NULL, 0);
	wf->etag[0] = '"';
	sodium_bin2hex(wf->etag + 1, 33, h, sizeof h);
	strcat(wf->etag, "\"");
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
	snprintf(file, sizeof file, "%s/assets", dir);
	DIR *d = opendir(file);
	if (!d) {
		err_set(e, "S1303", "could not read the dashboard's assets \"%s\": %s", file,
			strerror(errno));
		goto fail;
	}
	struct dirent *de;
	while ((de = readdir(d))) {
		if (de->d_name[0] == '.')
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
		free(w->files[i].body);
	}
	free(w->files);
	memset(w, 0, sizeof *w);
}

void web_get(struct http_request *req, struct http_response *resp)
{
	const struct server *srv = http_app(req);
	const struct web_file *f = web_find(&srv->web, http_path(req));
	if (!f) {
		http_problem(resp, 404, "H1404", "no such file",
			     srv->web.n ? NULL : "The dashboard is not built.",
			     srv->web.n ? NULL : "Run make (it bundles web/ into [paths] web).");
		return;
	}
	resp->cache_control = f->cache_control;
	resp->etag = f->etag;
	resp->csp = WEB_CSP;
	const char *inm = http_header(req, "If-None-Match");
	if (inm && strstr(inm, f->etag)) {
		http_text(resp, 304, f->content_type, "", 0);
		return;
	}
	http_text(resp, 200, f->content_type, f->body, f->len);
}
