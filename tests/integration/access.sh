# Who may ask what (attack 7 of docs/privacy.md): every route x every role x (no token,
# malformed, unknown, revoked, expired) against a table of expected statuses; the token
# command; and leaving loopback only with TLS.
source "$(dirname "$0")/../lib.sh"
fresh_db access
# Every bad credential below must reach the token check: failed authentications are not
# slowed here (tests/integration/http_limits.sh tests that they are).
printf '[limits]\nauth_failures_per_minute = 0\n' >>"$CONF"
"$BIN/wiqaya-etl" load "$ROOT/tests/data/slice.ndjson" >/dev/null 2>&1
PORT=${TEST_HTTP_PORT:-18080}
URL=http://127.0.0.1:$PORT

# --- the token command ---
out=$("$BIN/wiqaya-server" token add --role researcher --name "Dr R" 2>"$T/err")
check "token add prints the token once: wq_ and 43 base64url characters" bash -c "[[ '$out' =~ ^wq_[A-Za-z0-9_-]{43}$ ]]"
check "and says on stderr which token it made" grep -q 'token 1 (researcher) created' "$T/err"
RESEARCHER=$out
POLICY=$(new_token policy)
ADMIN=$(new_token admin)
SUBMITTER=$(new_token submitter DC-POL-01)
REVOKED=$(new_token researcher)
EXPIRED=$("$BIN/wiqaya-server" token add --role policy --name "soon gone" --expires 2099-01-01 2>/dev/null)
MONITOR=$(new_token monitor)
status "token revoke" 0 "$BIN/wiqaya-server" token revoke 5
env -u WIQAYA_CONF "$ROOT/scripts/pg.sh" psql -X -q -d "$DB" -c "UPDATE auth.token SET expires_at = now() - interval '1 day' WHERE token_id = 6" >/dev/null
"$BIN/wiqaya-server" token list >"$T/list"
check "token list shows the tokens and their state" bash -c "grep -qP '^5\tresearcher\t-\ttest researcher\t.*\trevoked\t' '$T/list' && grep -qP '^6\tpolicy\t-\tsoon gone\t.*\texpired\t' '$T/list' && grep -qP '^4\tsubmitter\tDC-POL-01\t.*\t-\t-\t-$' '$T/list'"
check "and each reader's budget (the role's default: *), spent and remaining" \
  grep -qP '^5\tresearcher\t.*\t1000000\.000\*\t0\.000\t1000000\.000$' "$T/list"
check "and no secret" bash -c "! grep -q 'wq_' '$T/list'"
dump_db "$T/dump.sql"
check "the database holds no token, only keyed hashes" bash -c "! grep -qF -e '${RESEARCHER#wq_}' -e '${SUBMITTER#wq_}' '$T/dump.sql'"
status "an unknown role" 2 "$BIN/wiqaya-server" token add --role superuser --name x
check "is T2001" grep -q T2001 "$T/last"
status "a submitter without an agency" 2 "$BIN/wiqaya-server" token add --role submitter --name x
check "is T2002" grep -q T2002 "$T/last"
status "a submitter of an agency not in the list" 2 "$BIN/wiqaya-server" token add --role submitter --agency NOPE --name x
check "is T2002 naming the list" grep -q 'T2002.*agencies' "$T/last"
status "an expiry in the past" 2 "$BIN/wiqaya-server" token add --role policy --name x --expires 2001-01-01
check "is T2003" grep -q T2003 "$T/last"
status "revoking a token that does not exist" 2 "$BIN/wiqaya-server" token revoke 99
check "is T2005" grep -q T2005 "$T/last"

# --- the access matrix ---
start_server
UNKNOWN="wq_$(head -c 32 /dev/urandom | base64 | tr '+/' '-_' | tr -d '=\n' | head -c 43)"
declare -A auth=([none]="" [malformed]="Bearer not-a-token" [basic]="Basic dXNlcjpwYXNz" [unknown]="Bearer $UNKNOWN"
  [revoked]="Bearer $REVOKED" [expired]="Bearer $EXPIRED" [submitter]="Bearer $SUBMITTER"
  [researcher]="Bearer $RESEARCHER" [policy]="Bearer $POLICY" [admin]="Bearer $ADMIN" [monitor]="Bearer $MONITOR")
