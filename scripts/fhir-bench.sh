#!/usr/bin/env bash
# Benchmark: scan a synthetic FHIR R4 ndjson export of about SIZE MB (one fictional
# patient, lab Observations, text-only DiagnosticReports naming some of them, notes as
# inline text). Prints the median wall time and the median peak RSS of `medpacket scan`
# over ROUNDS runs (GNU time), how many documents the scan found, and the wall time and
# peak RSS of one `medpacket build` of the packet.
#
#   scripts/fhir-bench.sh [SIZE_MB] [ROUNDS]     (default 100 MB, 5 rounds)
set -euo pipefail
cd "$(dirname "$0")/.."
size=${1:-100}
rounds=${2:-5}
cargo build --release --quiet --bin medpacket
bin=target/release/medpacket
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
export SOURCE_DATE_EPOCH=1767225600
mkdir "$work/records"
printf '[patient]\nname = "Maren Okafor"\ndate_of_birth = 1968-04-12\n' >"$work/records/packet.toml"
# About 370 bytes an Observation line.
obs=$((size * 1024 * 1024 / 370))
awk -v obs="$obs" 'BEGIN {
  print "{\"resourceType\":\"Patient\",\"id\":\"pat1\",\"name\":[{\"use\":\"official\",\"family\":\"Okafor\",\"given\":[\"Maren\"]}],\"birthDate\":\"1968-04-12\"}"
  for (i = 1; i <= obs; i++) {
    d = sprintf("20%02d-%02d-%02d", 10 + (i % 15), 1 + (i % 12), 1 + (i % 28))
    printf "{\"resourceType\":\"Observation\",\"id\":\"o%d\",\"status\":\"final\",\"category\":[{\"coding\":[{\"system\":\"http://terminology.hl7.org/CodeSystem/observation-category\",\"code\":\"laboratory\"}]}],\"code\":{\"coding\":[{\"system\":\"http://loinc.org\",\"code\":\"2951-2\",\"display\":\"Sodium\"}]},\"subject\":{\"reference\":\"Patient/pat1\"},\"effectiveDateTime\":\"%s\",\"valueQuantity\":{\"value\":%d,\"unit\":\"mmol/L\"}}\n", i, d, 130 + (i % 15)
    if (i % 500 == 0) {
      n = i / 500
      printf "{\"resourceType\":\"DiagnosticReport\",\"id\":\"r%d\",\"status\":\"final\",\"category\":[{\"coding\":[{\"code\":\"LAB\"}]}],\"code\":{\"text\":\"Basic metabolic panel\"},\"subject\":{\"reference\":\"Patient/pat1\"},\"effectiveDateTime\":\"%s\",\"result\":[{\"reference\":\"Observation/o%d\"},{\"reference\":\"Observation/o%d\"},{\"reference\":\"Observation/o%d\"}],\"conclusion\":\"Within normal limits.\"}\n", n, d, i, i - 1, i - 2
    }
    if (i % 2000 == 0) {
      printf "{\"resourceType\":\"DocumentReference\",\"id\":\"n%d\",\"status\":\"current\",\"type\":{\"coding\":[{\"system\":\"http://loinc.org\",\"code\":\"11506-3\"}]},\"date\":\"%s\",\"content\":[{\"attachment\":{\"contentType\":\"text/plain\",\"data\":\"UHJvZ3Jlc3Mgbm90ZTogc3RhYmxlLCBubyBjaGFuZ2VzIHRvIG1lZGljYXRpb25zLg==\"}}]}\n", i, d
    }
  }
}' >"$work/records/export.ndjson"
echo "fhir-bench: $(du -h "$work/records/export.ndjson" | cut -f1) ndjson, $(wc -l <"$work/records/export.ndjson") resources"
: >"$work/runs"
for _ in $(seq "$rounds"); do
  /usr/bin/time -f "%e %M" -o "$work/time" "$bin" scan --no-cache "$work/records" >"$work/scan.txt"
  cat "$work/time" >>"$work/runs"
done
sort -n -k1 "$work/runs" | awk -v r="$rounds" 'NR == int((r + 1) / 2) { print "median wall time: " $1 " s" }'
sort -n -k2 "$work/runs" | awk -v r="$rounds" 'NR == int((r + 1) / 2) { print "median peak RSS: " int($2 / 1024) " MB" }'
echo "runs (s, KB): $(tr '\n' ';' <"$work/runs")"
"$bin" scan --no-cache --json "$work/records" | python3 -c '
import json, sys
s = json.load(sys.stdin)
fs = s["files"]
included = sum(f["status"] == "included" for f in fs)
print("documents found:", len(fs), "included:", included, "problems:", len(s["problems"]))'
/usr/bin/time -f "build: %e s, peak RSS %M KB" "$bin" build "$work/records" -o "$work/out.pdf" --force >/dev/null
qpdf --check "$work/out.pdf" >/dev/null && echo "qpdf --check: ok, $(pdfinfo "$work/out.pdf" | awk '/^Pages/ {print $2}') pages"
