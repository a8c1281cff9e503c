#!/usr/bin/env bash
# Seeds the corpus with the sample records and fuzzes the ingest path.
#   fuzz/run.sh [SECONDS] [TARGET]      (default 600 seconds, target ingest; or probe)
# The toolchain here is stable; RUSTC_BOOTSTRAP lets cargo-fuzz pass its -Z flags.
set -euo pipefail
cd "$(dirname "$0")"
secs=${1:-600}
target=${2:-ingest}
mkdir -p "corpus/$target"
find ../fixtures/sample-records -type f ! -name packet.toml ! -name '.*' -exec cp {} "corpus/$target/" \;
export RUSTC_BOOTSTRAP=1
cargo fuzz run "$target" --sanitizer none -- -max_total_time="$secs" -rss_limit_mb=2048 -max_len=1048576
