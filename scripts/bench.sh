#!/usr/bin/env bash
# Benchmark: medpacket build (the full packet) against plain tools on the same inputs, on
# synthetic folders: poppler's pdfunite and qpdf (merges), img2pdf (JPEGs wrapped as PDF
# pages) and cat (the inputs copied into one file: the floor for reading and writing).
# medpacket runs cold (an empty cache: every file read and checked) and warm (the cache
# filled by an earlier build: files only hashed and copied). Prints the median wall time
# and peak RSS of each, the CPU time (user + system: on a busy machine wall time waits for
# other programs), and the ratios the targets are stated in. medpacket runs with
# --ocr never: these figures are for packing; scripts/ocr-bench.sh measures OCR.
# Needs qpdf, poppler-utils, img2pdf and GNU time.
#
#   scripts/bench.sh [ROUNDS]          (default 5)
#   BENCH_CASES="text400 text1600 jpeg200" scripts/bench.sh
set -euo pipefail
cd "$(dirname "$0")/.."
rounds=${1:-5}
cases=${BENCH_CASES:-"text400 text1600 jpeg200"}
for tool in pdfunite qpdf img2pdf /usr/bin/time bc; do
  command -v "$tool" >/dev/null || { echo "bench: $tool is missing (apt-get install poppler-utils qpdf img2pdf time bc)" >&2; exit 2; }
done
cargo build --release --quiet --bin medpacket --example synth_records
bin=$PWD/target/release/medpacket
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
export SOURCE_DATE_EPOCH=1767225600
export MEDPACKET_CACHE_DIR="$work/cache"

make_case() {
  case "$1" in
    text400) target/release/examples/synth_records "$work/text400" 400 10 ;;
    text1600) target/release/examples/synth_records "$work/text1600" 1600 10 ;;
    jpeg200) target/release/examples/synth_records "$work/jpeg200" 0 1 --jpeg 200 ;;
  esac
}

# median of the numbers on stdin
median() { sort -g | awk '{ a[NR] = $1 } END { if (NR % 2) print a[(NR + 1) / 2]; else print (a[NR / 2] + a[NR / 2 + 1]) / 2 }'; }

# run BEFORE CMD...: runs BEFORE (a shell command) then times CMD, ROUNDS times;
# prints "median_seconds median_rss_kb median_cpu_seconds"
run() {
  local before=$1
  shift
  local times=() rss=() cpu=()
  for _ in $(seq "$rounds"); do
    rm -f "$work/out.pdf"
    eval "$before"
    local line
    /usr/bin/time -f "%e %M %U %S" -o "$work/time.txt" "$@" >/dev/null 2>&1
    read -r e m u s < <(tail -1 "$work/time.txt")
    times+=("$e")
    rss+=("$m")
    cpu+=("$(echo "$u + $s" | bc -l)")
  done
  echo "$(printf '%s\n' "${times[@]}" | median) $(printf '%s\n' "${rss[@]}" | median) $(printf '%s\n' "${cpu[@]}" | median)"
}

# $1 / $2 (0 when $2 is too small to measure)
ratio() { if [ "$(echo "$2 > 0" | bc -l)" = 1 ]; then echo "$1 / $2" | bc -l; else echo 0; fi; }

