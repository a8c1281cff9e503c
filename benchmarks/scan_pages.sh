#!/bin/sh
# Times `medpacket scan` on a folder of long text PDFs, to measure what reading every
# page's text (for the identifier warnings) costs the scan.
#
#   benchmarks/scan_pages.sh [MEDPACKET_BINARY...]
#
# Default binary: target/release/medpacket. Give several to compare them (hyperfine).
# Synthetic content only.
set -eu
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
mkdir "$dir/records"
python3 - "$dir/records" <<'PY'
import sys, zlib
out = sys.argv[1]
def pdf(pages, lines):
    objs = []
    objs.append(b"<< /Type /Catalog /Pages 2 0 R >>")
    kids = " ".join(f"{4 + 2 * i} 0 R" for i in range(pages))
    objs.append(f"<< /Type /Pages /Kids [{kids}] /Count {pages} >>".encode())
    objs.append(b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding /WinAnsiEncoding >>")
    for p in range(pages):
        body = ["BT /F1 10 Tf 72 740 Td 12 TL"]
        for l in range(lines):
            body.append(f"(Line {l} of page {p + 1}: Sodium 139 mmol/L, potassium 4.2 mmol/L, ref 135-145) '")
        body.append("ET")
        data = zlib.compress("\n".join(body).encode())
        objs.append(f"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Resources << /Font << /F1 3 0 R >> >> /Contents {5 + 2 * p} 0 R >>".encode())
        objs.append(f"<< /Length {len(data)} /Filter /FlateDecode >>\nstream\n".encode() + data + b"\nendstream")
    buf = bytearray(b"%PDF-1.4\n")
    offs = []
    for i, o in enumerate(objs):
        offs.append(len(buf))
        buf += f"{i + 1} 0 obj\n".encode() + o + b"\nendobj\n"
    x = len(buf)
    buf += f"xref\n0 {len(objs) + 1}\n0000000000 65535 f \n".encode()
    for o in offs:
        buf += f"{o:010d} 00000 n \n".encode()
    buf += f"trailer\n<< /Size {len(objs) + 1} /Root 1 0 R >>\nstartxref\n{x}\n%%EOF\n".encode()
    return bytes(buf)
for i in range(8):
    open(f"{out}/labs-{i}.pdf", "wb").write(pdf(150, 55))
PY
echo "records: 8 PDFs x 150 pages x 55 lines"
if [ "$#" -eq 0 ]; then set -- target/release/medpacket; fi
cmds=""
for b in "$@"; do
  cmds="$cmds '$b scan $dir/records --json'"
done
eval hyperfine --warmup 1 --runs 5 --export-markdown - "$cmds" \| grep -v '^$'
