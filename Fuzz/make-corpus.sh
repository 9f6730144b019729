#!/usr/bin/env bash
# Regenerates the seed corpora Corpus/parser and Corpus/framer from the syslog
# reference corpus (shared/corpus/syslog/*.jsonl, one JSON object per line).
#
#   Fuzz/make-corpus.sh [SYSLOG_JSONL_DIR]     default: ../../shared/corpus/syslog
#
# Corpus/parser: one file per `line` (the exact bytes of `line_b64` where the
#   line is not UTF-8), named after the record's id: rfc5424, rfc3164, malformed.
# Corpus/framer: byte 0 chooses maxFrameSize (1 + byte % 64, see
#   FuzzSyslogFramer.swift), the rest is a TCP stream: each framing.jsonl
#   stream, and groups of corpus lines framed LF-, CRLF-, NUL- and
#   octet-counted, with both a roomy and a tight frame size.
# Files named `regression-*` are inputs that once found a bug. They are kept
# by hand, not generated; this script leaves them alone.
set -euo pipefail

here="$(cd "$(dirname "$0")" && pwd)"
source_dir="${1:-$here/../../shared/corpus/syslog}"
[[ -d "$source_dir" ]] || { echo "no such directory: $source_dir" >&2; exit 1; }

mkdir -p "$here/Corpus/parser" "$here/Corpus/framer"
find "$here/Corpus/parser" "$here/Corpus/framer" -type f ! -name 'regression-*' -delete

python3 - "$source_dir" "$here/Corpus" <<'PY'
import base64, json, os, sys

source, corpus = sys.argv[1], sys.argv[2]

def records(name):
    with open(os.path.join(source, name), encoding="utf-8") as f:
        return [json.loads(line) for line in f if line.strip()]

def raw(record):
    if "line_b64" in record:
        return base64.b64decode(record["line_b64"])
    return record["line"].encode("utf-8")

def write(kind, name, data):
    with open(os.path.join(corpus, kind, name), "wb") as f:
        f.write(data)

# Parser seeds: every line, exactly as a datagram would carry it.
lines = []
for name in ("rfc5424.jsonl", "rfc3164.jsonl", "malformed.jsonl"):
    for record in records(name):
        data = raw(record)
        lines.append(data)
        write("parser", record["id"], data)

# Framer seeds. Byte 0: 63 -> maxFrameSize 64 (most lines fit or are cut
# once), 15 -> 16 (almost every frame is cut), 9 -> 10 (the shortest size
# that holds a 10-digit MSG-LEN).
ROOMY, TIGHT, TEN = bytes([63]), bytes([15]), bytes([9])
for i, record in enumerate(records("framing.jsonl")):
    stream = record["stream"].encode("utf-8")
    write("framer", f"framing-{i:02}", ROOMY + stream)
    write("framer", f"framing-{i:02}-tight", TIGHT + stream)

def octet_counted(group):
    return b"".join(str(len(line)).encode() + b" " + line for line in group)

group_size = 4
for g in range(0, len(lines), group_size):
    group = [line for line in lines[g:g + group_size] if line]
    if not group:
        continue
    n = g // group_size
    # Each framing once per group, with frame sizes rotating, keeps the
    # corpus small while every framing meets every size.
    framing = n % 4
    size = (ROOMY, TIGHT, TEN)[n % 3]
    if framing == 0:
        write("framer", f"lf-{n:03}", size + b"\n".join(group) + b"\n")
    elif framing == 1:
        write("framer", f"crlf-{n:03}", size + b"\r\n".join(group) + b"\r\n")
    elif framing == 2:
        write("framer", f"nul-{n:03}", size + b"\x00".join(group) + b"\x00")
    else:
        write("framer", f"octet-{n:03}", size + octet_counted(group))

# Hand-written edge cases: mixed framings on one connection, an over-long and
# an 11-digit MSG-LEN, the Cisco ASA space, and a stream cut inside a count.
edges = {
    "edge-mixed": ROOMY + b"17 <1>1 - - - - - -<2>1 - - - - - -\n 5 hello<3>x\x00",
    "edge-huge-count": ROOMY + b"4294967296 <1>1 - - - - - - much shorter than declared",
    "edge-11-digits": ROOMY + b"12345678901 not a length\n",
    "edge-count-cut": TIGHT + b"123",
    "edge-count-then-lf": TEN + b"1234567890\n1234567890x\n",
    "edge-skip-across": TIGHT + b"40 " + b"a" * 40 + b"<9>after\n",
}
for name, data in edges.items():
    write("framer", name, data)
PY

for kind in parser framer; do
    echo "$kind: $(find "$here/Corpus/$kind" -type f | wc -l) files, $(du -sb "$here/Corpus/$kind" | cut -f1) bytes"
done
