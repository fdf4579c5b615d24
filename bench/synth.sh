# Synthetic country: time and peak memory at 10^5 and 10^6 cases (memory must stay flat).
BIN=${BUILD:-build}/bin
out=$(mktemp -d)
for n in 100000 1000000; do
  /usr/bin/time -f "%e s, peak RSS %M KiB" -o "$out/time" "$BIN/wiqaya-synth" --seed 1 --cases $n --out "$out/s"
  echo "wiqaya-synth --cases $n: $(cat "$out/time"), $(du -sh "$out/s" | cut -f1) written"
  rm -rf "$out/s"
done
rm -rf "$out"
