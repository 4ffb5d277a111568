#!/usr/bin/env bash
# The bad-input table, end to end with the real binaries: every row runs one wrong
# command (or posts one wrong request to a running server) and must get the documented
# exit code (README, "Exit codes") or HTTP status (Protocol/PROTOCOL.md, section 8), one
# clear error line (fieldbook: …, fieldbook-server: …, or the ErrorMessage's text), and
# leave the database exactly as it was (scripts/fieldbook_db.py content, before and after).
#
#   scripts/bad-input.sh            # prints the table as Markdown; exit 1 if a row fails
set -euo pipefail
source "$(dirname "$0")/chaos-lib.sh"
wire="$root/scripts/wire.py"

work=$(new_workdir badinput)
cleanup() {
    local status=$?
    stop_server
    if [ $status -eq 0 ] && [ -z "${KEEP:-}" ]; then rm -rf "$work"; else echo "bad-input: files kept in $work" >&2; fi
}
trap cleanup EXIT

# A replica with a cohort, a venue, an event, participants and a note; a server with tokens.
replica="$work/replica.sqlite"
server_db="$work/server.sqlite"
fbr() { env FIELDBOOK_DB="$replica" "$fb" "$@"; }
fbr init --name "Bad input" >/dev/null
fbr cohort add --programme NPQH --name "Spring 2024" --starts 2024-02-18 >/dev/null
fbr venue add --city Shanghai --school SPBS >/dev/null
venue=$(fbr venue list --json | python3 -c 'import json,sys; print(json.load(sys.stdin)[0]["id"])')
fbr event add --cohort "Spring 2024" --kind face-to-face --title "Module 1" --starts 2024-03-02T09:00 \
    --venue "$venue" >/dev/null
event=$(fbr event list --json | python3 -c 'import json,sys; print(json.load(sys.stdin)[0]["id"])')
roster_csv 1234567 3 >"$work/roster.csv"
fbr participant import --cohort "Spring 2024" "$work/roster.csv" >/dev/null
fbr note add --event "$event" "first note" >/dev/null
cohort=$(fbr cohort list --json | python3 -c 'import json,sys; print(json.load(sys.stdin)[0]["id"])')
office=$("$fbs" token issue --db "$server_db" --name office --all)
revoked=$("$fbs" token issue --db "$server_db" --name old-laptop --all)
"$fbs" token revoke --db "$server_db" old-laptop >/dev/null
port=$(free_port)
start_server "$server_db" "$port" "$work/server.log"
url="http://127.0.0.1:$port"
fbr remote set "$url" --token "$office" >/dev/null
fbr sync --json >/dev/null
cohort_token=$("$fbs" token issue --db "$server_db" --name facilitator --cohort "$cohort")
# Tokens for the hand-made requests: a token is bound to the first replica that syncs with
# it, and those requests present a replica of their own.
wire_token=$("$fbs" token issue --db "$server_db" --name wire --all)
wire_cohort_token=$("$fbs" token issue --db "$server_db" --name wire-facilitator --cohort "$cohort")
stop_server
start_server_small() { "$fbs" serve --db "$server_db" --port "$port" --max-request-bytes 4096 --log-level error \
    >>"$work/server.log" 2>&1 & server_pid=$!; sleep 0.1; start_wait; }
start_wait() {
    for _ in $(seq 1 300); do
        python3 -c "import urllib.request; urllib.request.urlopen('$url/v1/health', timeout=1)" 2>/dev/null && return 0
        sleep 0.1
    done
    return 1
}