cols=(none malformed basic unknown revoked expired submitter researcher policy admin monitor)
# route                                                       none mal basic unk rev exp sub res pol adm mon
cat >"$T/expected" <<'EOF'
/healthz                                                       200 401 401 401 401 401 403 200 200 200 200
/api/v1/analytics?indicator=victims&dimension=year             200 401 401 401 401 401 403 200 200 200 403
/api/v1/analytics?indicator=victims&dimension=sex              200 401 401 401 401 401 403 200 200 200 403
/api/v1/analytics?indicator=victims&dimension=relationship     401 401 401 401 401 401 403 200 200 200 403
/api/v1/trends?indicator=victim_rate&filter=region:DC-01       200 401 401 401 401 401 403 200 200 200 403
/api/v1/pathway                                                200 401 401 401 401 401 403 200 200 200 403
/api/v1/interventions?survival=true                            401 401 401 401 401 401 403 200 200 200 403
/api/v1/interventions                                          200 401 401 401 401 401 403 200 200 200 403
/api/v1/analytics?indicator=victims&dimension=ethnicity        401 401 401 401 401 401 403 200 409 409 403
/api/v1/analytics?indicator=cases&dimension=region&dimension=status&dimension=detection&dimension=financial 401 401 401 401 401 401 403 200 409 409 403
/api/v1/analytics?indicator=victims&access_token=x             400 400 400 400 400 400 400 400 400 400 400
/api/v1/estimates/hidden?from=2024&to=2024                    401 401 401 401 401 401 403 200 200 200 403
/api/v1/estimates/nowcast?apc=x                                401 401 401 401 401 401 403 400 400 400 403
/api/v1/indicators                                             200 401 401 401 401 401 403 200 200 200 403
/api/v1/dimensions                                             200 401 401 401 401 401 403 200 200 200 403
/api/v1/dimensions/sex                                         200 401 401 401 401 401 403 200 200 200 403
/api/v1/disclosure                                             200 401 401 401 401 401 403 200 200 200 403
/api/v1/data-quality                                           200 401 401 401 401 401 403 200 200 200 403
/api/v1/releases                                               200 401 401 401 401 401 403 200 200 200 403
/api/v1/releases/1                                             404 401 401 401 401 401 403 404 404 404 403
/api/v1/sdmx/dataflow/WIQAYA                                   200 401 401 401 401 401 403 200 200 200 403
/api/v1/sdmx/data/DF_VICTIMS_BY_SEX?format=csv                 200 401 401 401 401 401 403 200 200 200 403
/metrics                                                       401 401 401 401 401 401 403 403 403 200 200
EOF
cells=0 match=0
while read -r path want; do
  read -ra w <<<"$want"
  for i in "${!cols[@]}"; do
    a=${auth[${cols[$i]}]}
    got=$(curl -s -o /dev/null -w '%{http_code}' ${a:+-H "Authorization: $a"} "$URL$path")
    cells=$((cells + 1))
    if [[ $got == "${w[$i]}" ]]; then match=$((match + 1)); else echo "# $path as ${cols[$i]}: $got, expected ${w[$i]}"; fi
  done
done <"$T/expected"
figure "access matrix: $match of $cells route x credential cells as expected"
eq "7. every route x role x credential answers as the table says" "$match" "$cells"
code_of() { curl -s ${1:+-H "Authorization: $1"} "$URL$2" | jq -r .code; }
eq "no token where one is needed (not the published product): T1000" "$(code_of "" '/api/v1/analytics?indicator=victims&dimension=relationship')" "T1000"
check "with WWW-Authenticate: Bearer" bash -c "curl -s -D - -o /dev/null '$URL/api/v1/analytics?indicator=victims&dimension=relationship' | grep -qi '^www-authenticate: Bearer'"
eq "a malformed header: T1001" "$(code_of "Basic dXNlcjpwYXNz" /healthz)" "T1001"
eq "not a token: T1002" "$(code_of "Bearer not-a-token" /healthz)" "T1002"
eq "an unknown token: T1003" "$(code_of "Bearer $UNKNOWN" /healthz)" "T1003"
eq "a revoked token: T1004" "$(code_of "Bearer $REVOKED" /healthz)" "T1004"
eq "an expired token: T1005" "$(code_of "Bearer $EXPIRED" /healthz)" "T1005"
eq "a submitter here: T1007" "$(code_of "Bearer $SUBMITTER" /api/v1/indicators)" "T1007"
eq "a sensitive dimension for policy: Q1011" "$(code_of "Bearer $POLICY" '/api/v1/analytics?indicator=victims&dimension=ethnicity')" "Q1011"
eq "a sensitive filter for policy too" "$(code_of "Bearer $POLICY" '/api/v1/analytics?indicator=victims&filter=sexual_orientation:bisexual')" "Q1011"
eq "a sensitive dimension with 3 others: Q1012" \
  "$(code_of "Bearer $RESEARCHER" '/api/v1/analytics?indicator=victims&dimension=ethnicity&dimension=sex&dimension=year&filter=region:DC-01')" "Q1012"
