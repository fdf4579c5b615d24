# The researcher's month of study (tests/integration/study.sh) on the demo country
# (200,000 cases): one token of the shipped researcher budget asks the study's questions in
# order; the budget spent per question and the time of each answer.
source "$(dirname "$0")/demo.sh"
conf=var/bench/study.conf
{ cat var/wiqaya.conf; printf '[server]\nport = 18097\n[log]\nlevel = warning\n'; } >"$conf"
WIQAYA_CONF=$conf "$BIN/wiqaya-server" serve 2>var/bench/study.log &
pid=$!
trap 'kill $pid 2>/dev/null; wait $pid 2>/dev/null || true' EXIT
for _ in $(seq 1 50); do curl -s http://127.0.0.1:18097/healthz >/dev/null && break; sleep 0.1; done
researcher=$(WIQAYA_CONF=$conf "$BIN/wiqaya-server" token add --role researcher --name "bench study" 2>/dev/null)
y1=$(scripts/pg.sh psql -X -At -d wiqaya -c 'SELECT last_year FROM analytics.data_version')
sed -n '/^cat >"\$T\/questions" <<EOF$/,/^EOF$/p' tests/integration/study.sh | sed '1d;$d' >var/bench/questions
i=0
while IFS='|' read -r what q; do
  i=$((i + 1))
  q=$(y1=$y1 eval "echo \"$q\"")
  start=$(date +%s.%N)
  code=$(curl -s -o var/bench/answer -w '%{http_code}' -H "Authorization: Bearer $researcher" "http://127.0.0.1:18097/api/v1/$q")
  secs=$(echo "$(date +%s.%N) - $start" | bc)
  printf '%2d. %-64s %s epsilon %-4s left %-5s %.2f s\n' "$i" "$what" "$code" \
    "$(jq -r '.metaData.disclosure.epsilon_charged // "-"' var/bench/answer)" \
    "$(jq -r '.metaData.disclosure.budget_remaining // "-"' var/bench/answer)" "$secs"
done <var/bench/questions