# Inputs.
printf 'name,trn\nNew Person,7654321\nBad Row,12345\n' >"$work/bad-trn.csv"
printf 'phone,trn\n123,7654321\n' >"$work/no-name-column.csv"
printf 'name,trn,email\nA,12,a@b.cn\nB,7654321,b at c\n,7654322,\nD,7654321,\n' >"$work/four-bad-rows.csv"
printf 'n\0a\0m\0e\0\n\0' >"$work/utf16-no-bom.csv"
printf 'name\n\x80\n' >"$work/not-gb18030.csv"
printf 'name,trn\n' >"$work/header-only.csv"
printf 'name\n"never closed\n' >"$work/unterminated.csv"
printf '\xff\xfename\n' >"$work/latin.csv"
: >"$work/empty.csv"
fbr bundle export "$work/own.fbk" >/dev/null
# The bundle of another replica with one name changed on the way and every checksum and
# length recomputed (what anyone with the file and the format can do).
head -c 40 "$work/own.fbk" >"$work/truncated.fbk"
fbr bundle vector "$work/mine.vec" >/dev/null
echo "not a database" >"$work/text.sqlite"
mkdir "$work/folder.sqlite"
python3 -c "import sqlite3; sqlite3.connect('$work/other.sqlite').execute('CREATE TABLE t (x)')"
other="$work/other-replica.sqlite"
env FIELDBOOK_DB="$other" "$fb" init --name other >/dev/null
env FIELDBOOK_DB="$other" "$fb" cohort add --programme NPQLT --name Other >/dev/null
env FIELDBOOK_DB="$other" "$fb" note add --cohort Other "x" >/dev/null
env FIELDBOOK_DB="$other" "$fb" bundle export "$work/other-all.fbk" >/dev/null
python3 - "$work/other-all.fbk" "$work/altered.fbk" <<'PY'
import struct, sys, zlib
data, out, at, done = open(sys.argv[1], "rb").read(), bytearray(), 0, False
while at < len(data):
    header, stored_length = data[at:at + 19], struct.unpack(">I", data[at + 11:at + 15])[0]
    stored = data[at + 19:at + 19 + stored_length]
    payload = zlib.decompress(stored) if header[6] & 1 else stored
    if not done and b"Other" in payload:
        payload, done = payload.replace(b"Other", b"Oth3r", 1), True
    body = zlib.compress(payload, 6) if header[6] & 1 else payload
    head = header[:7] + struct.pack(">II", len(payload), len(body))
    out += head + struct.pack(">I", zlib.crc32(payload, zlib.crc32(head)) & 0xFFFFFFFF) + body
    at += 19 + stored_length
assert done, "no name to alter"
open(sys.argv[2], "wb").write(out)
PY
env FIELDBOOK_DB="$other" "$fb" note add --cohort Other "y" >/dev/null
# A bundle made for a replica that holds more of `other` than ours does: a sequence gap here.
env FIELDBOOK_DB="$work/third.sqlite" "$fb" init --name third >/dev/null
env FIELDBOOK_DB="$work/third.sqlite" "$fb" bundle import "$work/other-all.fbk" >/dev/null
env FIELDBOOK_DB="$work/third.sqlite" "$fb" bundle vector "$work/third.vec" >/dev/null
env FIELDBOOK_DB="$other" "$fb" bundle export "$work/gap.fbk" --for "$work/third.vec" >/dev/null
python3 "$wire" open "$work/open.bin"
python3 "$wire" damaged crc "$work/crc.bin"
python3 "$wire" damaged truncated "$work/truncated.bin"
python3 "$wire" vector reject-unsupported-version "$work/version.bin"
python3 "$wire" damaged kind "$work/kind.bin"
python3 "$wire" request-v1 "$work/old-client.bin" "0190ababababababababababababab01" 0
python3 "$wire" request-v2 "$work/unsigned-client.bin" "0190ababababababababababababab01" 0
python3 "$wire" vector bundle-basic "$work/bundle.bin"
python3 "$wire" request "$work/gap.bin" "0190ababababababababababababab01" 5
python3 "$wire" request "$work/scope.bin" "0190cdcdcdcdcdcdcdcdcdcdcdcdcd02" 0
head -c 8192 /dev/urandom >"$work/big.bin"
echo "garbage, not an envelope" >"$work/garbage.bin"
# TLS: a private CA and a certificate it signed for 127.0.0.1, a key of another certificate,
# and files that are not PEM.
openssl_quiet() { openssl "$@" >/dev/null 2>&1; }
openssl_quiet req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -days 2 -subj "/CN=Bad input CA" \
    -addext basicConstraints=critical,CA:TRUE -addext keyUsage=keyCertSign -keyout "$work/ca.key" -out "$work/ca.pem"
