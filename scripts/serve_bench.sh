#!/usr/bin/env bash
# Benchmark of `medpacket serve` on a copy of fixtures/sample-records: the idle server's
# memory (VmRSS after the page was shown once) and the time from the "Build packet" POST
# to the build's end as the page's script sees it (polling /build/status), median of
# ROUNDS builds. Needs curl.
#
#   scripts/serve_bench.sh [ROUNDS]              (default 5)
#   MEDPACKET_BIN=path/to/medpacket scripts/serve_bench.sh
set -euo pipefail
cd "$(dirname "$0")/.."
rounds=${1:-5}
command -v curl >/dev/null || { echo "serve_bench: curl is missing (apt-get install curl)" >&2; exit 2; }
bin=${MEDPACKET_BIN:-}
if [ -z "$bin" ]; then
  cargo build --release --quiet --bin medpacket
  bin=target/release/medpacket
fi
work=$(mktemp -d)
pid=""
cleanup() {
  if [ -n "$pid" ]; then kill -TERM "$pid" 2>/dev/null || true; wait "$pid" 2>/dev/null || true; fi
  rm -rf "$work"
}
trap cleanup EXIT
cp -r fixtures/sample-records "$work/records"
export SOURCE_DATE_EPOCH=1767225600

"$bin" serve "$work/records" --no-open >"$work/out.txt" 2>/dev/null &
pid=$!
for _ in $(seq 100); do [ -s "$work/out.txt" ] && break; sleep 0.05; done
url=$(head -1 "$work/out.txt")
port=${url#http://127.0.0.1:}; port=${port%%/*}
token=${url##*token=}
base="http://127.0.0.1:$port"
cookie="medpacket-$port=$token"

curl -sf -o /dev/null -H "Cookie: $cookie" "$base/"
sleep 1
rss=$(awk '/^VmRSS/ { print $2 }' "/proc/$pid/status")
echo "idle server after one page view: VmRSS ${rss} kB"

median() { sort -g | awk '{ a[NR] = $1 } END { if (NR % 2) print a[(NR + 1) / 2]; else print (a[NR / 2] + a[NR / 2 + 1]) / 2 }'; }
times=()
for _ in $(seq "$rounds"); do
  start=$(date +%s.%N)
  curl -sf -o /dev/null -X POST -H "Cookie: $cookie" -H "Origin: $base" "$base/build"
  while curl -sf -H "Cookie: $cookie" "$base/build/status" | grep -q '"running"'; do sleep 0.02; done
  end=$(date +%s.%N)
  curl -sf -H "Cookie: $cookie" "$base/" | grep -q '>Download packet</a>' || { echo "serve_bench: no Download packet link" >&2; exit 1; }
  times+=("$(echo "$end - $start" | bc -l)")
done
printf '%s\n' "${times[@]}" | median | awk '{ printf "Build packet -> Download packet link: median %.3f s over '"$rounds"' builds\n", $1 }'
rss=$(awk '/^VmRSS/ { print $2 }' "/proc/$pid/status")
hwm=$(awk '/^VmHWM/ { print $2 }' "/proc/$pid/status")
echo "after the builds: VmRSS ${rss} kB, peak ${hwm} kB"
