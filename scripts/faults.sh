#!/usr/bin/env bash
# Causes every fault of tests/faults.rs, tests/faults_during.rs and tests/serve_load.rs
# for real, then prints the figures they recorded: faults tried, packets checked correct
# (qpdf --check, and byte-identical where a reference exists), records lost.
# Run from the repository root: scripts/faults.sh
set -euo pipefail
dir="$(cargo metadata --format-version 1 --no-deps | sed -n 's/.*"target_directory":"\([^"]*\)".*/\1/p')/tmp/faults"
rm -rf "$dir"
MEDPACKET_REQUIRE_TOOLS=1 cargo test --test faults --test faults_during --test serve_load
printf '%-18s %8s %16s %11s\n' test faults "packets correct" "files lost"
awk '{ split(FILENAME, p, "/"); n = p[length(p)]; sub(/\.txt$/, "", n);
       printf "%-18s %8d %16d %11d\n", n, $1, $2, $3; f += $1; c += $2; l += $3 }
     END { printf "%-18s %8d %16d %11d\n", "total", f, c, l }' "$dir"/*.txt
