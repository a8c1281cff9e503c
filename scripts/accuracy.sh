#!/bin/sh
# Measures document typing and dating on a labelled set of report texts.
#
#   scripts/accuracy.sh [REALWORLD_DIR]
#
# REALWORLD_DIR defaults to ../shared/realworld (relative to the repository root). It
# holds reports/<id>.txt and labels.tsv. Each text is set as a PDF named by its id, the
# real `medpacket scan --json` runs on them, and the kind and date accuracy and the
# confusion list are printed (see examples/accuracy.rs).
set -eu
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
set_dir=${1:-../shared/realworld}
target=${CARGO_TARGET_DIR:-target}
cargo build --release --bin medpacket --example accuracy
exec "$target/release/examples/accuracy" "$set_dir" "$target/release/medpacket"
