#!/usr/bin/env bash
# Benchmark: medpacket build (the full packet) against plain tools on the same inputs, on
# synthetic folders: poppler's pdfunite and qpdf (merges), img2pdf (JPEGs wrapped as PDF
# pages) and cat (the inputs copied into one file: the floor for reading and writing; for
# JPEGs also cat + sync -d, the copy put on disk as medpacket puts a packet on disk before
# renaming it into place).
# medpacket runs cold (an empty cache: every file read and checked) and warm (the cache
# filled by an earlier build: files only hashed and copied). The tools take turns within
# each round, so the machine's changes of speed fall on all of them. Prints the median wall time
# and peak RSS of each, the CPU time (user + system: on a busy machine wall time waits for
# other programs), and the ratios the targets are stated in. medpacket runs with
# --ocr never: these figures are for packing; scripts/ocr-bench.sh measures OCR.
# Needs qpdf, poppler-utils, img2pdf, python3 (the timer), GNU time (peak RSS) and bc.
#
# Further cases, not run by default (they take longer): dicom2000 (scripts/dicom-bench.sh:
# a 2,000-file imaging disc scanned headers only), fhir100 (scripts/fhir-bench.sh: a 100 MB
# FHIR ndjson export scanned, with its peak memory) and ocr (scripts/ocr-bench.sh: warm
# rebuild against cold build of scanned pages). The run ends with one summary block: every
# ratio of the speed targets, its target and whether it is met ("not measured" when its
# cases were not run).
#
#   scripts/bench.sh [ROUNDS]          (default 5)
#   BENCH_CASES="text400 text1600 jpeg200" scripts/bench.sh
#   BENCH_CASES="text400 text1600 jpeg200 dicom2000 fhir100 ocr" scripts/bench.sh
#   MEDPACKET_BIN=/path/to/an/earlier/medpacket scripts/bench.sh
set -euo pipefail
cd "$(dirname "$0")/.."
rounds=${1:-5}
cases=${BENCH_CASES:-"text400 text1600 jpeg200"}
for tool in pdfunite qpdf img2pdf python3 /usr/bin/time bc; do
  command -v "$tool" >/dev/null || { echo "bench: $tool is missing (apt-get install poppler-utils qpdf img2pdf python3 time bc)" >&2; exit 2; }
done
cargo build --release --quiet --bin medpacket --example synth_records
# MEDPACKET_BIN: another build to measure (an earlier commit's, for before and after).
bin=${MEDPACKET_BIN:-$PWD/target/release/medpacket}
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

# Runs a command (its output dropped); prints its wall and CPU (user + system) seconds.
# The peak RSS comes from GNU time, run by it: a child of Python starts as a copy of it.
timer='
import os, subprocess, sys, time
t = time.perf_counter()
p = subprocess.Popen(sys.argv[1:], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
_, _, ru = os.wait4(p.pid, 0)
print(f"{time.perf_counter() - t:.4f} {ru.ru_utime + ru.ru_stime:.4f}")
'

# once KEY BEFORE CMD...: runs BEFORE (a shell command), then times CMD once; adds its
# wall and CPU seconds and its peak RSS (KB) to the lists kept for KEY.
declare -A TW TR TC
once() {
  local key=$1 before=$2
  shift 2
  rm -f "$work/out.pdf"
  eval "$before"
  local e m c
  # Wall and CPU time to the microsecond (GNU time gives hundredths of a second, a
  # tenth of a warm build), and peak RSS.
  read -r e c < <(python3 -c "$timer" /usr/bin/time -f %M -o "$work/rss.txt" "$@")
  m=$(tail -1 "$work/rss.txt")
  TW[$key]+="$e "
  TR[$key]+="$m "
  TC[$key]+="$c "
}

# medians KEY: the medians of KEY's lists, into W, R and C.
medians() {
  # shellcheck disable=SC2086 # the lists are split on purpose
  W[$1]=$(printf '%s\n' ${TW[$1]} | median)
  # shellcheck disable=SC2086
  R[$1]=$(printf '%s\n' ${TR[$1]} | median)
  # shellcheck disable=SC2086
  C[$1]=$(printf '%s\n' ${TC[$1]} | median)
}

# $1 / $2 (0 when $2 is too small to measure)
ratio() { if [ "$(echo "$2 > 0" | bc -l)" = 1 ]; then echo "$1 / $2" | bc -l; else echo 0; fi; }

echo "$(nproc) cores; load average $(cut -d' ' -f1-3 /proc/loadavg); medians of $rounds"
printf '%-9s %-16s %10s %10s %14s\n' case tool "wall (s)" "CPU (s)" "peak RSS (MB)"
declare -A W R C
# The cases measured by their own scripts: their output is shown and kept for the summary.
declare -A OTHER
for c in $cases; do
  case "$c" in
    dicom2000) OTHER[$c]=$(scripts/dicom-bench.sh 2000 131072 "$rounds" | tee /dev/stderr) ;;
    fhir100) OTHER[$c]=$(scripts/fhir-bench.sh 100 "$rounds" | tee /dev/stderr) ;;
    ocr) OTHER[$c]=$(scripts/ocr-bench.sh "$(( rounds < 3 ? rounds : 3 ))" | tee /dev/stderr) ;;
  esac
