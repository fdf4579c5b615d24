# The dashboard on the demo country (200,000 cases): the page's load time to all charts
# drawn in headless Chromium, without a token (the published tables) and with a
# researcher's (every chart, budgets no benchmark exhausts), on a server started for the
# run (its answer cache empty, so a view's first load runs its SQL), and the bundle size.
source "$(dirname "$0")/demo.sh"
serve_bench 18095
js=$(ls build/web/assets/app-*.js)
css=$(ls build/web/assets/style-*.css)
echo "bundle: JavaScript $(stat -c %s "$js") bytes ($(stat -c %s "$js.gz") sent gzipped), CSS $(stat -c %s "$css") ($(stat -c %s "$css.gz")), HTML $(stat -c %s build/web/index.html) ($(stat -c %s build/web/index.html.gz))"
node bench/dashboard.mjs http://127.0.0.1:18095 "$token" 6
kill $pid
wait $pid 2>/dev/null || true
# The sweep of issue 24 on the demo: a policy token of the shipped budget, 100 random
# filter states; every chart drawn from the published product, waiting with its cost, or
# with no model to ask: none refused.
serve_bench 18096
policy=$("$BIN/wiqaya-server" token add --role policy --name "bench sweep" 2>var/bench/add.err)
"$BIN/wiqaya-server" token budget "$(grep -o 'token [0-9]*' var/bench/add.err | cut -d' ' -f2)" \
  "$(awk -F' *= *' '/^budget_policy/ { print $2 + 0 }' config/wiqaya.conf.example)" >/dev/null
mkdir -p var/bench/screenshots
node tests/browser/dashboard.mjs http://127.0.0.1:18096 "$policy" var/bench/screenshots sweep | grep -v '^ok'
kill $pid
wait $pid 2>/dev/null || true