eq "4 dimensions for policy: Q1005" "$(code_of "Bearer $POLICY" '/api/v1/analytics?indicator=cases&dimension=region&dimension=status&dimension=detection&dimension=financial')" "Q1005"
eq "the public's other queries: 401 naming the published tables" \
  "$(curl -s "$URL/api/v1/analytics?indicator=victims&dimension=relationship" | jq -r .hint)" "GET /api/v1/disclosure lists them; send Authorization: Bearer wq_..."
check "the disclosure route lists the public tables and every parameter" bash -c \
  "curl -s '$URL/api/v1/disclosure' | jq -e '(.public_tables | length) == ($(grep -vc '^#' "$ROOT/config/public_tables.txt")) and .noise.scale_b == 2 and .suppression.floor == 5 and .suppression.threshold == 10 and .grammar.max_dimensions.policy == 3 and .caller.role == \"public\"'"
stop_server

# --- the public tables: released once per release period ---
start_server
span=$(psql_t -c 'SELECT first_year || '"' '"' || last_year FROM analytics.data_version')
read -r y0 y1 <<<"$span"
first=$(api '/api/v1/analytics?indicator=victims&dimension=year')
again=$(api '/api/v1/analytics?indicator=victims&dimension=year')
eq "a public table is the same answer every time" "$again" "$first"
stored() { psql_t -c "SELECT count(*) FROM auth.public_release WHERE query = '$1'"; }
base1='indicator=victims&dimension=year&dimension=sex'
eq "its base table is stored once for its release period" "$(stored "$base1")" "1"
check "and each release charged once to the public budget" \
  test "$(psql_t -c 'SELECT count(*) FROM auth.spend WHERE token_id = 0')" -eq "$(psql_t -c 'SELECT count(*) FROM auth.public_release')"
# Other spellings of the same table: the period the data spans written out, or wider,
# the parameters in another order, a repeated item; another table's order of columns.
for q in "indicator=victims&dimension=year&from=$y0&to=$y1" "from=1990&dimension=year&indicator=victims" \
         "indicator=victims&dimension=year&to=2199"; do
  eq "the public table asked as $q: the same release" "$(api "/api/v1/analytics?$q")" "$first"
done
check "a listed two-column table asked with its columns swapped is answered" \
  bash -c "curl -s '$URL/api/v1/analytics?indicator=victim_rate&dimension=year&dimension=sex:male;female;male' | jq -e '.rows | length > 0'"
# A new data version within the period releases nothing new (a submitter planting cases
# gets no fresh noise): the stored release is served.
psql_admin -d "$DB" -c 'UPDATE analytics.data_version SET version = version + 1' >/dev/null
eq "a new data version in the same period: the same release" "$(api '/api/v1/analytics?indicator=victims&dimension=year')" "$first"
eq "and nothing more stored" "$(stored "$base1")" "1"
# HEAD on a data route computes, charges and audits nothing.
spend() { psql_t -c "SELECT coalesce(sum(epsilon), 0) FROM auth.spend WHERE token_id = 1"; }
spent0=$(spend)
TOKEN=$RESEARCHER
code=$(curl -s -o /dev/null -w '%{http_code}' -I -H "Authorization: Bearer $TOKEN" "$URL/api/v1/analytics?indicator=victims&dimension=sex&from=2020&to=2020")
eq "HEAD on a data route: 405" "$code" "405"
eq "and nothing charged" "$(spend)" "$spent0"
# A dry run: what a query would cost and leave, nothing released, charged or remembered.
api '/api/v1/analytics?indicator=revictimisation_12m&dimension=support&filter=migrant_status:citizen&from=2025&to=2025&dry_run=true' >"$T/dry"
check "dry_run: the cost (a proportion by a multi-valued dimension, not in the published product: 2 x 4 / 2 = 4), the budget after it, the noise's half-width, no cell" \
  jq -e '.dry_run and .epsilon == 4 and .budget_remaining_after == .budget_remaining - 4 and .affordable and (.noise_half_width > 7.7 and .noise_half_width < 7.8) and (has("rows") | not)' "$T/dry"