openssl_quiet req -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -subj "/CN=127.0.0.1" \
    -keyout "$work/tls.key" -out "$work/tls.csr"
printf 'subjectAltName=IP:127.0.0.1\n' >"$work/tls.ext"
openssl_quiet x509 -req -in "$work/tls.csr" -CA "$work/ca.pem" -CAkey "$work/ca.key" -CAcreateserial -days 2 \
    -extfile "$work/tls.ext" -out "$work/tls.pem"
openssl_quiet req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -days 2 -subj "/CN=other" \
    -keyout "$work/other.key" -out "$work/other.pem"
echo "not a certificate" >"$work/garbage.pem"

failures=0
rows=0
echo "| # | input | expected | got | error line | database |"
echo "|---|---|---|---|---|---|"

# cli NAME EXPECTED_EXIT PATTERN DB -- COMMAND...: runs a command and checks its exit code,
# its one error line, and the database's content before and after.
cli() {
    local name=$1 expected=$2 pattern=$3 db=$4
    shift 5
    local before after status line lines verdict=ok
    before=$( [ -f "$db" ] && python3 "$db_tool" content "$db" 2>/dev/null || echo absent)
    "$@" >"$work/out" 2>"$work/err" && status=0 || status=$?
    after=$( [ -f "$db" ] && python3 "$db_tool" content "$db" 2>/dev/null || echo absent)
    # sync ends its progress line with a newline before the error; usage errors add help.
    line=$(grep -m1 -v '^$' "$work/err" || true)
    lines=$(grep -vc '^Usage:\|^  See\|^$' "$work/err" || true)
    # A refused roster lists its bad rows under the error line: LINES_EXPECTED=N cli ….
    local lines_expected=${LINES_EXPECTED:-1}
    [ "$status" -eq "$expected" ] || verdict="FAIL: exit $status"
    [[ "$line" =~ $pattern ]] || verdict="FAIL: message"
    [ "$lines" -eq "$lines_expected" ] || verdict="FAIL: $lines error lines"
    [ "$before" = "$after" ] || verdict="FAIL: database changed"
    report "$name" "exit $expected" "exit $status" "$line" "$verdict"
}

