/* What wiqaya-server's handlers share (the core's application pointer, http_app()): its
 * configuration, code lists and indicator definitions, loaded once at start. */
#ifndef WQ_SERVER_H
#define WQ_SERVER_H

#include "common/codelist.h"
#include "common/config.h"
#include "server/indicator.h"

struct server {
	const struct wq_config *cfg;
	struct codelists lists;
	struct indicators indicators;
};

#endif
