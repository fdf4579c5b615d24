# The dashboard on the demo country (200,000 cases): the page's load time to all charts
# drawn in headless Chromium, without a token (the published tables) and with a
# researcher's (ten charts, budgets no benchmark exhausts), on a server started for the
# run (its answer cache empty, so a view's first load runs its SQL), and the bundle size.
source "$(dirname "$0")/demo.sh"
serve_bench 18095
js=$(ls build/web/assets/app-*.js)
css=$(ls build/web/assets/style-*.css)
echo "bundle: JavaScript $(stat -c %s "$js") bytes ($(stat -c %s "$js.gz") sent gzipped), CSS $(stat -c %s "$css") ($(stat -c %s "$css.gz")), HTML $(stat -c %s build/web/index.html) ($(stat -c %s build/web/index.html.gz))"
node bench/dashboard.mjs http://127.0.0.1:18095 "$token" 6
kill $pid
wait $pid 2>/dev/null || true