done
for c in $cases; do
  case "$c" in dicom2000 | fhir100 | ocr) continue ;; esac
  make_case "$c"
  src="$work/$c"
  shopt -s nullglob
  pdfs=("$src"/*.pdf)
  jpgs=("$src"/*.jpg)
  shopt -u nullglob
  [ -d "$src.pdfs" ] && pdfs=("$src.pdfs"/*.pdf)
  tools="cold warm pdfunite qpdf cat"
  [ ${#jpgs[@]} -gt 0 ] && tools="cold warm json pdfunite qpdf img2pdf cat catsync"
  # The tools take turns, round after round, so a change in the machine's speed during
  # the run (a busy neighbour) falls on all of them alike and the ratios hold.
  for _ in $(seq "$rounds"); do
    once "$c.cold" 'rm -rf "$MEDPACKET_CACHE_DIR"' "$bin" build "$src" -o "$work/out.pdf" --force --ocr never
    # The cold build just filled the cache; one untimed rebuild first, so the timed one
    # follows a rebuild (the system's file caches as warm as they are between rebuilds).
    "$bin" build "$src" -o "$work/out.pdf" --force --ocr never >/dev/null
    once "$c.warm" : "$bin" build "$src" -o "$work/out.pdf" --force --ocr never
    once "$c.pdfunite" : pdfunite "${pdfs[@]}" "$work/out.pdf"
    once "$c.qpdf" : qpdf --empty --pages "${pdfs[@]}" -- "$work/out.pdf"
    if [ ${#jpgs[@]} -gt 0 ]; then
      # With --json the packet is also read back to take its SHA-256 for the report (a
      # plain build prints no checksum and skips it): the same build, with that cost.
      once "$c.json" : "$bin" build "$src" -o "$work/out.pdf" --force --ocr never --json
      once "$c.img2pdf" : img2pdf "${jpgs[@]}" -o "$work/out.pdf"
      once "$c.cat" : sh -c 'cat "$@" > "$0"' "$work/out.pdf" "${jpgs[@]}"
      # cat, then the copy put on disk as medpacket does before it renames a packet into place.
      once "$c.catsync" : sh -c 'cat "$@" > "$0" && sync -d "$0"' "$work/out.pdf" "${jpgs[@]}"
    else
      once "$c.cat" : sh -c 'cat "$@" > "$0"' "$work/out.pdf" "${pdfs[@]}"
    fi
  done
  for t in $tools; do medians "$c.$t"; done
  for t in $tools; do
    name=$t
    [ "$t" = cold ] && name="medpacket cold"
    [ "$t" = warm ] && name="medpacket warm"
    [ "$t" = json ] && name="warm --json"
    [ "$t" = catsync ] && name="cat + sync -d"
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

# One line of the summary: NAME VALUE TARGET (VALUE must be at most the number in TARGET,
# "<=0.7" or "x1.3"), SHOWN (the figures printed), NEEDS (the cases it needs, named when
# VALUE is empty: not measured).
verdict() {
  local name=$1 value=$2 target=$3 shown=$4 needs=$5
  local limit=${target#<=}
  limit=${limit#x}
  if [ -z "$value" ]; then
    printf '  %-36s %-18s target %-6s not measured (BENCH_CASES needs %s)\n' "$name" "-" "$target" "$needs"
  elif [ "$(echo "$value <= $limit" | bc -l)" = 1 ]; then
    printf '  %-36s %-18s target %-6s met\n' "$name" "$shown" "$target"
  else
    printf '  %-36s %-18s target %-6s not met\n' "$name" "$shown" "$target"
  fi
}
# "VALUE" when both cases ran, else empty.
have() { [ -n "${W[$1]:-}" ] && [ -n "${W[$2]:-}" ]; }
echo
echo "== summary (medians of $rounds; wall time, with CPU time beside it: the machine may be busy)"
r=""; shown=""
if have text400.cold text400.pdfunite; then
  r=$(ratio "${W[text400.cold]}" "${W[text400.pdfunite]}")
  shown=$(printf '%.2f (CPU %.2f)' "$r" "$(ratio "${C[text400.cold]}" "${C[text400.pdfunite]}")")
fi
verdict "text400 cold / pdfunite" "$r" "<=0.7" "$shown" text400
r=""; shown=""
if have text400.warm text400.pdfunite; then
  r=$(ratio "${W[text400.warm]}" "${W[text400.pdfunite]}")
  shown=$(printf '%.2f (CPU %.2f)' "$r" "$(ratio "${C[text400.warm]}" "${C[text400.pdfunite]}")")
fi
verdict "text400 warm / pdfunite" "$r" "<=0.35" "$shown" text400
r=""; shown=""
if have jpeg200.warm jpeg200.cat; then
  r=$(ratio "${W[jpeg200.warm]}" "${W[jpeg200.cat]}")
  shown=$(printf '%.2f (CPU %.2f)' "$r" "$(ratio "${C[jpeg200.warm]}" "${C[jpeg200.cat]}")")
fi
verdict "jpeg200 warm / cat" "$r" "<=1.5" "$shown" jpeg200
if have jpeg200.json jpeg200.cat; then
  # Not a target: the build whose report carries the packet's checksum.
  printf '  %-36s %.2f (CPU %.2f)\n' "jpeg200 warm --json / cat" \
    "$(ratio "${W[jpeg200.json]}" "${W[jpeg200.cat]}")" "$(ratio "${C[jpeg200.json]}" "${C[jpeg200.cat]}")"
fi
if have jpeg200.warm jpeg200.catsync; then
  # Not a target: the same ratio against a copy that is also put on disk, as a packet is.
  printf '  %-36s %.2f (CPU %.2f)\n' "jpeg200 warm / (cat + sync -d)" \
    "$(ratio "${W[jpeg200.warm]}" "${W[jpeg200.catsync]}")" "$(ratio "${C[jpeg200.warm]}" "${C[jpeg200.catsync]}")"
fi
r=""; shown=""
if have text400.cold text1600.cold; then
  r=$(ratio "${R[text1600.cold]}" "${R[text400.cold]}")
  rw=$(ratio "${R[text1600.warm]}" "${R[text400.warm]}")
  # The larger of the cold and warm growths is the one held to the target.
  if [ "$(echo "$rw > $r" | bc -l)" = 1 ]; then r=$rw; fi
  shown=$(printf 'x%.2f' "$r")
fi
verdict "peak memory growth 400 -> 1600 docs" "$r" "x1.3" "$shown" "text400 text1600"
r=""; shown=""
if [ -n "${OTHER[ocr]:-}" ]; then
  line=$(grep -o 'warm [0-9.]* s ([0-9.]* % of cold)' <<<"${OTHER[ocr]}" | head -1)
  r=$(sed -E 's/.*\(([0-9.]+) % of cold\)/\1/' <<<"$line")
  shown="$r %"
fi
verdict "OCR warm / cold (per cent)" "$r" "<=10" "$shown" ocr
if [ -n "${OTHER[dicom2000]:-}" ]; then
  printf '  %-36s %s (no target stated)\n' "dicom2000 scan, headers only" \
    "$(grep -E '^median' <<<"${OTHER[dicom2000]}" | tr '\n' ' ')"
else
  printf '  %-36s not measured (BENCH_CASES needs dicom2000)\n' "dicom2000 scan, headers only"
fi
if [ -n "${OTHER[fhir100]:-}" ]; then
  printf '  %-36s %s (no target stated)\n' "fhir100 scan" \
    "$(grep -E '^median' <<<"${OTHER[fhir100]}" | tr '\n' ' ')"
else
  printf '  %-36s not measured (BENCH_CASES needs fhir100)\n' "fhir100 scan"
fi
