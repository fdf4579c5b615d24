# Wiqaya: one Makefile, flat source lists, -MMD dependencies, quiet unless V=1.

CC      ?= cc
BUILD   ?= build
BIN      = $(BUILD)/bin
PKGS     = libpq libsodium jansson libmicrohttpd libseccomp gsl libutf8proc inih zlib icu-uc icu-i18n yaml-0.1 xlsxwriter
OPT     ?= -O2 -g
WARN     = -Wall -Wextra -Wshadow -Wmissing-prototypes -Wstrict-prototypes \
           -Wwrite-strings -Wpointer-arith -Wno-missing-field-initializers \
           -Wno-format-truncation  # snprintf truncation is deliberate (bounded messages)
ifdef CI
WARN    += -Werror
endif
ifneq ($(findstring clang,$(CC)),)
WARN    += -Wno-unknown-warning-option # clang (make fuzz) knows no -Wformat-truncation
endif
CFLAGS  += -std=c11 $(OPT) $(WARN) $(SAN) -MMD -MP $(shell pkg-config --cflags $(PKGS) 2>/dev/null)
CPPFLAGS += -I. -D_GNU_SOURCE
LDFLAGS += $(SAN) -Wl,--as-needed
# Each program links the libraries it uses, and no other (ldd shows it).
libs       = $(shell pkg-config --libs $(1) 2>/dev/null)
STATS_LIBS = $(call libs,gsl jansson) -lm
SYNTH_LIBS = $(call libs,jansson) -lm -lpthread
SERVER_LIBS = $(call libs,libpq libsodium jansson libmicrohttpd libseccomp gsl inih yaml-0.1 xlsxwriter) -lcsv -lm \
              -lpthread
ETL_LIBS   = $(call libs,libpq libsodium jansson libmicrohttpd libseccomp libutf8proc inih zlib icu-i18n icu-uc) \
             -lcsv -lm -lpthread
# Tests, tools and benchmarks link the libraries of every program (benchmarks the
# synthetic country's names too).
ALL_LIBS   = $(call libs,$(PKGS)) -lcsv -lm -lpthread

ifeq ($(V),1)
Q =
say =
else
Q = @
say = @printf '  %-6s %s\n' $(1) $(2);
endif

# BASE: what the pure statistics need (errors, allocation, strings); DATA: the contract's
# pure tables and arithmetic, which the synthetic country shares with the loader (a
# child's attributes, the CSV layout, months); COMMON: the rest of what every service
# shares (configuration, log, database, code lists).
BASE_SRC   = common/error.c common/xalloc.c common/strbuf.c common/clock.c common/cores.c
DATA_SRC   = common/attribute.c common/csv_layout.c common/month.c
COMMON_SRC = common/config.c common/log.c common/db.c common/codelist.c common/cli.c \
             common/keyfile.c common/token.c common/audit_chain.c common/copy.c
# The HTTP core (libmicrohttpd), for the programs that serve.
HTTP_SRC   = common/http.c common/front.c common/sandbox.c common/metrics.c common/rate.c common/version.c
# wiqaya-etl: the command table and a file a command; below it one folder a subsystem.
ETL_SRC    = etl/main.c etl/cmd_keys.c etl/cmd_migrate.c etl/cmd_load.c etl/cmd_refresh.c \
             etl/cmd_withdraw.c etl/cmd_rekey.c etl/cmd_retention.c etl/cmd_serve.c etl/cmd_quality.c \
             etl/cmd_approve.c \
             etl/pseudonym/keys.c etl/pseudonym/keyed_hash.c etl/pseudonym/normalise.c \
             etl/pseudonym/latin_ascii.c etl/pseudonym/pseudonym.c \
             etl/load/record.c etl/load/csv_reader.c etl/load/input.c etl/load/loader.c \
             etl/load/batch.c etl/load/chunk.c etl/load/linkage.c etl/load/population.c \
             etl/load/refresher.c etl/load/rebuild.c etl/load/withdraw.c \
             etl/intake/intake_routes.c etl/intake/intake_cases.c etl/intake/intake_batch.c \
             etl/intake/intake_quality.c etl/intake/intake_approvals.c \
             etl/intake/intake_population.c etl/intake/intake_health.c etl/intake/committer.c \
             etl/intake/json_scan.c etl/intake/spool.c \
             etl/ops/migrate.c etl/ops/rekey.c etl/ops/retention.c etl/ops/quality.c \
             etl/ops/approval.c
