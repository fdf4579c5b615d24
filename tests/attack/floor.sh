#!/usr/bin/env bash
# Attack 13, reading the floor (docs/privacy.md, "The floor"): whether a cell is published
# depends on its true count through the floor, and a submitter can move a cell's count by
# exactly what it plants. Here a submitter plants one more fake child into each small cell
# every round (a data version each) and a researcher asks the cells after each round: the
# first round at which a cell is published says at which count it reaches its floor.
# - Against the plain floor of 5 (the control: floor_spread = 0), that round gives every
#   small cell's true count exactly: 5 less the fakes it took.
# - Against the floor raised by a secret 0 to 4 children per cell (the default), it gives
#   the raise less the count: a count of 1 to 4 children stays between at least two values
#   (with the noisy count, which has a standard deviation of about 4, no nearer).
# The threshold is 0 in both, so that whether a cell is published is the floor's bit
# alone: the attacker's best case (with a threshold, padding a cell with cells known to be
# under the floor shows the same bit through the published product).
# The product applies the same raises to its base cells: with the threshold at 0, some
# base cells of 5 to 8 children are withheld, none under 5 is published.
source "$(dirname "$0")/../lib.sh"
# Keys fixed by their name, not drawn, as in dynamic.sh: the cells' raises, and so the
# figures, are the same at every run.
mkdir -p "$T/keys"
for k in noise noise0 token; do
  printf 'wiqaya tests/attack/floor.sh %s' "$k" | openssl dgst -sha256 -binary >"$T/keys/$k.key"
  chmod 0400 "$T/keys/$k.key"
done
fresh_db floor
load_country 46 8000
printf '[disclosure]\nthreshold = 0\n' >>"$CONF"
# The control: a server of the plain floor, with a noise key of its own (a key keeps its
# spread: S5010).
CONF0=$T/spread0.conf
{ sed "s|^noise_key *=.*|noise_key = $T/keys/noise0.key|" "$CONF"; printf 'floor_spread = 0\n'; } >"$CONF0"
regions=$(tail -n +2 "$ROOT/config/codelists/regions.csv" | cut -d, -f1)

# --- the product: its base cells under their raised floors ---
# The base table of victims by year, region, sex and age band, a year at a time (three
# columns, as the public may ask): each cell one base cell.
Y=$(psql_t -c 'SELECT last_year FROM analytics.data_version')
for y in $((Y - 2)) $((Y - 1)) $Y; do
  exact "indicator=victims&dimension=region&dimension=sex&dimension=age_band&filter=year:$y" | sed "s/^/$y\t/"
