#!/usr/bin/env bash
# Before and after: two or more medpacket binaries built from different commits, and
# pdfunite (for the text cases) or cat and cat + sync -d (for jpeg200: the pictures' bytes
# copied, then also put on disk), run in turns on the same synthetic folder. Every round runs each of them once,
# so a change in the machine's speed during the run falls on all of them alike. Running
# scripts/bench.sh once per binary does not do that: on a shared machine, pdfunite alone
# has taken 0.31 s in one run and 0.44 s in the next.
# Prints each one's median wall and CPU time (user + system) and their ratios to pdfunite
# (or cat). Needs poppler-utils (pdfunite) and python3.
#
#   scripts/bench-compare.sh cold|warm text400|text1600|jpeg200 ROUNDS BIN...
#   scripts/bench-compare.sh cold text400 15 /tmp/medpacket-before target/release/medpacket
set -euo pipefail
cd "$(dirname "$0")/.."
[ $# -ge 4 ] || { sed -n '2,13p' "$0" >&2; exit 2; }
mode=$1 case_=$2 rounds=$3
shift 3
case "$mode" in cold | warm) ;; *) echo "bench-compare: the mode is cold or warm, not $mode" >&2; exit 2 ;; esac
case "$case_" in
  text400) make=(400 10) ;;
  text1600) make=(1600 10) ;;
  jpeg200) make=(0 1 --jpeg 200) ;;
  *) echo "bench-compare: the case is text400, text1600 or jpeg200, not $case_" >&2; exit 2 ;;
esac
for tool in pdfunite python3; do
  command -v "$tool" >/dev/null || { echo "bench-compare: $tool is missing (apt-get install poppler-utils python3)" >&2; exit 2; }
done
for b in "$@"; do
  [ -x "$b" ] || { echo "bench-compare: $b is not an executable medpacket" >&2; exit 2; }
done
cargo build --release --quiet --example synth_records
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
target/release/examples/synth_records "$work/$case_" "${make[@]}" >/dev/null
export SOURCE_DATE_EPOCH=1767225600
python3 - "$work" "$case_" "$mode" "$rounds" "$@" <<'EOF'
import glob, os, shutil, statistics, subprocess, sys, time
work, case, mode, rounds, bins = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4]), sys.argv[5:]
src = f"{work}/{case}"
runs = {}
for i, b in enumerate(bins):
    cache = f"{work}/cache-{i}"
    runs[f"{i + 1}: {b}"] = ([b, "build", src, "-o", f"{work}/out.pdf", "--force", "--ocr", "never"], cache)
if case == "jpeg200":
    ref = "cat"
    jpgs = sorted(glob.glob(f"{src}/*.jpg"))
    runs["cat"] = (["sh", "-c", 'cat "$@" > "$0"', f"{work}/out.pdf", *jpgs], None)
    runs["cat + sync -d"] = (["sh", "-c", 'cat "$@" > "$0" && sync -d "$0"', f"{work}/out.pdf", *jpgs], None)
else:
    ref = "pdfunite"
    runs["pdfunite"] = (["pdfunite", *sorted(glob.glob(f"{src}/*.pdf")), f"{work}/out.pdf"], None)
def once(cmd, cache):
    env = dict(os.environ)
    if cache:
        env["MEDPACKET_CACHE_DIR"] = cache
        if mode == "cold":
            shutil.rmtree(cache, ignore_errors=True)
    t = time.perf_counter()
    p = subprocess.Popen(cmd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    _, status, ru = os.wait4(p.pid, 0)
    if status != 0:
        sys.exit(f"bench-compare: {cmd[0]} failed (status {status})")
    return time.perf_counter() - t, ru.ru_utime + ru.ru_stime
if mode == "warm":
    for cmd, cache in runs.values():
        if cache:
            once(cmd, cache)
times = {k: ([], []) for k in runs}
for _ in range(rounds):
    for k, (cmd, cache) in runs.items():
        w, c = once(cmd, cache)
        times[k][0].append(w)
        times[k][1].append(c)
med = {k: (statistics.median(w), statistics.median(c)) for k, (w, c) in times.items()}
uw, uc = med[ref]
print(f"{case} {mode}, medians of {rounds} rounds taken in turns")
print(f"{'':40s} {'wall (ms)':>10s} {'CPU (ms)':>10s} {'wall/' + ref:>14s} {'CPU/' + ref:>13s}")
for k, (w, c) in med.items():
    name = k if len(k) <= 40 else "..." + k[-37:]
    print(f"{name:40s} {w * 1000:10.1f} {c * 1000:10.1f} {w / uw:14.2f} {c / uc:13.2f}")
EOF
