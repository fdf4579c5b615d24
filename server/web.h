/* The dashboard's files (web/, bundled by make into [paths] web): read once at start and
 * served from memory at /, /embed (the one-chart page) and /assets/NAME, each with its
 * content type, an ETag, and the page's Content-Security-Policy. The page's own state lives in the
 * URL's fragment, which never reaches the server. docs/dashboard.md. */
#ifndef WQ_WEB_H
#define WQ_WEB_H

#include <stddef.h>

#include "common/error.h"

struct web_body {
	char *data, etag[48];
	size_t len;
};

struct web_file {
	char *path; /* as requested: "/", "/embed" or "/assets/NAME" */
	const char *content_type, *cache_control;
	struct web_body plain, gzip; /* gzip: NAME.gz as built, or no data */
};

struct web_files {
	struct web_file *files;
	size_t n;
	char *embed_csp; /* the page's policy for /embed, framing allowed; NULL: no /embed */
};

/* Reads DIR's index.html and every file of DIR/assets, each with its precompressed NAME.gz
 * when the build made one (served to a browser that accepts gzip). A missing DIR is no
 * error (the server answers its API without a dashboard, and / says how to build it); an
 * unreadable file or one of an unknown type is S1303. */
int web_load(struct web_files *w, const char *dir, struct wq_error *e);
/* /embed: the same page, one chart, for other sites to frame (docs/dashboard.md): its
 * policy allows framing by ANCESTORS ([server] embed_ancestors, a CSP source list: "*",
 * or origins such as "https://ministry.example"; empty: /embed answers 404). Anything but
 * letters, digits, spaces and the characters of an origin or a wildcard is S1304. */
int web_embed(struct web_files *w, const char *ancestors, struct wq_error *e);
const struct web_file *web_find(const struct web_files *w, const char *path);
void web_free(struct web_files *w);

/* The policy of the page: its own scripts, styles, fonts and API, nothing else; images
 * from data: and blob: URLs are the charts' PNG downloads. */
#define WEB_CSP_BASE                                                                               \
	"default-src 'none'; script-src 'self'; style-src 'self'; font-src 'self'; "               \
	"img-src 'self' data: blob:; connect-src 'self'; base-uri 'none'; form-action "            \
	"'none'; frame-ancestors "
#define WEB_CSP WEB_CSP_BASE "'none'"

#endif