echo "$(nproc) cores; load average $(cut -d' ' -f1-3 /proc/loadavg); medians of $rounds"
printf '%-9s %-16s %10s %10s %14s\n' case tool "wall (s)" "CPU (s)" "peak RSS (MB)"
declare -A W R C
for c in $cases; do
  make_case "$c"
  src="$work/$c"
  shopt -s nullglob
  pdfs=("$src"/*.pdf)
  jpgs=("$src"/*.jpg)
  shopt -u nullglob
  [ -d "$src.pdfs" ] && pdfs=("$src.pdfs"/*.pdf)
  tools="cold warm pdfunite qpdf cat"
  read -r W[$c.cold] R[$c.cold] C[$c.cold] < <(run 'rm -rf "$MEDPACKET_CACHE_DIR"' "$bin" build "$src" -o "$work/out.pdf" --force --ocr never)
  "$bin" build "$src" -o "$work/out.pdf" --force --ocr never >/dev/null
  read -r W[$c.warm] R[$c.warm] C[$c.warm] < <(run : "$bin" build "$src" -o "$work/out.pdf" --force --ocr never)
  read -r W[$c.pdfunite] R[$c.pdfunite] C[$c.pdfunite] < <(run : pdfunite "${pdfs[@]}" "$work/out.pdf")
  read -r W[$c.qpdf] R[$c.qpdf] C[$c.qpdf] < <(run : qpdf --empty --pages "${pdfs[@]}" -- "$work/out.pdf")
  if [ ${#jpgs[@]} -gt 0 ]; then
    read -r W[$c.img2pdf] R[$c.img2pdf] C[$c.img2pdf] < <(run : img2pdf "${jpgs[@]}" -o "$work/out.pdf")
    read -r W[$c.cat] R[$c.cat] C[$c.cat] < <(run : sh -c 'cat "$@" > "$0"' "$work/out.pdf" "${jpgs[@]}")
    tools="cold warm pdfunite qpdf img2pdf cat"
  else
    read -r W[$c.cat] R[$c.cat] C[$c.cat] < <(run : sh -c 'cat "$@" > "$0"' "$work/out.pdf" "${pdfs[@]}")
  fi
  for t in $tools; do
    name=$t
    [ "$t" = cold ] && name="medpacket cold"
    [ "$t" = warm ] && name="medpacket warm"
    printf '%-9s %-16s %10.3f %10.3f %14.1f\n' "$c" "$name" "${W[$c.$t]}" "${C[$c.$t]}" "$(ratio "${R[$c.$t]}" 1024)"
  done
  largest=$(find "$src" -type f -printf '%s\n' | sort -n | tail -1)
  printf '%-9s cold/pdfunite %.2f  warm/pdfunite %.2f  cold/qpdf %.2f  warm/cat %.2f\n' "$c" \
    "$(ratio "${W[$c.cold]}" "${W[$c.pdfunite]}")" "$(ratio "${W[$c.warm]}" "${W[$c.pdfunite]}")" \
    "$(ratio "${W[$c.cold]}" "${W[$c.qpdf]}")" "$(ratio "${W[$c.warm]}" "${W[$c.cat]}")"
  printf '%-9s CPU: cold/pdfunite %.2f  warm/pdfunite %.2f\n' "$c" \
    "$(ratio "${C[$c.cold]}" "${C[$c.pdfunite]}")" "$(ratio "${C[$c.warm]}" "${C[$c.pdfunite]}")"
  if [ ${#jpgs[@]} -gt 0 ]; then
    printf '%-9s cold/img2pdf %.2f  warm/img2pdf %.2f; CPU: cold/img2pdf %.2f  warm/cat %.2f\n' "$c" \
      "$(ratio "${W[$c.cold]}" "${W[$c.img2pdf]}")" "$(ratio "${W[$c.warm]}" "${W[$c.img2pdf]}")" \
      "$(ratio "${C[$c.cold]}" "${C[$c.img2pdf]}")" "$(ratio "${C[$c.warm]}" "${C[$c.cat]}")"
  fi
  printf '%-9s largest input %.1f MB; peak RSS cold %.1f MB, warm %.1f MB; limit 2 x largest + 64 MiB = %.1f MB\n' "$c" \
    "$(ratio "$largest" 1048576)" "$(ratio "${R[$c.cold]}" 1024)" "$(ratio "${R[$c.warm]}" 1024)" \
    "$(echo "2 * $largest / 1048576 + 64" | bc -l)"
  rm -rf "$src" "$src.pdfs" "$MEDPACKET_CACHE_DIR"
done
if [[ " $cases " == *" text400 "* && " $cases " == *" text1600 "* ]]; then
  for t in cold warm; do
    printf 'scaling 400 -> 1600 documents, %s: wall x%.2f, CPU x%.2f, peak RSS x%.2f\n' "$t" \
      "$(ratio "${W[text1600.$t]}" "${W[text400.$t]}")" "$(ratio "${C[text1600.$t]}" "${C[text400.$t]}")" \
      "$(ratio "${R[text1600.$t]}" "${R[text400.$t]}")"
  done
fi