eq "and nothing charged" "$(spend)" "$spent0"
eq "its budget_remaining is the budget left now, before the query" \
  "$(jq .budget_remaining "$T/dry")" "$(api /api/v1/disclosure | jq .caller.budget_remaining)"
api '/api/v1/analytics?indicator=revictimisation_12m&dimension=support&filter=migrant_status:citizen&from=2025&to=2025' >/dev/null
eq "the same query asked: charged what the dry run said" "$(spend)" "$(echo "$spent0 + 4" | bc)"
check "asked again as a dry run: free" \
  bash -c "curl -s -H 'Authorization: Bearer $TOKEN' '$URL/api/v1/analytics?indicator=revictimisation_12m&dimension=support&filter=migrant_status:citizen&to=2025&from=2025&dry_run=true' | jq -e '.free and .epsilon == 0'"
TOKEN=
stop_server
# A project's budget, set per token by an admin.
"$BIN/wiqaya-server" token budget 1 2.5 >/dev/null 2>&1
status "token budget of a submitter is refused" 2 "$BIN/wiqaya-server" token budget 4 3
status "and a budget that is not a number" 2 "$BIN/wiqaya-server" token budget 3 lots
check "is T2006" grep -q 'T2006' "$T/last"
start_server
TOKEN=$RESEARCHER
check "the token's own budget applies" bash -c "curl -s -H 'Authorization: Bearer $TOKEN' '$URL/api/v1/disclosure' | jq -e '.caller.budget == 2.5'"
# Its refusal in plain words, in both languages, the numbers isolated in the Arabic.
curl -s -H "Authorization: Bearer $TOKEN" "$URL/api/v1/analytics?indicator=victims&dimension=agency&from=2025&to=2025" >"$T/r_en"
curl -s -H "Authorization: Bearer $TOKEN" -H 'Accept-Language: ar' "$URL/api/v1/analytics?indicator=victims&dimension=agency&from=2025&to=2025" >"$T/r_ar"
check "a refusal says what it costs, what is left, when it renews and what to ask instead" \
  jq -e '.code == "D1001" and (.detail | test("costs epsilon 0.5; 0 of 2.5 remain in the last 30 days. Enough of it renews in [0-9]+ days")) and (.hint | test("dry_run=true")) and .budget.epsilon == 0.5 and .budget.budget == 2.5' "$T/r_en"
check "in Arabic when the reader reads Arabic, each number isolated (U+2068 ... U+2069)" \
  jq -e '.code == "D1001" and .title == "نفدت ميزانية الخصوصية لهذا الرمز" and (.detail | contains("\u20680.5\u2069") and contains("\u20682.5\u2069")) and (.hint | test("dry_run=true"))' "$T/r_ar"
# The same table kept rendered by another token's answer: the refusal is the same, and
# nothing of the kept body goes out (the charge is settled before any byte is sent).
q_kept="$URL/api/v1/analytics?indicator=victims&dimension=agency&from=2025&to=2025"
eq "another token's answer keeps the table rendered" \
  "$(curl -s -H "Authorization: Bearer $ADMIN" "$q_kept" | jq -r '.rows | length > 0')" true
curl -s -o "$T/r_kept" -w '%{http_code}' -H "Authorization: Bearer $TOKEN" "$q_kept" >"$T/r_kept.status"
check "which the exhausted token is still refused (429, D1001, no rows)" \
  bash -c "[[ \$(cat '$T/r_kept.status') == 429 ]] && jq -e '.code == \"D1001\" and (has(\"rows\") | not)' '$T/r_kept'"
"$BIN/wiqaya-server" token list >"$T/list"
check "and token list shows it, spent and remaining" grep -qP '^1\tresearcher\t.*\t2\.500\t[0-9.]+\t[0-9.]+$' "$T/list"
TOKEN=
stop_server
"$BIN/wiqaya-server" token budget 1 default >/dev/null 2>&1

