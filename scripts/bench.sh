#!/usr/bin/env bash
# Benchmark: medpacket build (the full packet) against plain merges of the same inputs
# by poppler's pdfunite and by qpdf, on synthetic folders. Prints the median wall time
# and peak RSS of each, and the ratios. Needs qpdf, poppler-utils and GNU time.
#
#   scripts/bench.sh [ROUNDS]          (default 5)
#   BENCH_CASES="text400 text1600 jpeg200" scripts/bench.sh
set -euo pipefail
cd "$(dirname "$0")/.."
rounds=${1:-5}
cases=${BENCH_CASES:-"text400 text1600 jpeg200"}
for tool in pdfunite qpdf /usr/bin/time; do
  command -v "$tool" >/dev/null || { echo "bench: $tool is missing (apt-get install poppler-utils qpdf time)" >&2; exit 2; }
done
cargo build --release --quiet --bin medpacket --example synth_records
bin=target/release/medpacket
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
export SOURCE_DATE_EPOCH=1767225600

make_case() {
  case "$1" in
    text400) target/release/examples/synth_records "$work/text400" 400 10 ;;
    text1600) target/release/examples/synth_records "$work/text1600" 1600 10 ;;
    jpeg200) target/release/examples/synth_records "$work/jpeg200" 0 1 --jpeg 200 ;;
  esac
}

# median of the numbers on stdin
median() { sort -g | awk '{ a[NR] = $1 } END { if (NR % 2) print a[(NR + 1) / 2]; else print (a[NR / 2] + a[NR / 2 + 1]) / 2 }'; }

# run LABEL CMD...: prints "median_seconds median_rss_kb"
run() {
  local times=() rss=()
  for _ in $(seq "$rounds"); do
    rm -f "$work/out.pdf"
    local line
    /usr/bin/time -f "%e %M" -o "$work/time.txt" "$@" >/dev/null 2>&1
    line=$(tail -1 "$work/time.txt")
    times+=("${line% *}")
    rss+=("${line#* }")
  done
  echo "$(printf '%s\n' "${times[@]}" | median) $(printf '%s\n' "${rss[@]}" | median)"
}

printf '%-9s %-10s %10s %12s\n' case tool "wall (s)" "peak RSS (MB)"
declare -A W R
for c in $cases; do
  make_case "$c"
  src="$work/$c"
  inputs=("$src"/*.pdf)
  [ -d "$src.pdfs" ] && inputs=("$src.pdfs"/*.pdf)
  read -r w r < <(run "$bin" build "$src" -o "$work/out.pdf" --force)
  W[$c.mp]=$w; R[$c.mp]=$r
  read -r w r < <(run pdfunite "${inputs[@]}" "$work/out.pdf")
  W[$c.pu]=$w; R[$c.pu]=$r
  read -r w r < <(run qpdf --empty --pages "${inputs[@]}" -- "$work/out.pdf")
  W[$c.qp]=$w; R[$c.qp]=$r
  for t in mp pu qp; do
    name=$([ $t = mp ] && echo medpacket || ([ $t = pu ] && echo pdfunite || echo qpdf))
    printf '%-9s %-10s %10.3f %12.1f\n' "$c" "$name" "${W[$c.$t]}" "$(echo "${R[$c.$t]} / 1024" | bc -l)"
  done
  largest=$(ls -l "$src" | awk 'NR > 1 { if ($5 > m) m = $5 } END { print m }')
  printf '%-9s ratios: medpacket/pdfunite wall %.2f, medpacket/qpdf wall %.2f; largest input %.1f MB\n' \
    "$c" "$(echo "${W[$c.mp]} / ${W[$c.pu]}" | bc -l)" "$(echo "${W[$c.mp]} / ${W[$c.qp]}" | bc -l)" \
    "$(echo "$largest / 1048576" | bc -l)"
done
if [[ " $cases " == *" text400 "* && " $cases " == *" text1600 "* ]]; then
  printf 'scaling 400 -> 1600 documents: wall x%.2f, peak RSS x%.2f\n' \
    "$(echo "${W[text1600.mp]} / ${W[text400.mp]}" | bc -l)" "$(echo "${R[text1600.mp]} / ${R[text400.mp]}" | bc -l)"
fi