# http NAME EXPECTED_STATUS PATTERN TOKEN FILE: posts a body to the running server.
http() {
    local name=$1 expected=$2 pattern=$3 token=$4 file=$5
    local before after answer status line verdict=ok
    before=$(python3 "$db_tool" content "$server_db")
    answer=$(python3 "$wire" post "$url" "$token" "$file")
    after=$(python3 "$db_tool" content "$server_db")
    status=${answer%%$'\t'*}
    line=${answer#*$'\t'}
    [ "$status" -eq "$expected" ] || verdict="FAIL: HTTP $status"
    [[ "$line" =~ $pattern ]] || verdict="FAIL: message"
    [ "$before" = "$after" ] || verdict="FAIL: database changed"
    report "$name" "HTTP $expected" "HTTP $status" "$line" "$verdict"
}

report() {
    local verdict=$5
    rows=$((rows + 1))
    [ "$verdict" = ok ] || failures=$((failures + 1))
    printf '| %d | %s | %s | %s | `%s` | %s |\n' "$rows" "$1" "$2" "$3" "${4//|/\\|}" \
        "$([ "$verdict" = ok ] && echo unchanged || echo "**$verdict**")"
}

# The fieldbook CLI.
cli "attendance status not in the list" 65 "^fieldbook: status 'maybe'" "$replica" -- fbr attend "$event" 1234567 maybe
cli "malformed TRN" 65 "^fieldbook: TRN '12345' must be exactly 7 digits" "$replica" -- \
    fbr participant add --cohort "Spring 2024" --name "Li Wei" --trn 12345
cli "malformed date" 65 "^fieldbook: start date '2024-02-30'" "$replica" -- \
    fbr cohort add --programme NPQH --name Late --starts 2024-02-30
cli "unknown programme" 65 "^fieldbook: programme 'NPQX'" "$replica" -- fbr cohort add --programme NPQX --name X
cli "face-to-face event without a venue" 65 "needs --venue" "$replica" -- \
    fbr event add --cohort "Spring 2024" --kind face-to-face --title T --starts 2024-03-02T09:00
cli "unknown event ID" 66 "^fieldbook: no event matches 'ffffffff'" "$replica" -- fbr attend ffffffff 1234567 present
cli "unknown cohort name" 66 "^fieldbook: no cohort matches" "$replica" -- \
    fbr participant add --cohort Nowhere --name X
cli "note about nothing" 64 "^fieldbook: say what the note is about" "$replica" -- fbr note add "orphan"
cli "conflict resolve with an unknown ID" 66 "^fieldbook: no conflict matches" "$replica" -- \
    fbr conflicts resolve abcdef --keep winner
cli "CSV row with a bad TRN (all or nothing)" 65 "^fieldbook: line 3, column trn: TRN '12345'" "$replica" -- \
    fbr participant import --cohort "Spring 2024" "$work/bad-trn.csv"
cli "CSV without a name column" 65 "^fieldbook: line 1: the header has no name column" "$replica" -- \
    fbr participant import --cohort "Spring 2024" "$work/no-name-column.csv"
LINES_EXPECTED=5 cli "CSV with four bad rows: all listed, none imported" 65 "^fieldbook: 4 problems in 4 rows" \
    "$replica" -- fbr participant import --cohort "Spring 2024" "$work/four-bad-rows.csv"
LINES_EXPECTED=5 cli "the same, checked (--check)" 65 "^fieldbook: 4 problems in 4 rows" "$replica" -- \
    fbr participant import --check --update --cohort "Spring 2024" "$work/four-bad-rows.csv"
cli "CSV in UTF-16 without a byte order mark" 65 "looks like UTF-16 without a byte order mark" "$replica" -- \
    fbr participant import --cohort "Spring 2024" "$work/utf16-no-bom.csv"
cli "CSV neither UTF-8 nor GB18030" 65 "is neither UTF-8 nor GB18030" "$replica" -- \
    fbr participant import --cohort "Spring 2024" "$work/not-gb18030.csv"
cli "import with an unknown --encoding" 64 "^fieldbook: --encoding 'big5' is not one of" "$replica" -- \
    fbr participant import --cohort "Spring 2024" --encoding big5 "$work/roster.csv"
cli "import with --encoding that does not fit" 65 "is not valid utf-8 text" "$replica" -- \
    fbr participant import --cohort "Spring 2024" --encoding utf-8 "$work/not-gb18030.csv"
cli "CSV with a header only" 65 "^fieldbook: the CSV file has a header but no rows" "$replica" -- \
    fbr participant import --cohort "Spring 2024" "$work/header-only.csv"
cli "CSV with an unclosed quote" 65 "^fieldbook: line 2: a quoted field is never closed" "$replica" -- \
    fbr participant import --cohort "Spring 2024" "$work/unterminated.csv"
cli "CSV with a UTF-16 BOM that is not UTF-16" 65 "is not valid utf-16le text" "$replica" -- \
    fbr participant import --cohort "Spring 2024" "$work/latin.csv"
cli "empty CSV file" 65 "^fieldbook: the CSV file is empty" "$replica" -- \
    fbr participant import --cohort "Spring 2024" "$work/empty.csv"
cli "CSV file that does not exist" 66 "^fieldbook: no file at" "$replica" -- \
    fbr participant import --cohort "Spring 2024" "$work/missing.csv"
cli "cohort edit with nothing to change" 64 "^fieldbook: say what to change" "$replica" -- \
    fbr cohort edit "NPQH Spring 2024"
cli "a second NPQH Spring 2024" 65 "^fieldbook: cohort NPQH Spring 2024 exists already" "$replica" -- \
    fbr cohort add --programme NPQH --name "spring 2024"
cli "the same event twice" 65 "exists already in this cohort" "$replica" -- \
    fbr event add --cohort "Spring 2024" --kind face-to-face --title "Module 1" --starts 2024-03-02T09:00 --venue SPBS
cli "participant edit with a bad email" 65 "^fieldbook: email 'li at school'" "$replica" -- \
    fbr participant edit 1234567 --email "li at school"
cli "participant edit to a TRN in use" 65 "is already .*'s" "$replica" -- fbr participant edit 1234567 --trn 1234568
cli "event edit to a zone that does not exist" 65 "time zone 'Mars/Olympus' is unknown" "$replica" -- \
    fbr event edit "$event" --zone Mars/Olympus
cli "event delete with a note, without --force" 64 "which would be deleted with it; add --force" "$replica" -- \
    fbr event delete "$event"
cli "cohort delete without --force" 64 "^fieldbook: cohort NPQH Spring 2024 has .* participants" "$replica" -- \
    fbr cohort delete "Spring 2024"
cli "venue delete while it hosts an event" 65 "hosts 1 event" "$replica" -- fbr venue delete SPBS
cli "delete an unknown participant" 66 "^fieldbook: no participant matches 'Nobody'" "$replica" -- \
    fbr participant delete Nobody
cli "unmarked with a remark" 64 "^fieldbook: --remark goes with a mark" "$replica" -- \
    fbr attend "$event" 1234567 unmarked --remark late
cli "attend --except without its status" 64 "end --except with the status" "$replica" -- \
    fbr attend "$event" --all present --except 1234567
cli "attend --except naming nobody (nothing marked)" 66 "no participant matches 'Nobody'" "$replica" -- \
    fbr attend "$event" --all present --except 1234567 Nobody absent
cli "attend with both a participant and --all" 64 "not both" "$replica" -- \
    fbr attend "$event" 1234567 present --all present
cli "report with a threshold over 100" 65 "^fieldbook: --threshold 120 must be a percentage" "$replica" -- \
    fbr report attendance --threshold 120
cli "report missed of an unknown event" 66 "^fieldbook: no event matches 'ffffffff'" "$replica" -- \
    fbr report missed ffffffff
cli "report in an unknown format" 64 "^fieldbook: .*xml" "$replica" -- fbr report attendance --format xml
cli "sign-in sheet of an unknown event" 66 "^fieldbook: no event matches 'ffffffff'" "$replica" -- \
    fbr event sheet ffffffff --output "$work/sheet.html"
cli "sign-in sheet into a folder that does not exist" 74 "^fieldbook: cannot write $work/no/such/sheet.html" \
    "$replica" -- fbr event sheet "$event" --output "$work/no/such/sheet.html"
cli "roll call of an unknown event" 66 "^fieldbook: no event matches 'ffffffff'" "$replica" -- \
    fbr rollcall ffffffff </dev/null
cli "truncated bundle" 65 "^fieldbook: the bundle is cut short inside its head frame; nothing merged" "$replica" -- fbr bundle import "$work/truncated.fbk"
cli "a vector file given as a bundle" 65 "not a bundle" "$replica" -- fbr bundle import "$work/mine.vec"
cli "a bundle altered on its way, checksums recomputed" 77 "are not what their origin signed.*ask its author for a new one" \
    "$replica" -- fbr bundle import "$work/altered.fbk"
cli "this replica's own bundle" 65 "written by this replica" "$replica" -- fbr bundle import "$work/own.fbk"
# A sequence gap has no code of its own in the README's table: "1, anything else".
cli "bundle made for another replica's vector" 65 "continues from changes this replica does not hold" \
    "$replica" -- fbr bundle import "$work/gap.fbk"
cli "a text file as the bundle's vector" 65 "^fieldbook: " "$replica" -- \
    fbr bundle export "$work/x.fbk" --for "$work/roster.csv"
cli "--db names no file" 66 "^fieldbook: no replica at" "$work/none.sqlite" -- \
    env FIELDBOOK_DB="$work/none.sqlite" "$fb" status
cli "--db names a folder" 65 "is a folder, not a Fieldbook replica" "$replica" -- \
    env FIELDBOOK_DB="$work/folder.sqlite" "$fb" status
cli "--db names a text file" 65 "^fieldbook: .* (is not a Fieldbook replica|not a database)" "$work/text.sqlite" -- \
    env FIELDBOOK_DB="$work/text.sqlite" "$fb" status
cli "--db names another SQLite database" 65 "is not a Fieldbook replica" "$work/other.sqlite" -- \
    env FIELDBOOK_DB="$work/other.sqlite" "$fb" status
cli "init over an existing replica" 73 "^fieldbook: .*(exists|already)" "$replica" -- fbr init --name again
cli "remote set with a URL that is not http" 65 "is not an http:// or https:// URL" "$replica" -- \
    fbr remote set ftp://example.cn --token "$office"
cli "remote set with a malformed token" 65 "does not look like a Fieldbook device token" "$replica" -- \
    fbr remote set "$url" --token secret
cli "remote set --ca with a file that is not PEM" 65 "garbage.pem holds no PEM certificate" "$replica" -- \
    fbr remote set "https://127.0.0.1:$port" --ca "$work/garbage.pem"
cli "remote set --ca with a file that does not exist" 66 "^fieldbook: no file at" "$replica" -- \
    fbr remote set "https://127.0.0.1:$port" --ca "$work/missing.pem"
cli "remote set --ca for an http:// URL" 64 "^fieldbook: --ca is for an https:// server" "$replica" -- \
    fbr remote set "$url" --ca "$work/ca.pem"
cli "sync with no server set" 64 "^fieldbook: no server set" "$other" -- env FIELDBOOK_DB="$other" "$fb" sync
cli "unknown option" 64 "^fieldbook: Unknown option '--colour'" "$replica" -- fbr status --colour

start_server "$server_db" "$port" "$work/server.log"
cli "sync with a token the server never issued" 77 "^fieldbook: the device token is not valid" "$replica" -- \
    fbr sync --token "fbk_00000000_$(printf '0%.0s' $(seq 1 64))"
cli "sync with a revoked token" 77 "^fieldbook: the device token 'old-laptop' was revoked" "$replica" -- \
    fbr sync --token "$revoked"

# The server's sync endpoint. First bind the hand-made requests' tokens to their replica.
for token in "$wire_token" "$wire_cohort_token"; do
    python3 "$wire" post "$url" "$token" "$work/open.bin" | grep -q "^200" || { echo "bad-input: binding a token failed" >&2; exit 1; }
done
http "no Authorization header" 401 "no device token" - "$work/garbage.bin"
http "a token that is not one" 401 "not valid" "Bearer fbk_nonsense" "$work/garbage.bin"
http "a revoked token" 401 "was revoked" "$revoked" "$work/garbage.bin"
http "a body that is not an envelope" 400 "." "$office" "$work/garbage.bin"
http "frame with a bad CRC" 400 "." "$wire_token" "$work/crc.bin"
http "request cut short in a frame" 400 "." "$wire_token" "$work/truncated.bin"
http "envelope format version 9" 426 "." "$wire_token" "$work/version.bin"
http "a request from a fieldbook before frames" 426 "too old for the server.*upgrade fieldbook" "$wire_token" "$work/old-client.bin"
http "a request from a fieldbook before signatures" 426 "syncs signed frames .format 3.; upgrade fieldbook" "$wire_token" "$work/unsigned-client.bin"
http "unknown frame kind" 400 "." "$wire_token" "$work/kind.bin"
http "a bundle posted as a round" 400 "expected a framed sync request" "$wire_token" "$work/bundle.bin"
http "range that starts above what the server holds" 409 "sequence gap" "$wire_token" "$work/gap.bin"
http "push to a cohort the token does not open" 403 "may not write partition" "$wire_cohort_token" "$work/scope.bin"
stop_server
start_server_small
http "body over --max-request-bytes" 413 "larger than 4096 bytes" "$office" "$work/big.bin"
stop_server

# HTTPS: a laptop that was not told to trust the private CA stops at once, before its token is sent.
"$fbs" serve --db "$server_db" --port "$port" --tls-cert "$work/tls.pem" --tls-key "$work/tls.key" --log-level error \
    >>"$work/server.log" 2>&1 &
server_pid=$!
for _ in $(seq 1 300); do
    python3 -c "import ssl,urllib.request; urllib.request.urlopen('https://127.0.0.1:$port/v1/health', timeout=1, context=ssl._create_unverified_context())" 2>/dev/null && break
    sleep 0.1
done
cli "sync over https with a CA the laptop does not trust" 69 "^fieldbook: cannot trust the server .*untrusted issuer.*--ca" \
    "$replica" -- fbr sync --server "https://127.0.0.1:$port"
stop_server

# fieldbook-server serve: TLS files are checked before the store opens and the port is bound.
cli "serve --tls-cert without --tls-key" 64 "^fieldbook-server: --tls-cert and --tls-key go together" "$server_db" -- \
    timeout 30 "$fbs" serve --db "$server_db" --port "$port" --tls-cert "$work/tls.pem"
cli "serve --tls-cert that is not PEM" 65 "^fieldbook-server: .*garbage.pem holds no PEM certificate" "$server_db" -- \
    timeout 30 "$fbs" serve --db "$server_db" --port "$port" --tls-cert "$work/garbage.pem" --tls-key "$work/tls.key"
cli "serve --tls-key that is not PEM" 65 "^fieldbook-server: .*garbage.pem holds no unencrypted PEM private key" \
    "$server_db" -- timeout 30 "$fbs" serve --db "$server_db" --port "$port" --tls-cert "$work/tls.pem" --tls-key "$work/garbage.pem"
cli "serve --tls-key of another certificate" 65 "^fieldbook-server: the key in .* does not belong to the certificate" \
    "$server_db" -- timeout 30 "$fbs" serve --db "$server_db" --port "$port" --tls-cert "$work/tls.pem" --tls-key "$work/other.key"
cli "serve --tls-cert that does not exist" 66 "^fieldbook-server: no file at" "$server_db" -- \
    timeout 30 "$fbs" serve --db "$server_db" --port "$port" --tls-cert "$work/missing.pem" --tls-key "$work/tls.key"

# The server's admin commands.
cli "token issue with neither --all nor --cohort" 64 "^fieldbook-server: give either --all or at least one --cohort" \
    "$server_db" -- "$fbs" token issue --db "$server_db" --name nobody
cli "token issue with a name in use" 73 "^fieldbook-server: a live token named 'office' exists" "$server_db" -- \
    "$fbs" token issue --db "$server_db" --name office --all
cli "token issue for an unknown cohort" 66 "^fieldbook-server: no cohort matches" "$server_db" -- \
    "$fbs" token issue --db "$server_db" --name x --cohort Nowhere
cli "token revoke of an unknown name" 66 "^fieldbook-server: no live token named 'ghost'" "$server_db" -- \
    "$fbs" token revoke --db "$server_db" ghost
cli "export from a file that does not exist" 66 "^fieldbook-server: no server data at" "$work/none.sqlite" -- \
    "$fbs" export attendance --db "$work/none.sqlite" --format csv
cli "compact with a negative --older-than" 64 "^fieldbook-server: --older-than must be 0 or more days" "$server_db" -- \
    "$fbs" compact --db "$server_db" --older-than=-1
cli "compact of a file that does not exist" 66 "^fieldbook-server: no server data at" "$work/none.sqlite" -- \
    "$fbs" compact --db "$work/none.sqlite"
cli "server --db names a text file" 65 "^fieldbook-server: .*not a Fieldbook replica" "$work/text.sqlite" -- \
    "$fbs" conflicts --db "$work/text.sqlite"

echo
echo "bad-input: $rows rows, $failures failed"
[ "$failures" -eq 0 ]