# wiqaya-synth: the synthetic country, apart from the key.
SYNTH_SRC  = synth/main.c synth/synth.c synth/synth_names.c
STATS_LIB  = stats/proportion.c stats/quantile.c stats/poisson.c stats/table.c stats/glm.c \
             stats/trend.c stats/survival.c stats/survey.c stats/padjust.c stats/mse.c stats/nowcast.c \
             stats/outlier.c stats/draw.c
# Disclosure arithmetic: pure, but keyed (libsodium), so not in wiqaya-stats.
DISCLOSURE_SRC = stats/disclosure.c
STATS_SRC  = stats/main.c
SERVER_SRC = server/main.c server/sdmx.c server/cmd_serve.c server/cmd_keys.c server/cmd_token.c \
             server/cmd_audit.c server/cmd_release.c server/release.c server/releases.c server/cmd_export.c server/uncts.c server/routes.c server/health.c server/analytics.c \
             server/catalogue.c server/disclosure.c server/prometheus.c server/query.c server/indicator.c \
             server/model.c server/grammar.c server/protect.c server/cache.c server/ledger.c server/audit.c \
             server/public.c server/keyring.c server/respond.c server/rows.c server/standard.c \
             server/trends.c server/risk_factors.c server/cost.c \
             server/interventions.c server/pathway.c server/hidden.c server/nowcast.c server/data_quality.c server/openapi.c \
             server/seen.c server/web.c server/layout.c server/noise.c server/epoch.c server/siphash.c server/populations.c server/product.c server/sensitivity.c \
             server/period.c server/cmd_period.c server/columns.c server/shares.c server/engine.c server/scan.c server/exact.c

BASE_OBJ   = $(BASE_SRC:%.c=$(BUILD)/%.o)
DATA_OBJ   = $(DATA_SRC:%.c=$(BUILD)/%.o) $(BASE_OBJ)
COMMON_OBJ = $(COMMON_SRC:%.c=$(BUILD)/%.o) $(DATA_OBJ)
HTTP_OBJ   = $(HTTP_SRC:%.c=$(BUILD)/%.o)
ETL_OBJ    = $(ETL_SRC:%.c=$(BUILD)/%.o)
STATS_LOBJ = $(STATS_LIB:%.c=$(BUILD)/%.o) $(DISCLOSURE_OBJ)
DISCLOSURE_OBJ = $(DISCLOSURE_SRC:%.c=$(BUILD)/%.o)
STATS_OBJ  = $(STATS_SRC:%.c=$(BUILD)/%.o)
SERVER_OBJ = $(SERVER_SRC:%.c=$(BUILD)/%.o)
ETL_LIBOBJ = $(filter-out $(BUILD)/etl/main.o,$(ETL_OBJ))
SYNTH_OBJ  = $(SYNTH_SRC:%.c=$(BUILD)/%.o)
SYNTH_LIBOBJ = $(filter-out $(BUILD)/synth/main.o,$(SYNTH_OBJ))
SERVER_LIBOBJ = $(filter-out $(BUILD)/server/main.o,$(SERVER_OBJ))

