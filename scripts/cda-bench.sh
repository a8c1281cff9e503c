#!/usr/bin/env bash
# Benchmark: build a packet from N synthetic HL7 clinical documents (C-CDA). Prints the
# median wall time and peak RSS of `medpacket build`, the packet's pages and the pages of
# each document. Needs hyperfine (or falls back to GNU time) and qpdf.
#
#   scripts/cda-bench.sh [N] [ROUNDS]     (default 50 documents, 5 rounds)
set -euo pipefail
cd "$(dirname "$0")/.."
n=${1:-50}
rounds=${2:-5}
cargo build --release --quiet --bin medpacket --example cda_records
bin=target/release/medpacket
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
export SOURCE_DATE_EPOCH=1767225600
target/release/examples/cda_records "$work/records" "$n"
echo "cda-bench: $n documents, $(du -sh "$work/records" | cut -f1) of XML"
if command -v hyperfine >/dev/null; then
  hyperfine --warmup 1 --runs "$rounds" \
    "$bin build $work/records -o $work/out.pdf --force"
else
  for _ in $(seq "$rounds"); do
    /usr/bin/time -f "%e s  %M KB" "$bin" build "$work/records" -o "$work/out.pdf" --force >/dev/null
  done
fi
/usr/bin/time -f "peak RSS: %M KB" "$bin" build "$work/records" -o "$work/out.pdf" --force --json >"$work/build.json"
qpdf --check "$work/out.pdf" >/dev/null && echo "qpdf --check: ok"
python3 - "$work/build.json" <<'PY'
import json, sys, collections
r = json.load(open(sys.argv[1]))
per = collections.Counter()
pages = collections.defaultdict(list)
for d in r["documents"]:
    pages[d["kind"]].append(d["last_page"] - d["first_page"] + 1)
print(f"packet: {r['pages']} pages, {len(r['documents'])} documents")
for k, v in sorted(pages.items()):
    print(f"  {k}: {len(v)} documents, {min(v)}-{max(v)} pages each, mean {sum(v)/len(v):.1f}")
PY