# --- leaving loopback: only with TLS ---
base_conf=$(cat "$CONF")
{ echo "$base_conf"; printf '[server]\nlisten = 0.0.0.0\n'; } >"$CONF"
status "off loopback without TLS the server refuses to start" 2 timeout 10 "$BIN/wiqaya-server" serve
check "saying why (S5001, tokens need TLS)" grep -q 'S5001.*without TLS' "$T/last"
{ echo "$base_conf"; printf '[server]\nlisten = 0.0.0.0\nbehind_tls_proxy = true\n'; } >"$CONF"
start_server
eq "behind a TLS proxy it starts" "$(curl -s -o /dev/null -w '%{http_code}' "$URL/healthz")" "200"
stop_server
openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj "/CN=127.0.0.1" -keyout "$T/tls.key" -out "$T/tls.crt" >/dev/null 2>&1
chmod 600 "$T/tls.key"
{ echo "$base_conf"; printf '[server]\nlisten = 0.0.0.0\ntls_cert = %s\ntls_key = %s\n[log]\nlevel = info\n' "$T/tls.crt" "$T/tls.key"; } >"$CONF"
"$BIN/wiqaya-server" serve 2>"$T/server.log" &
SERVER_PID=$!
for _ in $(seq 1 50); do curl -sk "https://127.0.0.1:$PORT/healthz" >/dev/null 2>&1 && break; sleep 0.1; done
eq "with a certificate it serves HTTPS" "$(curl -sk -o /dev/null -w '%{http_code}' "https://127.0.0.1:$PORT/healthz")" "200"
eq "and a token over it" "$(curl -sk -o /dev/null -w '%{http_code}' -H "Authorization: Bearer $RESEARCHER" "https://127.0.0.1:$PORT/api/v1/analytics?indicator=victims&dimension=sex")" "200"
check "plain HTTP gets no answer there" bash -c "! curl -s --max-time 3 -o /dev/null '$URL/healthz'"
check "over TLS, browsers are told to come back over TLS only (HSTS)" \
  bash -c "curl -sk -D - -o /dev/null 'https://127.0.0.1:$PORT/healthz' | grep -qi '^strict-transport-security: max-age=31536000'"

# A renewed certificate without a restart (SIGHUP to the server, as systemd's reload and
# certbot's deploy hook send it): the files replaced in place, new connections get the new
# one; a connection opened before finishes on the old one, and no request in between
# fails; the old daemon is gone once its connections are; a broken file leaves the
# serving certificate serving.
subject() { echo | timeout 5 openssl s_client -connect "127.0.0.1:$PORT" 2>/dev/null | openssl x509 -noout -subject 2>/dev/null; }
until_subject() { for _ in $(seq 1 50); do [[ $(subject) == "$1" ]] && return 0; sleep 0.1; done; return 1; }
front_threads() { ls "/proc/$(pgrep -P "$SERVER_PID")/task" | wc -l; }
eq "the certificate served" "$(subject)" "subject=CN = 127.0.0.1"
threads_before=$(front_threads)
openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj "/CN=renewed.wiqaya.test" -keyout "$T/tls2.key" -out "$T/tls2.crt" >/dev/null 2>&1
cp "$T/tls.crt" "$T/tls1.crt"; cp "$T/tls.key" "$T/tls1.key"
{ sleep 1.5; printf 'GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n'; sleep 1; } |
  timeout 10 openssl s_client -quiet -connect "127.0.0.1:$PORT" >"$T/held" 2>/dev/null &
