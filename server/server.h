/* What wiqaya-server's handlers share (the core's application pointer, http_app()): its
 * configuration, code lists, indicator definitions, standard populations, unit costs, keys, the
 * public tables, the protection layer, the audit writer and the dashboard's files, set up once
 * at start. */
#ifndef WQ_SERVER_H
#define WQ_SERVER_H

#include "common/codelist.h"
#include "common/config.h"
#include "server/audit.h"
#include "server/indicator.h"
#include "server/keyring.h"
#include "server/protect.h"
#include "server/cost.h"
#include "server/public.h"
#include "server/standard.h"
#include "server/web.h"

struct server {
	const struct wq_config *cfg;
	struct codelists lists;
	struct indicators indicators;
	struct standards standards;
	struct costs costs;
	char *openapi; /* docs/openapi.yaml as JSON text */
	struct keyring keys;
	struct public_tables public;
	struct protector protector;
	struct audit *audit;
	struct web_files web; /* the dashboard */
};

#endif
