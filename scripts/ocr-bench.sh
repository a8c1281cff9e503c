#!/usr/bin/env bash
# OCR benchmark: on a generated set of scanned pages (examples/ocr_scans.rs: clean 300 dpi
# pages, a G4 fax, sideways, upside-down, noisy skewed, a phone JPEG, an image-only PDF),
# measures
#   - kind and date accuracy of `medpacket scan` against the known answers,
#   - word recall of the packet's text layer (pdftotext) against the known text,
#   - cold build time (empty cache) vs `ocrmypdf --jobs 2 -l eng --rotate-pages` on the same
#     pages as one image PDF (img2pdf), or a plain loop of `tesseract` runs when ocrmypdf is
#     not installed,
#   - warm rebuild time (cache filled), and its share of the cold build's (target: at most
#     10 %), in a summary at the end.
# Needs tesseract (eng, spa), poppler-utils, img2pdf, hyperfine and python3.
#
#   scripts/ocr-bench.sh [RUNS]          (default 3)
set -euo pipefail
cd "$(dirname "$0")/.."
runs=${1:-3}
for tool in tesseract pdftotext pdftoppm img2pdf hyperfine python3; do
  command -v "$tool" >/dev/null || { echo "ocr-bench: $tool is missing" >&2; exit 2; }
done
cargo build --release --quiet --bin medpacket --example ocr_scans
bin=$PWD/target/release/medpacket
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
export SOURCE_DATE_EPOCH=1767225600
target/release/examples/ocr_scans "$work/scans"
export MEDPACKET_CACHE_DIR="$work/cache"

echo "== accuracy (languages eng+spa, cold cache)"
"$bin" build "$work/scans" -o "$work/packet.pdf" --json > "$work/build.json"
"$bin" scan "$work/scans" --json > "$work/scan.json"
python3 - "$work" <<'EOF'
import json, re, subprocess, sys
work = sys.argv[1]
answers = json.load(open(f"{work}/scans.answers.json"))
scan = {f["path"]: f for f in json.load(open(f"{work}/scan.json"))["files"]}
build = {d["path"]: d for d in json.load(open(f"{work}/build.json"))["documents"]}
norm = lambda t: [w for w in (re.sub(r"^\W+|\W+$", "", x).lower() for x in t.split()) if w]
kinds = dates = 0
clean_hits = clean_total = all_hits = all_total = 0
for a in answers:
    f = scan[a["path"]]
    kinds += f["kind"] == a["kind"]
    dates += f["date"] == a["date"]
    first = build[a["path"]]["first_page"]
    for i, words in enumerate(a["pages"]):
        page = first + i
        text = subprocess.run(["pdftotext", "-f", str(page), "-l", str(page), f"{work}/packet.pdf", "-"],
                              capture_output=True, text=True).stdout
        pool = {}
        for w in norm(text):
            pool[w] = pool.get(w, 0) + 1
        want = [w for x in words for w in norm(x)]
        hit = 0
        for w in want:
            if pool.get(w, 0) > 0:
                pool[w] -= 1
                hit += 1
        clean = a["path"].endswith(".png") and a["path"] not in ("sideways.png", "upside-down.png", "crooked.png")
        print(f"  {a['path']:<24} p{i+1}  kind {f['kind']:<18} date {f['date']}  recall {hit/len(want):.3f}")
        all_hits += hit; all_total += len(want)
        if clean:
            clean_hits += hit; clean_total += len(want)
n = len(answers)
pages = sum(len(a["pages"]) for a in answers)
print(f"files {n}, pages {pages}: kind {kinds}/{n}, date {dates}/{n}")
print(f"word recall: clean pages {clean_hits/clean_total:.3f}, all pages {all_hits/all_total:.3f}")
EOF

echo "== timing (languages eng, as ocrmypdf -l eng)"
sed -i 's/languages = \["eng", "spa"\]/languages = ["eng"]/' "$work/scans/packet.toml"
hyperfine --runs "$runs" --prepare "rm -rf '$work/cache'" --export-json "$work/cold.json" \
  -n "medpacket build (cold cache)" "'$bin' build '$work/scans' -o '$work/p.pdf' --force"
hyperfine --runs "$((runs + 2))" --warmup 1 --export-json "$work/warm.json" \
  -n "medpacket build (warm cache)" "'$bin' build '$work/scans' -o '$work/p.pdf' --force"
(cd "$work/scans.pages" && img2pdf $(ls | sort) -o "$work/all-images.pdf")
if command -v ocrmypdf >/dev/null; then
  hyperfine --runs "$runs" --export-json "$work/other.json" -n "ocrmypdf --jobs 2" \
    "ocrmypdf --jobs 2 -l eng --rotate-pages --output-type pdf --force-ocr -q '$work/all-images.pdf' '$work/ocrmypdf.pdf'"
else
  echo "(ocrmypdf not installed: comparing with a loop of tesseract runs, 2 at a time)"
  hyperfine --runs "$runs" --export-json "$work/other.json" -n "tesseract loop (2 parallel)" \
    "cd '$work/scans.pages' && ls | xargs -P 2 -I{} env OMP_THREAD_LIMIT=1 tesseract {} '$work/t-{}' --psm 1 -l eng pdf >/dev/null 2>&1"
fi
python3 - "$work" <<'EOF'
import json, sys
w = sys.argv[1]
m = lambda f: json.load(open(f"{w}/{f}"))["results"][0]["median"]
cold, warm, other = m("cold.json"), m("warm.json"), m("other.json")
print(f"cold {cold:.2f} s, warm {warm:.2f} s ({warm/cold*100:.1f} % of cold), other tool {other:.2f} s; cold/other = {cold/other:.2f}x")
cpu = lambda f: sum(json.load(open(f"{w}/{f}"))["results"][0][k] for k in ("user", "system"))
print(f"CPU (user + system, mean): cold {cpu('cold.json'):.2f} s, warm {cpu('warm.json'):.2f} s ({cpu('warm.json')/cpu('cold.json')*100:.1f} % of cold)")
print()
print("== summary")
share = warm / cold * 100
print(f"  {'OCR warm / cold (per cent)':<36} {share:<18.1f} target <=10   {'met' if share <= 10 else 'not met'}")
EOF