held=$!
(for _ in $(seq 1 60); do curl -sk -o /dev/null -w '%{http_code}\n' "https://127.0.0.1:$PORT/healthz"; sleep 0.02; done >"$T/renewal_codes") &
stream=$!
sleep 0.5
cp "$T/tls2.crt" "$T/tls.crt"; cp "$T/tls2.key" "$T/tls.key"
kill -HUP "$SERVER_PID"
check "after SIGHUP, new connections get the renewed certificate" until_subject "subject=CN = renewed.wiqaya.test"
wait "$stream" "$held"
eq "the 60 requests across the renewal were all answered 200" "$(sort | uniq -c <"$T/renewal_codes" | awk '{ print $2 "x" $1 }' | tr '\n' ' ')" "200x60 "
check "a connection opened before the renewal is answered on it" grep -q '^HTTP/1.1 200' "$T/held"
check "and told to close after it, kept alive as it was (the old daemon can then stop)" grep -qi '^Connection: close' "$T/held"
check "the server says it serves the new certificate" grep -q 'front: serving with the new certificate' "$T/server.log"
threads_now() { for _ in $(seq 1 50); do [[ $(front_threads) == "$threads_before" ]] && return 0; sleep 0.1; done; return 1; }
check "the old daemon's threads are gone once its connections are ($threads_before threads in the front)" threads_now
echo "not a certificate" >"$T/tls.crt"
kill -HUP "$SERVER_PID"
for _ in $(seq 1 50); do grep -q S5008 "$T/server.log" && break; sleep 0.1; done
check "a broken certificate is refused, saying why (S5008)" grep -q 'S5008.*new certificate or key was refused' "$T/server.log"
eq "and the renewed one serves on" "$(subject)" "subject=CN = renewed.wiqaya.test"
chmod 000 "$T/tls.key"; cp "$T/tls2.crt" "$T/tls.crt"
[[ $(id -u) -eq 0 ]] && rm "$T/tls.key" # root reads a file of mode 000
kill -HUP "$SERVER_PID"
for _ in $(seq 1 50); do grep -q 'S5003.*SIGHUP' "$T/server.log" && break; sleep 0.1; done
check "a key it cannot read is S5003, and the old one serves on" bash -c "grep -q 'S5003.*tls.key.*old certificate serves on' '$T/server.log' && [[ \$(echo | timeout 5 openssl s_client -connect 127.0.0.1:$PORT 2>/dev/null | openssl x509 -noout -subject) == 'subject=CN = renewed.wiqaya.test' ]]"
check "the log holds no key" bash -c "! grep -q 'PRIVATE KEY' '$T/server.log'"
cp "$T/tls1.crt" "$T/tls.crt"; cp "$T/tls1.key" "$T/tls.key"; chmod 600 "$T/tls.key"
stop_server
echo "$base_conf" >"$CONF"
start_server
curl -s -D "$T/plain.h" -o /dev/null "$URL/healthz"
check "without TLS, an answer without HSTS" bash -c "grep -q '^HTTP/1.1 200' '$T/plain.h' && ! grep -qi '^strict-transport-security' '$T/plain.h'"
stop_server

# --- behind nginx (packaging/nginx/wiqaya.conf), as an operator would run it ---
NGINX_PORT=$(free_port) NGINX_HTTP_PORT=$(free_port)
mkdir -p "$T/nginx"
sed -e "s|listen 443 ssl;|listen 127.0.0.1:$NGINX_PORT ssl;|" -e "s|listen 80;|listen 127.0.0.1:$NGINX_HTTP_PORT;|" -e "s|/etc/wiqaya/tls/fullchain.pem|$T/tls.crt|" \
    -e "s|/etc/wiqaya/tls/privkey.pem|$T/tls.key|" -e "s|127.0.0.1:8080|127.0.0.1:$PORT|" \
    -e "s|127.0.0.1:8081|127.0.0.1:$TEST_INTAKE_PORT|" -e "s|/var/log/nginx/wiqaya.log|$T/nginx/access.log|" \
    "$ROOT/packaging/nginx/wiqaya.conf" >"$T/nginx/wiqaya.conf"
