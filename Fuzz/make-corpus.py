#!/usr/bin/env python3
"""Seed corpora for the fuzz targets, from the golden vectors in Protocol/vectors.

    Fuzz/make-corpus.py OUT_DIR

Writes OUT_DIR/wire-decode, OUT_DIR/bundle-import, OUT_DIR/frame-stream and
OUT_DIR/bundle-frames: every vector's envelope as it is
(the targets take input that starts with the magic as a whole envelope), and its payload
alone, inflated, which the targets frame into a valid envelope themselves (for
wire-decode, prefixed with the kind byte) so the fuzzer mutates payloads, not CRCs.
Framed vectors (round-*, bundle-frames*) seed frame-stream; framed bundles also seed
bundle-frames, whole and as the records that target frames itself (kind, 2-byte length,
payload).
"""
import os
import pathlib
import sys
import zlib

root = pathlib.Path(__file__).resolve().parent.parent
out = pathlib.Path(sys.argv[1])
for target in ("wire-decode", "bundle-import", "frame-stream", "bundle-frames"):
    (out / target).mkdir(parents=True, exist_ok=True)

for path in sorted((root / "Protocol" / "vectors").glob("*.hex")):
    text = "".join(line for line in path.read_text().splitlines() if not line.lstrip().startswith("#"))
    try:
        envelope = bytes.fromhex("".join(text.split()))
    except ValueError:
        continue
    (out / "wire-decode" / path.stem).write_bytes(envelope)
    if path.stem.startswith("bundle-frames"):
        (out / "bundle-frames" / path.stem).write_bytes(envelope)
        records, at = b"", 0
        while at + 19 <= len(envelope):
            kind, flags = envelope[at + 5], envelope[at + 6]
            stored = int.from_bytes(envelope[at + 11:at + 15], "big")
            body = envelope[at + 19:at + 19 + stored]
            payload = zlib.decompress(body) if flags & 1 else body
            records += bytes([kind]) + len(payload).to_bytes(2, "big") + payload
            at += 19 + stored
        (out / "bundle-frames" / (path.stem + ".records")).write_bytes(records)
    if path.stem.startswith("round-") or path.stem.startswith("bundle-frames"):
        # Framed streams: a chunk-size byte, then the frames (whole, and in 7-byte chunks).
        (out / "frame-stream" / path.stem).write_bytes(b"\xff" + envelope)
        (out / "frame-stream" / (path.stem + ".chunked")).write_bytes(b"\x06" + envelope)
    if len(envelope) < 19 or envelope[:4] != b"\x89FBK":
        continue
    kind, flags = envelope[5], envelope[6]
    stored = envelope[19:]
    try:
        payload = zlib.decompress(stored) if flags & 1 else stored
    except zlib.error:
        continue
    (out / "wire-decode" / (path.stem + ".payload")).write_bytes(bytes([kind]) + payload)
    if kind == 4 or path.stem.startswith("sync-request"):
        (out / "bundle-import" / path.stem).write_bytes(envelope if kind == 4 else b"")
        (out / "bundle-import" / (path.stem + ".payload")).write_bytes(payload)
for empty in (out / "bundle-import").iterdir():
    if empty.stat().st_size == 0:
        empty.unlink()
print(f"{out}: {len(os.listdir(out / 'wire-decode'))} wire-decode seeds, "
      f"{len(os.listdir(out / 'bundle-import'))} bundle-import seeds")