UNIT_TESTS = $(patsubst tests/unit/%.c,$(BIN)/%,$(wildcard tests/unit/test_*.c))
BENCHES    = $(patsubst bench/%.c,$(BIN)/%,$(wildcard bench/bench_*.c))
# Attack and evaluation programs the integration tests run.
TOOLS      = $(patsubst tests/attack/%.c,$(BIN)/attack_%,$(wildcard tests/attack/*.c)) \
             $(patsubst tests/tools/%.c,$(BIN)/tool_%,$(wildcard tests/tools/*.c))

# Fuzz targets (tests/fuzz/): built with tests/fuzz/replay.c as their main for make test,
# which replays their corpora and crashes; with libFuzzer (FUZZ_MAIN empty) for make fuzz.
FUZZ_TARGETS = $(patsubst tests/fuzz/fuzz_%.c,$(BIN)/fuzz_%,$(wildcard tests/fuzz/fuzz_*.c))
FUZZ_MAIN   ?= $(BUILD)/tests/fuzz/replay.o
FUZZ_SECONDS ?= 600

PROGRAMS = $(BIN)/wiqaya-etl $(BIN)/wiqaya-server $(BIN)/wiqaya-stats $(BIN)/wiqaya-synth
# The dashboard: web/ bundled by esbuild (npm, package-lock.json) into the files the server
# serves ([paths] web); one copy whatever BUILD is, since nothing in it is compiled C.
WEB      = build/web
WEB_SRC  = web/index.html web/build.mjs $(wildcard web/src/*) config/region_tiles.json \
           $(wildcard config/region_boundaries.geojson) config/codelists/regions.csv \
           docs/methods.md docs/privacy.md

.SECONDARY:
.PHONY: all deps run test asan fuzz fuzz-targets soak lint format bench clean distclean \
	pg-start pg-stop deb
all: $(PROGRAMS) $(UNIT_TESTS) $(TOOLS) $(FUZZ_TARGETS) $(WEB)/index.html

$(WEB)/index.html: $(WEB_SRC) package-lock.json
	$(call say,WEB,$(WEB))
	@test -d node_modules/esbuild || { echo "make: no node_modules: run make deps (npm ci)" >&2; exit 1; }
	$(Q)node web/build.mjs $(WEB)

$(BUILD)/%.o: %.c
	$(call say,CC,$<)
	@mkdir -p $(dir $@)
	$(Q)$(CC) $(CPPFLAGS) $(CFLAGS) -c -o $@ $<

$(BIN)/wiqaya-etl: $(ETL_OBJ) $(HTTP_OBJ) $(COMMON_OBJ) $(BUILD)/stats/outlier.o
	$(call say,LINK,$@)
	@mkdir -p $(BIN)
	$(Q)$(CC) $(LDFLAGS) -o $@ $^ $(ETL_LIBS)

$(BIN)/wiqaya-server: $(SERVER_OBJ) $(HTTP_OBJ) $(STATS_LOBJ) $(COMMON_OBJ)
	$(call say,LINK,$@)
	@mkdir -p $(BIN)
	$(Q)$(CC) $(LDFLAGS) -o $@ $^ $(SERVER_LIBS)

$(BIN)/wiqaya-synth: $(SYNTH_OBJ) $(DATA_OBJ)
	$(call say,LINK,$@)
	@mkdir -p $(BIN)
	$(Q)$(CC) $(LDFLAGS) -o $@ $^ $(SYNTH_LIBS)

$(BIN)/wiqaya-stats: $(STATS_OBJ) $(filter-out $(DISCLOSURE_OBJ),$(STATS_LOBJ)) $(BASE_OBJ)
	$(call say,LINK,$@)
	@mkdir -p $(BIN)
	$(Q)$(CC) $(LDFLAGS) -o $@ $^ $(STATS_LIBS)

# Unit tests link the libraries of every program (never their main.c).
$(BIN)/test_%: $(BUILD)/tests/unit/test_%.o $(ETL_LIBOBJ) $(SERVER_LIBOBJ) $(HTTP_OBJ) \
		$(STATS_LOBJ) $(COMMON_OBJ)
	$(call say,LINK,$@)
	@mkdir -p $(BIN)
	$(Q)$(CC) $(LDFLAGS) -o $@ $^ $(ALL_LIBS) -lcmocka

$(BIN)/attack_%: $(BUILD)/tests/attack/%.o $(ETL_LIBOBJ) $(SERVER_LIBOBJ) $(HTTP_OBJ) \
		$(STATS_LOBJ) $(COMMON_OBJ)
	$(call say,LINK,$@)
	@mkdir -p $(BIN)
	$(Q)$(CC) $(LDFLAGS) -o $@ $^ $(ALL_LIBS)

$(BIN)/tool_%: $(BUILD)/tests/tools/%.o $(ETL_LIBOBJ) $(SERVER_LIBOBJ) $(HTTP_OBJ) \
		$(STATS_LOBJ) $(COMMON_OBJ)
	$(call say,LINK,$@)
	@mkdir -p $(BIN)
	$(Q)$(CC) $(LDFLAGS) -o $@ $^ $(ALL_LIBS)

$(BIN)/fuzz_%: $(BUILD)/tests/fuzz/fuzz_%.o $(BUILD)/tests/fuzz/context.o $(FUZZ_MAIN) \
		$(ETL_LIBOBJ) $(SERVER_LIBOBJ) $(HTTP_OBJ) $(STATS_LOBJ) $(COMMON_OBJ)
	$(call say,LINK,$@)
	@mkdir -p $(BIN)
	$(Q)$(CC) $(LDFLAGS) $(FUZZ_LDFLAGS) -o $@ $^ $(ALL_LIBS)

$(BIN)/bench_%: $(BUILD)/bench/bench_%.o $(ETL_LIBOBJ) $(SYNTH_LIBOBJ) $(SERVER_LIBOBJ) \
		$(HTTP_OBJ) $(STATS_LOBJ) $(COMMON_OBJ)
	$(call say,LINK,$@)
	@mkdir -p $(BIN)
	$(Q)$(CC) $(LDFLAGS) -o $@ $^ $(ALL_LIBS)

deps:
	@scripts/deps.sh

# make run: install, build, start the throwaway PostgreSQL, migrate, load the demo, serve.
run: deps
	@$(MAKE) --no-print-directory all
	@scripts/run.sh

# make test: the same set-up, then every test; ends with "N passed, N failed".
test: deps
	@$(MAKE) --no-print-directory all
	@BUILD=$(BUILD) tests/run.sh

asan: deps
	@$(MAKE) --no-print-directory BUILD=build/asan OPT="-O1 -g -fno-omit-frame-pointer" \
		SAN="-fsanitize=address,undefined -fno-sanitize-recover=undefined" all
	@ASAN_OPTIONS=detect_leaks=1:abort_on_error=0 UBSAN_OPTIONS=print_stacktrace=1 \
		BUILD=build/asan tests/run.sh

# make fuzz: every target under libFuzzer with ASan and UBSan (clang), FUZZ_SECONDS each
# (600), two at a time; new inputs go to var/fuzz/, crashes to tests/fuzz/crashes/.
fuzz: deps
	@$(MAKE) --no-print-directory BUILD=build/fuzz CC=clang OPT="-O1 -g" FUZZ_MAIN= \
		SAN="-fsanitize=fuzzer-no-link,address,undefined" FUZZ_LDFLAGS=-fsanitize=fuzzer \
		fuzz-targets
	@tests/fuzz/run.sh build/fuzz $(FUZZ_SECONDS)
fuzz-targets: $(FUZZ_TARGETS)

# make soak: SOAK_SECONDS (600) of mixed traffic on both servers with loads and refreshes.
soak: deps
	@$(MAKE) --no-print-directory all
	@BUILD=$(BUILD) tests/soak.sh

bench: deps
	@$(MAKE) --no-print-directory all $(BENCHES)
	@BUILD=$(BUILD) bench/run.sh

# make deb: the Debian packages (debian/, docs/operations.md) into DEB_OUT.
DEB_OUT ?= build/packages
# What a previous run left in debian/ goes first (its build stamp would skip the build);
# the programs are rebuilt as make rebuilds anything, from what changed.
deb: deps
	@rm -rf debian/.debhelper debian/tmp debian/wiqaya-*/ debian/files debian/*.substvars \
		debian/*.debhelper.log debian/*.debhelper debian/debhelper-build-stamp
	@$(if $(filter 0,$(shell id -u)),,fakeroot) debian/rules binary DEB_OUT=$(abspath $(DEB_OUT))
	@ls $(DEB_OUT)/*.deb

lint:
	@echo "  clang-format --dry-run"
	$(Q)clang-format --dry-run --Werror $$(git ls-files '*.c' '*.h')
	@echo "  cppcheck"
	$(Q)cppcheck --quiet --error-exitcode=1 --enable=warning,performance,portability \
		--inline-suppr --suppress=ctuuninitvar --suppress=unknownMacro --std=c11 -I. $$(git ls-files '*.c')

format:
	clang-format -i $$(git ls-files '*.c' '*.h')

pg-start:
	@scripts/pg.sh start
pg-stop:
	@scripts/pg.sh stop

clean:
	rm -rf build

distclean: clean
	-scripts/pg.sh destroy
	rm -rf var

-include $(shell find $(BUILD) -name '*.d' 2>/dev/null)