# (As root, nginx's workers would run as nobody, who cannot enter the test's directory.)
cat >"$T/nginx/nginx.conf" <<NGINX
$([[ $(id -u) -eq 0 ]] && echo 'user root;')
daemon off;
pid $T/nginx/nginx.pid;
error_log $T/nginx/error.log;
events {}
http {
    access_log off;
    client_body_temp_path $T/nginx/body; proxy_temp_path $T/nginx/proxy;
    fastcgi_temp_path $T/nginx/fastcgi; uwsgi_temp_path $T/nginx/uwsgi; scgi_temp_path $T/nginx/scgi;
    include $T/nginx/wiqaya.conf;
}
NGINX
check "nginx accepts the example front" nginx -q -t -p "$T/nginx" -c "$T/nginx/nginx.conf"
{ echo "$base_conf"; printf '[server]\nbehind_tls_proxy = true\ntrusted_proxy = 127.0.0.1\n'; } >"$CONF"
start_server
nginx -p "$T/nginx" -c "$T/nginx/nginx.conf" 2>>"$T/nginx/error.log" &
NGINX_PID=$!
trap 'kill "$NGINX_PID" 2>/dev/null; cleanup' EXIT
start_intake
FRONT="https://wiqaya.example.org:$NGINX_PORT"
RESOLVE=(--resolve "wiqaya.example.org:$NGINX_PORT:127.0.0.1" --resolve "intake.wiqaya.example.org:$NGINX_PORT:127.0.0.1")
for _ in $(seq 1 50); do curl -sk "${RESOLVE[@]}" -o /dev/null "$FRONT/healthz" && break; sleep 0.1; done
eq "through nginx the API answers over TLS" "$(curl -sk "${RESOLVE[@]}" -o /dev/null -w '%{http_code}' "$FRONT/healthz")" 200
eq "and a token's query" "$(curl -sk "${RESOLVE[@]}" -o /dev/null -w '%{http_code}' -H "Authorization: Bearer $RESEARCHER" "$FRONT/api/v1/analytics?indicator=victims&dimension=sex")" 200
curl -sk "${RESOLVE[@]}" -o /dev/null "$FRONT/api/v1/analytics?indicator=victims&case_ref=CanaryNameInQuery"
check "nginx's access log has the requests but no query string (a name sent where none belongs)" \
  bash -c "grep -q 'GET /api/v1/analytics HTTP' '$T/nginx/access.log' && ! grep -q CanaryNameInQuery '$T/nginx/access.log'"
eq "plain HTTP is sent to HTTPS first" \
  "$(curl -s --resolve "wiqaya.example.org:$NGINX_HTTP_PORT:127.0.0.1" -o /dev/null -w '%{http_code} %{redirect_url}' "http://wiqaya.example.org:$NGINX_HTTP_PORT/healthz")" \
  "301 https://wiqaya.example.org/healthz"
check "with nginx's HSTS" bash -c "curl -sk ${RESOLVE[*]} -D - -o /dev/null '$FRONT/healthz' | grep -qi '^strict-transport-security: max-age=31536000'"
eq "the intake's name reaches the intake (its health names its key's version)" \
  "$(curl -sk "${RESOLVE[@]}" "https://intake.wiqaya.example.org:$NGINX_PORT/healthz" | jq -c 'has("key_version")')" true
check "which is not the API" bash -c "[[ \$(curl -sk ${RESOLVE[*]} -o /dev/null -w '%{http_code}' 'https://intake.wiqaya.example.org:$NGINX_PORT/api/v1/indicators') == 404 ]]"
kill "$NGINX_PID" 2>/dev/null; wait "$NGINX_PID" 2>/dev/null
stop_intake
stop_server
echo "$base_conf" >"$CONF"

# --- the server's role as the migrations left it ---
"$ROOT/scripts/pg.sh" psql -X -q -U wiqaya_reader -d "$DB" -c "ALTER ROLE wiqaya_reader IN DATABASE $DB SET work_mem = '1MB'" >/dev/null 2>&1
status "a reader role with session defaults (which any role may set on itself): refused" 2 timeout 10 "$BIN/wiqaya-server" serve
check "saying so (S5004)" grep -q 'S5004.*session defaults' "$T/last"
env -u WIQAYA_CONF "$ROOT/scripts/pg.sh" psql -X -q -d "$DB" -c "ALTER ROLE wiqaya_reader IN DATABASE $DB RESET ALL" >/dev/null
# A default for another database weakens none of this server's sessions: served (the test
# scripts run at once, each server on a database of its own, and the refusal above once
# stopped another script's server).
env -u WIQAYA_CONF "$ROOT/scripts/pg.sh" psql -X -q -d postgres -c "ALTER ROLE wiqaya_reader IN DATABASE postgres SET work_mem = '1MB'" >/dev/null
start_server
eq "a reader role with a default for another database only: served" \
  "$(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$TEST_HTTP_PORT/healthz")" "200"
stop_server
env -u WIQAYA_CONF "$ROOT/scripts/pg.sh" psql -X -q -d postgres -c "ALTER ROLE wiqaya_reader IN DATABASE postgres RESET ALL" >/dev/null
echo "1..$n"
