# wiqaya-stats against known answers (tests/stats/*.ndjson: method, input, expected values
# with a relative or absolute tolerance), and every kind of bad input.
source "$(dirname "$0")/../lib.sh"
STATS=$BIN/wiqaya-stats

known() { # known FILE: one TAP line per case; the largest relative error per method on stdout
  while IFS= read -r line; do
    name=$(jq -r .name <<<"$line"); method=$(jq -r .method <<<"$line")
    if ! out=$(jq -c .input <<<"$line" | "$STATS" "$method" 2>"$T/err"); then
      not_ok "$name" "exit $?: $(cat "$T/err")"; continue
    fi
    failures=""
    while IFS=$'\t' read -r path want kind tol; do
      got=$(jq -r "$path" <<<"$out" 2>/dev/null)
      [[ $got == true ]] && got=1
      verdict=$(awk -v g="$got" -v w="$want" -v k="$kind" -v t="$tol" 'BEGIN {
        if (g == "" || g == "null") { print "missing"; exit }
        d = g - w; if (d < 0) d = -d
        if (k == "abs") { print (d <= t ? "ok" : "off by " d); exit }
        r = (w == 0 ? d : d / (w < 0 ? -w : w)); printf "%s %.3g\n", (r <= t ? "ok" : "off"), r }')
      case $verdict in
        ok*) [[ $kind == rel ]] && echo "$method ${verdict#ok }" >>"$T/relerr" ;;
        *) failures+="$path: got $got, expected $want ($kind $tol): $verdict; " ;;
      esac
    done < <(jq -r '.expect[] | [.path, .value, (if .abs != null then "abs" else "rel" end), (.abs // .rel)] | @tsv' <<<"$line")
    if [[ -z $failures ]]; then ok "$name"; else not_ok "$name" "$failures"; fi
  done <"$1"
}
: >"$T/relerr"
for f in "$ROOT"/tests/stats/*.ndjson; do known "$f"; done
# The known answers of multiple-systems estimation and of the nowcast are R's own: computed
# again by R's glm here, they are the files' bytes.
for m in mse nowcast; do
  Rscript "$ROOT/tests/stats/$m.R" >"$T/$m.ndjson" 2>"$T/$m.err"
  eq "R's glm gives the stored $m answers again ($(wc -l <"$T/$m.ndjson") cases, tests/stats/$m.R)" \
    "$(cmp -s "$T/$m.ndjson" "$ROOT/tests/stats/$m.ndjson" && echo same || { diff "$T/$m.ndjson" "$ROOT/tests/stats/$m.ndjson" | head -c 600; cat "$T/$m.err"; })" same
done
awk '{ if ($2 > m[$1]) m[$1] = $2; seen[$1] = 1 } END { for (k in seen) printf "# largest relative error, %s: %.3g\n", k, m[k] }' "$T/relerr" | sort

# Bad input: exit 2 and a problem object with a code, never a crash, a NaN or a hang.
bad() { # bad DESC METHOD INPUT CODE (INPUT @FILE: the file's content)
  if [[ $3 == @* ]]; then timeout 10 "$STATS" "$2" <"${3#@}" >"$T/out" 2>"$T/err"
  else printf '%s' "$3" | timeout 10 "$STATS" "$2" >"$T/out" 2>"$T/err"; fi
  local rc=$?
  if [[ $rc -eq 2 ]] && jq -e --arg c "$4" '.code == $c and (.title | length > 0)' "$T/err" >/dev/null 2>&1 &&
     [[ ! -s $T/out ]]; then ok "$1"; else not_ok "$1" "exit $rc" "stderr: $(cat "$T/err")" "stdout: $(cat "$T/out")"; fi
}
bad "not JSON" proportion 'x' A1000
bad "not an object" proportion '[1]' A1000
bad "unknown method" nosuch '{}' A1005
bad "unknown interval method" proportion '{"x":1,"n":2,"method":"magic"}' A1005
bad "missing field" proportion '{"x":1}' A1003
bad "wrong type" proportion '{"x":"1","n":2}' A1004
bad "x > n" proportion '{"x":3,"n":2}' A1001
bad "n = 0" proportion '{"x":0,"n":0}' A1001
bad "conf out of range" proportion '{"x":1,"n":2,"conf":1.5}' A1001
bad "negative count" rate '{"count":-1}' A1001
bad "fractional count" rate '{"count":1.5}' A1001
bad "zero population" rate '{"count":1,"population":0}' A1001
bad "empty arrays" dsr '{"counts":[],"populations":[],"standard":[]}' A1001
bad "mismatched lengths" dsr '{"counts":[1,2],"populations":[10],"standard":[1,1]}' A1001
bad "zero population in a stratum" dsr '{"counts":[1],"populations":[0],"standard":[1]}' A1001
bad "both counts zero" rate-ratio '{"count1":0,"time1":1,"count2":0,"time2":1}' A1006
bad "negative cell" two-by-two '{"a":-1,"b":1,"c":1,"d":1}' A1001
bad "empty exposure group" two-by-two '{"a":0,"b":0,"c":1,"d":1}' A1001
bad "no strata" mantel-haenszel '{"strata":[]}' A1003
bad "unknown family" glm '{"family":"gamma","y":[1,2]}' A1005
# Multiple-systems estimation: every hostile table a numbered error.
bad "mse: no lists" mse '{"lists":[],"cells":[]}' A1001
bad "mse: one list" mse '{"lists":["A"],"cells":[{"lists":["A"],"count":5}]}' A1001
bad "mse: 20 lists" mse "{\"lists\":$(seq 1 20 | jq -R . | jq -sc .),\"cells\":[]}" A1001
bad "mse: everyone in one list" mse '{"lists":["A","B"],"cells":[{"lists":["A"],"count":50}]}' A1002
bad "mse: lists that never overlap" mse '{"lists":["A","B","C"],"cells":[{"lists":["A"],"count":5},{"lists":["B"],"count":7},{"lists":["C"],"count":9}]}' A1002
bad "mse: a huge count" mse '{"lists":["A","B"],"cells":[{"lists":["A"],"count":1e300},{"lists":["A","B"],"count":1}]}' A1011
bad "mse: a negative count" mse '{"lists":["A","B"],"cells":[{"lists":["A"],"count":-3},{"lists":["A","B"],"count":1}]}' A1001
bad "mse: a fractional count" mse '{"lists":["A","B"],"cells":[{"lists":["A"],"count":2.5},{"lists":["A","B"],"count":1}]}' A1001
bad "mse: a list not named in lists" mse '{"lists":["A","B"],"cells":[{"lists":["C"],"count":3}]}' A1001
bad "mse: a pattern given twice" mse '{"lists":["A","B"],"cells":[{"lists":["A","B"],"count":3},{"lists":["B","A"],"count":4}]}' A1001
bad "mse: the unseen given" mse '{"lists":["A","B"],"cells":[{"lists":[],"count":3}]}' A1001
bad "mse: lists twice" mse '{"lists":["A","A"],"cells":[]}' A1001
bad "mse: no cells" mse '{"lists":["A","B"]}' A1003
bad "mse: cells not an array" mse '{"lists":["A","B"],"cells":{"A":1}}' A1004
bad "mse: an interaction of one list" mse '{"lists":["A","B","C"],"cells":[{"lists":["A","B"],"count":3}],"interactions":[["A"]]}' A1001
bad "mse: an unknown criterion" mse '{"lists":["A","B"],"cells":[{"lists":["A","B"],"count":3}],"criterion":"cp"}' A1005
bad "mse: more resamples than six lists allow" mse "$(head -1 "$ROOT/tests/stats/mse.ndjson" | jq -c '.input | del(.interactions) | . + {resamples: 5000}')" A1010
bad "mse: an estimate past the count limit" mse '{"lists":["A","B","C"],"cells":[{"lists":["A"],"count":4000000000},{"lists":["B"],"count":4000000000},{"lists":["C"],"count":4000000000},{"lists":["A","B"],"count":160000},{"lists":["B","C"],"count":160000},{"lists":["A","C"],"count":160000},{"lists":["A","B","C"],"count":6}],"resamples":20}' A1011
bad "mse: seed 0" mse '{"lists":["A","B"],"cells":[{"lists":["A","B"],"count":3}],"seed":0}' A1001
bad "mse: a hundred thousand resamples" mse '{"lists":["A","B"],"cells":[{"lists":["A","B"],"count":3}],"resamples":100000}' A1001
bad "mse: a model whose estimate does not exist" mse '{"lists":["A","B","C"],"cells":[{"lists":["A"],"count":40},{"lists":["B"],"count":30},{"lists":["C"],"count":20},{"lists":["A","B"],"count":6}],"interactions":[["A","B"]],"resamples":0}' A1007
# A period with nothing reported yet is not complete: its completeness is the share of
# reports expected in by now, whatever came.
eq "nowcast: a last period with no report yet is provisional" \
  "$(echo '{"triangle":[[10,6,3],[12,5],[0]],"resamples":0}' | "$STATS" nowcast | jq -c '.periods[2] | [.provisional, (.completeness < 0.6)]')" '[true,true]'
# The nowcast's hostile triangles.
bad "nowcast: no triangle" nowcast '{}' A1003
bad "nowcast: one period" nowcast '{"triangle":[[1,2,3]]}' A1001
bad "nowcast: a negative count (RAA's cumulative 15599 then 15496)" nowcast '{"triangle":[[5,4],[-103]]}' A1001
bad "nowcast: a gap inside a row" nowcast '{"triangle":[[5,4,3],[2,null,1],[1]]}' A1001
bad "nowcast: a later period observed further" nowcast '{"triangle":[[5,4,3],[2],[1,1]]}' A1001
bad "nowcast: a delay never observed" nowcast '{"triangle":[[5,4,null],[2,1],[1]]}' A1001
bad "nowcast: an empty period" nowcast '{"triangle":[[5,4],[]]}' A1001
bad "nowcast: nothing at the first delays" nowcast '{"triangle":[[0,4],[0]]}' A1002
bad "nowcast: a huge count" nowcast '{"triangle":[[1e300,4],[1]]}' A1011
bad "nowcast: a count that is text" nowcast '{"triangle":[[5,"4"],[1]]}' A1004
bad "nowcast: labels that do not match" nowcast '{"triangle":[[5,4],[1]],"periods":["2024"]}' A1001
bad "nowcast: a nowcast past the count limit" nowcast '{"triangle":[[1,0,4000000000],[1,4000000000],[4000000000]],"resamples":100}' A1011
bad "nowcast: more resamples than a 600 x 120 triangle allows" nowcast "$(jq -nc '{triangle: [range(600) as $t | [range([120, 600 - $t] | min) | 50]], resamples: 1000}')" A1010
bad "nowcast: 1,000 periods" nowcast "{\"triangle\":$(jq -nc '[range(1000) | [1, 1]]')}" A1001
bad "more coefficients than rows" glm '{"family":"poisson","y":[1,2],"columns":{"x":[1,2],"z":[3,1]}}' A1001
bad "a quasi-Poisson dispersion with no row to spare" glm '{"family":"quasipoisson","y":[1,2],"columns":{"x":[1,2]}}' A1001
bad "separation in logistic regression" glm '{"family":"binomial","y":[0,0,0,1,1,1],"columns":{"x":[1,2,3,4,5,6]}}' A1008
bad "collinear columns" glm '{"family":"poisson","y":[1,2,3,4],"columns":{"x":[1,2,3,4],"x2":[2,4,6,8]}}' A1009
bad "unknown reference level" glm '{"family":"poisson","y":[1,2,3,4],"factors":{"g":["a","b","a","b"]},"reference":{"g":"c"}}' A1001
bad "y above trials" glm '{"family":"binomial","y":[3,1,2],"trials":[2,2,2],"columns":{"x":[1,2,3]}}' A1001
bad "trend with two years" trend '{"years":[2020,2021],"values":[1,2]}' A1001
bad "trend on a zero rate" trend '{"years":[2020,2021,2022],"values":[1,0,2]}' A1001
bad "status not 0/1" km '{"time":[1,2],"status":[1,2]}' A1001
bad "negative time" km '{"time":[-1,2],"status":[1,1]}' A1001
# Cluster and stratum ids as whole numbers, as R's survey takes them (apiclus1's dnum is an
# integer): the same answer as the same ids written as strings.
ints='{"y":[1,0,1,1,0,0,1,0,1,1,0,1],"weights":[2,2,2,3,3,3,1,1,4,4,2,2],"strata":[1,1,1,1,1,1,2,2,2,2,2,2],"clusters":[637,637,716,716,413,413,45,45,48,48,61,61]}'
strings=$(echo "$ints" | jq -c '.strata |= map(tostring) | .clusters |= map(tostring)')
eq "survey-proportion: integer cluster and stratum ids give the string ids' answer" \
  "$(echo "$ints" | "$BIN/wiqaya-stats" survey-proportion)" "$(echo "$strings" | "$BIN/wiqaya-stats" survey-proportion)"
check "and an answer, not an error" bash -c "echo '$ints' | '$BIN/wiqaya-stats' survey-proportion | jq -e '.estimate > 0'"
bad "a fractional cluster id" survey-proportion '{"y":[0,1],"weights":[1,1],"clusters":[1.5,2]}' A1004
bad "a stratum with one cluster" survey-proportion '{"y":[0,1,1],"weights":[1,1,1],"strata":["a","a","b"],"clusters":["1","2","3"]}' A1001
bad "p-value above 1" p-adjust '{"p":[0.5,1.5]}' A1001

# The probe of issue 14: national counts and hostile magnitudes answer correctly or with a
# numbered error past the documented limits (docs/methods.md, Limits), never a wrong number.
bad "a cell above the count limit (2^32 - 2: GSL's unsigned int)" two-by-two '{"a":5e9,"b":10,"c":5,"d":7}' A1011
check "a 2x2 of 3e8 gives Fisher's p and an interior exact odds ratio" bash -c \
  "echo '{\"a\":300000000,\"b\":10,\"c\":5,\"d\":7}' | '$STATS' two-by-two | jq -e '.fisher_p_value > 0 and .fisher_p_value < 1e-40 and .odds_ratio_exact.lower > 1e6 and .odds_ratio_exact.estimate < .odds_ratio_exact.upper'"
check "5e8 in every cell answers at once: the chi-square, and Fisher skipped with a note" bash -c \
  "echo '{\"a\":5e8,\"b\":5e8,\"c\":5e8,\"d\":5e8}' | timeout 10 '$STATS' two-by-two | jq -e '.chi_square.p_value == 1 and .fisher_p_value == null and (.notes | map(test(\"too long\")) | any)'"
big=$(jq -cn '{family: "poisson", y: [range(5000)] | map(1), factors: {f: [range(5000)] | map(tostring)}}')
bad "glm: a factor of 5,000 levels (took 60 s and 2.3 GB)" glm "$big" A1010
jq -cn '{family: "poisson", y: [range(1000000)] | map(1), factors: {f: [range(1000000)] | map(tostring)}}' >"$T/million.json"
bad "glm: a factor of 1,000,000 levels (aborted on an 8 TB allocation)" glm "@$T/million.json" A1010
bad "trend on counts 1, 0, 0 diverges: no APC of -100 with p 0" trend '{"years":[2020,2021,2022],"counts":[1,0,0],"populations":[1000,1000,1000]}' A1007
bad "trend on all-zero counts: a titled error" trend '{"years":[2020,2021,2022],"counts":[0,0,0],"populations":[1000,1000,1000]}' A1006
check "survey weights of 1e308 give 0.5 for y = 1, 0" bash -c \
  "echo '{\"y\":[1,0],\"weights\":[1e308,1e308]}' | '$STATS' survey-proportion | jq -e '.estimate == 0.5 and .lower < 0.5 and .upper > 0.5'"
bad "rate-ratio with a time of 1e-320 (said count2 is zero)" rate-ratio '{"count1":10,"time1":1e-320,"count2":20,"time2":100}' A1011
bad "a rate on a population of 1e-320 (returned only a flag)" rate '{"count":10,"population":1e-320}' A1011
bad "a negative per (gave lower > upper)" rate '{"count":10,"population":1000,"per":-100}' A1001
bad "a negative per in a standardised rate" dsr '{"counts":[1],"populations":[10],"standard":[1],"per":-1}' A1001
# A global denominator (2 x 10^9 children) is answered by every method, exactly.
for m in wilson clopper-pearson agresti-coull wald; do
  check "a proportion of a global denominator (n = 2e9) by $m" bash -c \
    "echo '{\"x\":1000000,\"n\":2000000000,\"method\":\"$m\"}' | '$STATS' proportion | jq -e '.estimate == 0.0005 and .lower < 0.0005 and .upper > 0.0005 and .upper < 0.000502'"
done
bad "Agresti-Coull at n = 1e308 (lower bound above the estimate)" proportion '{"x":5e307,"n":1e308,"method":"agresti-coull"}' A1011
bad "glm: a column shorter than y, named by its path" glm '{"family":"poisson","y":[1,2,3],"columns":{"age":[1,2]}}' A1001
check "and the message names the column, not \"v\"" bash -c \
  "echo '{\"family\":\"poisson\",\"y\":[1,2,3],\"columns\":{\"age\":[1,\"x\"]}}' | '$STATS' glm 2>&1 | jq -e '.title | test(\"columns.age\")'"
echo '{"family":"poisson","y":[1,2,3],"columns":{"age":[1,2]},"factors":{"g":["a"]}}' >"$T/short.json"
# Under make asan LeakSanitizer checks (valgrind cannot run an ASan binary): a leak makes
# the exit status 23, not 2.
leakcheck="valgrind -q --leak-check=full --errors-for-leak-kinds=definite --error-exitcode=9" tool=valgrind
ldd "$STATS" | grep -q libasan && leakcheck="" tool=LeakSanitizer
check "glm: the length mismatch frees what it read ($tool)" bash -c \
  "$leakcheck '$STATS' glm <'$T/short.json' 2>/dev/null; [ \$? -eq 2 ]"
jq -cn '{p: [range(1000001)] | map(0.5)}' >"$T/long.json"
bad "an array past a million items" p-adjust "@$T/long.json" A1010
head -c 70000000 /dev/zero | tr '\0' ' ' >"$T/huge.json"
bad "an input past 64 MiB (200 MB reached 4.7 GB)" rate "@$T/huge.json" A1010
check "--help lists every method" bash -c "'$STATS' --help | grep -c '^  [a-z]' | grep -qx 13"
echo "1..$n"
