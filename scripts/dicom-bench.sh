#!/usr/bin/env bash
# Benchmark: scan a copied imaging CD of N DICOM files (headers only; pixel data is never
# parsed). Prints the median wall time of `medpacket scan --no-cache` (medpacket's cache
# off, so every header is read again) and the studies found. Needs hyperfine (or falls
# back to GNU time).
#
#   scripts/dicom-bench.sh [N] [PIXEL_BYTES] [ROUNDS]   (default 2000 files, 128 KiB, 5)
set -euo pipefail
cd "$(dirname "$0")/.."
n=${1:-2000}
pixels=${2:-131072}
rounds=${3:-5}
cargo build --release --quiet --bin medpacket --example dicom_disc
bin=target/release/medpacket
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
target/release/examples/dicom_disc "$work/records" "$n" "$pixels"
echo "dicom-bench: $n files, $(du -sh "$work/records" | cut -f1) on disk, $(nproc) cores"
if command -v hyperfine >/dev/null; then
  hyperfine --runs "$rounds" --export-json "$work/times.json" \
    "$bin scan --no-cache $work/records --json"
  python3 - "$work/times.json" <<'PY'
import json, sys
r = json.load(open(sys.argv[1]))["results"][0]
print(f"median: {r['median'] * 1000:.0f} ms")
PY
else
  for _ in $(seq "$rounds"); do
    /usr/bin/time -f "%e s  %M KB" "$bin" scan --no-cache "$work/records" --json >/dev/null
  done
fi
"$bin" scan --no-cache "$work/records" --json >"$work/scan.json"
python3 - "$work/scan.json" <<'PY'
import json, sys
r = json.load(open(sys.argv[1]))
studies = r["imaging"]
print(f"studies: {len(studies)}, images: {sum(s['images'] for s in studies)}, "
      f"problems: {len(r['problems'])}, ignored: {len(r['ignored'])}")
PY
