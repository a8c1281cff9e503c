#!/usr/bin/env bash
# Seeds the corpus with the sample records and fuzzes the ingest path.
#   fuzz/run.sh [SECONDS] [TARGET]      (default 600 seconds, target ingest; or probe, content)
# `content` is seeded with the sample records' page content streams, decoded by qpdf.
# The toolchain here is stable; RUSTC_BOOTSTRAP lets cargo-fuzz pass its -Z flags.
set -euo pipefail
cd "$(dirname "$0")"
secs=${1:-600}
target=${2:-ingest}
case "$target" in
  ingest | probe | content) ;;
  *) echo "fuzz/run.sh: no target \"$target\" (ingest, probe or content)" >&2; exit 2 ;;
esac
mkdir -p "corpus/$target"
if [ "$target" = content ]; then
  command -v qpdf >/dev/null || { echo "fuzz/run.sh: the content seeds need qpdf (apt-get install qpdf)" >&2; exit 2; }
  n=0
  while IFS= read -r -d '' pdf; do
    for obj in $(qpdf --show-pages "$pdf" 2>/dev/null | awk '/^    [0-9]+ [0-9]+ R$/ { print $1 }'); do
      n=$((n + 1))
      qpdf --show-object="$obj" --filtered-stream-data "$pdf" > "corpus/content/seed-$n" 2>/dev/null || rm -f "corpus/content/seed-$n"
    done
  done < <(find ../fixtures/sample-records -type f -name '*.pdf' -print0)
else
  find ../fixtures/sample-records -type f ! -name packet.toml ! -name '.*' -exec cp {} "corpus/$target/" \;
fi
export RUSTC_BOOTSTRAP=1
cargo fuzz run "$target" --sanitizer none -- -max_total_time="$secs" -rss_limit_mb=2048 -max_len=1048576