done >"$T/base_truth"
# base_cells OUT: the product's base cells of three years, one line each; and the floor's
# spread its answers say they were published under, in OUT.spread
base_cells() {
  : >"$1"
  : >"$1.spread"
  start_server
  for y in $((Y - 2)) $((Y - 1)) $Y; do
    TOKEN= api "/api/v1/analytics?indicator=victims&dimension=region&dimension=sex&dimension=age_band&filter=year:$y" >"$T/answer"
    jq -r --arg y "$y" '(.headers | map(.name)) as $h | .rows[]
      | [$y, .[$h | index("region")], .[$h | index("sex")], .[$h | index("age_band")],
         (.[$h | index("value")] // "null" | tostring)] | @tsv' "$T/answer" >>"$1"
    jq -r .metaData.disclosure.floor_spread "$T/answer" >>"$1.spread"
  done
  sort -u -o "$1.spread" "$1.spread"
  stop_server
}
# floor_bits PUBLISHED: how many base cells under 5 it publishes, how many of 5 to 8 it
# withholds, of how many
floor_bits() {
  awk -F'\t' 'NR == FNR { t[$1 FS $2 FS $3 FS $4] = $5; next }
    { k = $1 FS $2 FS $3 FS $4; n = k in t ? t[k] : 0; p = $5 != "null"
      if (p && n < 5) u++; if (n >= 5 && n <= 8) { c++; w += !p } }
    END { printf "%d %d %d\n", u, w, c }' "$T/base_truth" "$1"
}
base_cells "$T/base_published"
read -r under5 withheld5to8 cells5to8 < <(floor_bits "$T/base_published")
figure "the product with the threshold at 0: of its $cells5to8 base cells of 5 to 8 children, $withheld5to8 withheld by their raised floors; $under5 cells under 5 published"
eq "13. the product publishes no base cell under the floor" "$under5" "0"
eq "13. its answers say the spread of the floor's raise they were published under" "$(cat "$T/base_published.spread")" "4"
check "13. the product withholds some base cells of 5 to 8 children: their floors are raised ($withheld5to8 of $cells5to8)" \
  test "$withheld5to8" -gt 0 -a "$withheld5to8" -lt "$cells5to8"
# A release measured before the raises (its stored cells without them) keeps the plain
# floor it was published under.
psql_t -c "UPDATE auth.public_release SET body = (body::jsonb - 'raise' - 'floor_spread')::text" >/dev/null
base_cells "$T/base_before"
read -r under5b withheld5to8b _ < <(floor_bits "$T/base_before")
eq "13. a release stored without raises answers by the plain floor: every base cell of 5 to 8 published, none under 5" \
  "$withheld5to8b $under5b" "0 0"
eq "13. and says so: its answers' floor has no spread (not the configuration's)" "$(cat "$T/base_before.spread")" "0"

# --- planting, round by round, against both floors ---
# The cells: asylum-seeking victims of year Y by region (a few children each).
cell="indicator=victims&dimension=region&filter=migrant_status:asylum_seeker&from=$Y&to=$Y"
exact "$cell" | cut -f1,2 | sort >"$T/truth"
template=$(head -n 1 "$T/syn/cases.ndjson")
fakes() { # fakes ROUND: one fake asylum-seeking victim of year Y in each region
  local round=$1 r i=0
  for r in $regions; do
    i=$((i + 1))
    jq -c --arg r "$r" --arg y "$Y" --arg ref "FAKE/$round/$i" --arg id "98$(printf '%04d%04d' "$round" "$i")" '
      .case_ref = $ref | .reported = ($y + "-06-15") | .incident = ($y + "-05") | del(.offenders, .interventions)
      | .region = $r
      | .victims = [.victims[0] | .identity = {given_name: ("Fake" + $ref), family_name: "Planted", birth_date: "2012-01-01", national_id: $id}
        | del(.age) | .sex = "female" | .migrant_status = "asylum_seeker"]' <<<"$template"
  done
}
ask_as() { # ask_as CONF TOKEN KIND PLANTED: the cells through a server on CONF, one line each
  export WIQAYA_CONF=$1
  start_server
  TOKEN=$2 api "/api/v1/analytics?$cell" | jq -r --arg kind "$3" --arg k "$4" '(.headers | map(.name)) as $h | .rows[]
    | [$kind, .[$h | index("region")], $k, (if .[$h | index("value")] == null then 0 else 1 end)] | @tsv' >>"$T/rounds"
  stop_server
  export WIQAYA_CONF=$CONF
}
raised=$(new_token researcher) plain=$(new_token researcher)
: >"$T/rounds"
for k in $(seq 0 9); do
  if ((k > 0)); then
    fakes "$k" >"$T/fakes.ndjson"
    "$BIN/wiqaya-etl" load "$T/fakes.ndjson" >/dev/null 2>&1
  fi
  ask_as "$CONF" "$raised" raised "$k"
  ask_as "$CONF0" "$plain" plain "$k"
done
planted=$((9 * $(wc -w <<<"$regions")))
# Per kind, over the cells of 1 to 4 children: each cell's first round published (k), the
# attacker's reading of it (the counts consistent with it: T + k = 5 + raise, raise in
# 0..spread), how many of the cells it pins to one count, and (known here, not to the
# attacker) each cell's raise. And the floor itself: no cell published under 5 children.
verdict() { # verdict KIND SPREAD
  awk -F'\t' -v kind="$1" -v spread="$2" 'NR == FNR { t[$1] = $2; next }
    $1 == kind { T = ($2 in t) ? t[$2] : 0
      if ($4 == 1 && T + $3 < 5) below++
      if ($4 == 1 && !($2 in first)) first[$2] = $3 }
    END { for (r in t) if (t[r] >= 1 && t[r] <= 4) { small++
        if (!(r in first)) { never++; continue }
        d = first[r] - 5; c = 0; lo = -1
        for (x = 0; x <= spread; x++) if (x - d >= 0) { c++ }
        if (c == 1) pinned++
        if (first[r] == 5 - t[r]) naive++
        raise = t[r] + d; if (raise < 0 || raise > spread) odd++
        seen[raise] = 1 }
      for (x in seen) distinct++
      printf "%d %d %d %d %d %d %d\n", small, pinned, distinct, odd, never, below, naive }' "$T/truth" "$T/rounds"
}
read -r small pinned0 _ odd0 never0 below0 _ < <(verdict plain 0)
read -r small4 pinned4 distinct4 odd4 never4 below4 naive4 < <(verdict raised 4)
figure "reading the floor: $small cells of 1 to 4 children (asylum-seeking victims of $Y by region), 9 rounds of planting ($planted fakes); the plain floor pinned $pinned0 of them exactly, the raised floor $pinned4 (their raises took $distinct4 distinct values; read as if the floor were plain, $naive4 right, those raised by 0)"
eq "13. the control: against the plain floor, planting reads every small cell's count exactly" "$pinned0 $never0 $odd0" "$small 0 0"
check "13. there are small cells to attack ($small)" test "$small" -ge 3
check "13. read as if the floor were plain, the raised floor's rounds give fewer counts right than the plain floor's ($naive4 of $small)" \
  test "$naive4" -lt "$small"
eq "13. each cell was published at its floor plus a raise of 0 to 4, within the rounds" "$odd4 $never4" "0 0"
check "13. the raises differ from cell to cell ($distinct4 distinct values): a secret of each cell's" \
  test "$distinct4" -ge 2
eq "13. no cell is published under 5 children, raised or plain" "$below4 $below0" "0 0"
