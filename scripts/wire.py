#!/usr/bin/env python3
"""Just enough of the Fieldbook wire format (Protocol/PROTOCOL.md) for the bad-input table.

    wire.py vector NAME OUT                  the envelope(s) of Protocol/vectors/NAME.hex
    wire.py request OUT PARTITION AFTER      a framed request (format 3, unsigned): a RoundOpen
                                             frame, then a Changes frame whose one range is
                                             (AFTER, AFTER] in PARTITION (32 hex digits), no changes
    wire.py request-v2 OUT PARTITION AFTER   the same in format 2 (a client from before signatures)
    wire.py request-v1 OUT PARTITION AFTER   the same as one version-1 SyncRequest (a client from
                                             before frames)
    wire.py open OUT                         a framed request that only opens a round (binds a token
                                             to the replica the other requests present)
    wire.py damaged crc|truncated|kind OUT   a framed request with a bad CRC in its second frame,
                                             cut 5 bytes short, or whose first frame is of kind 42
    wire.py post URL TOKEN FILE              POST FILE to URL/v1/sync; prints STATUS, a tab,
                                             and the ErrorMessage's text (or "ok")
"""
import pathlib
import sys
import urllib.error
import urllib.request
import zlib

MAGIC = b"\x89FBK"


def varint(n):
    out = bytearray()
    while True:
        byte = n & 0x7F
        n >>= 7
        if n:
            out.append(byte | 0x80)
        else:
            out.append(byte)
            return bytes(out)


def frame(kind, payload, version=3):
    header = MAGIC + bytes([version, kind, 0]) + len(payload).to_bytes(4, "big") + len(payload).to_bytes(4, "big")
    return header + (zlib.crc32(header + payload) & 0xFFFFFFFF).to_bytes(4, "big") + payload


REPLICA = bytes.fromhex("a1" * 16)
NO_TABLES = varint(0) * 4  # strings, ids, streams, columns


def open_frame(version=3):
    """RoundOpen (kind 6) from REPLICA, holding nothing; from format 3 on, with no public key
    (a client that does not sign: the token is bound to the replica only)."""
    body = (varint(0) + varint(1) + REPLICA + varint(0) + varint(0)
            + varint(1) + varint(0) + varint(1_709_340_000_000) + varint(0) + varint(0) + varint(0))
    return frame(6, body + (varint(0) if version >= 3 else b""), version)


def request(partition, after, version=3):
    """RoundOpen (kind 6), then a Changes frame (kind 7) with one range, no changes and (from
    format 3 on) no proofs."""
    ids = varint(2) + partition + REPLICA
    tables = varint(0) + ids + varint(1) + varint(0) + varint(1) + varint(0)  # strings, ids, streams, columns
    batch = varint(1) + varint(0) + varint(after) + varint(0) + varint(0)  # one range (after, after], no changes
    proofs = varint(0) if version >= 3 else b""
    return open_frame(version) + frame(7, tables + batch + proofs, version)


def request_v1(partition, after):
    ids = varint(2) + partition + REPLICA
    tables = varint(0) + ids + varint(1) + varint(0) + varint(1) + varint(0)  # strings, ids, streams, columns
    body = varint(1) + varint(1) + varint(1_709_340_000_000) + varint(0)  # schema, replica, time, maxResponse
    body += varint(0)  # knowledge: no partitions
    body += varint(1) + varint(0) + varint(after) + varint(0) + varint(0)  # one range (after, after], no changes
    return frame(1, tables + body, version=1)


def damaged(how):
    body = bytearray(request(bytes(16), 0))
    if how == "crc":
        body[-1] ^= 0x01
    elif how == "truncated":
        body = body[:-5]
    elif how == "kind":
        body[5] = 42
    return bytes(body)


def read_varint(data, at):
    value, shift = 0, 0
    while True:
        byte = data[at]
        at += 1
        value |= (byte & 0x7F) << shift
        shift += 7
        if byte < 0x80:
            return value, at


def error_text(envelope):
    if len(envelope) < 19 or envelope[:4] != MAGIC or envelope[5] != 3:
        return "(not an ErrorMessage)"
    payload = zlib.decompress(envelope[19:]) if envelope[6] & 1 else envelope[19:]
    at = 0
    count, at = read_varint(payload, at)  # strings
    for _ in range(count):
        length, at = read_varint(payload, at)
        at += length
    count, at = read_varint(payload, at)  # ids
    at += 16 * count
    count, at = read_varint(payload, at)  # streams
    for _ in range(2 * count):
        _, at = read_varint(payload, at)
    count, at = read_varint(payload, at)  # columns
    for _ in range(count):
        _, at = read_varint(payload, at)
        _, at = read_varint(payload, at)
        at += 1
    _, at = read_varint(payload, at)  # code
    length, at = read_varint(payload, at)
    return payload[at:at + length].decode("utf-8")


def post(url, token, path):
    body = pathlib.Path(path).read_bytes()
    headers = {"Content-Type": "application/vnd.fieldbook"}
    if token != "-":
        headers["Authorization"] = token if " " in token else f"Bearer {token}"
    req = urllib.request.Request(url.rstrip("/") + "/v1/sync", data=body, headers=headers, method="POST")
    try:
        with urllib.request.urlopen(req, timeout=30) as response:
            return response.status, "ok"
    except urllib.error.HTTPError as error:
        return error.code, error_text(error.read())


def main(argv):
    if argv[:1] == ["vector"] and len(argv) == 3:
        root = pathlib.Path(__file__).resolve().parent.parent
        text = "".join(l for l in (root / "Protocol" / "vectors" / f"{argv[1]}.hex").read_text().splitlines()
                       if not l.lstrip().startswith("#"))
        pathlib.Path(argv[2]).write_bytes(bytes.fromhex("".join(text.split())))
    elif argv[:1] == ["request"] and len(argv) == 4:
        pathlib.Path(argv[1]).write_bytes(request(bytes.fromhex(argv[2]), int(argv[3])))
    elif argv[:1] == ["open"] and len(argv) == 2:
        pathlib.Path(argv[1]).write_bytes(open_frame())
    elif argv[:1] == ["request-v2"] and len(argv) == 4:
        pathlib.Path(argv[1]).write_bytes(request(bytes.fromhex(argv[2]), int(argv[3]), version=2))
    elif argv[:1] == ["request-v1"] and len(argv) == 4:
        pathlib.Path(argv[1]).write_bytes(request_v1(bytes.fromhex(argv[2]), int(argv[3])))
    elif argv[:1] == ["damaged"] and len(argv) == 3 and argv[1] in ("crc", "truncated", "kind"):
        pathlib.Path(argv[2]).write_bytes(damaged(argv[1]))
    elif argv[:1] == ["post"] and len(argv) == 4:
        status, text = post(*argv[1:])
        print(f"{status}\t{text}")
    else:
        print(__doc__, file=sys.stderr)
        return 64
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
