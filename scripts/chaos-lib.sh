# Shared helpers for the chaos and soak scripts: binaries, a free port, the server's
# life cycle, replicas, and random numbers from one seed. Source it; don't run it.

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
BIN=${BIN:-}
if [ -z "$BIN" ]; then
    BIN=$(cd "$root" && swift build --show-bin-path)
fi
if [ ! -x "$BIN/fieldbook" ] || [ ! -x "$BIN/fieldbook-server" ]; then
    echo "chaos: building fieldbook and fieldbook-server into $BIN" >&2
    (cd "$root" && swift build --product fieldbook >&2 && swift build --product fieldbook-server >&2)
fi
fb="$BIN/fieldbook"
fbs="$BIN/fieldbook-server"
db_tool="$root/scripts/fieldbook_db.py"

# A scratch folder in memory when there is one (fsync is free there; the kills are what we test).
new_workdir() {
    mktemp -d /dev/shm/fieldbook-"$1".XXXXXX 2>/dev/null || mktemp -d -t fieldbook-"$1".XXXXXX
}

free_port() {
    python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

# Milliseconds since the epoch.
now_ms() { date +%s%3N; }

# Sets R to a random integer in [0, $1) from bash's generator (seeded by the caller with
# RANDOM=seed). A variable, not output: $(...) would draw in a subshell and never advance
# the parent's generator.
rnd() { R=$(( (RANDOM * 32768 + RANDOM) % $1 )); }

# Sleeps $1 milliseconds.
sleep_ms() { sleep "$(printf '%d.%03d' $(($1 / 1000)) $(($1 % 1000)))"; }

# start_server DB PORT LOG: starts `fieldbook-server serve` and waits until it answers.
start_server() {
    "$fbs" serve --db "$1" --port "$2" --log-level error >>"$3" 2>&1 &
    server_pid=$!
    for _ in $(seq 1 300); do
        if python3 -c "import urllib.request,sys; urllib.request.urlopen('http://127.0.0.1:$2/v1/health', timeout=1)" \
            2>/dev/null; then
            return 0
        fi
        if ! kill -0 "$server_pid" 2>/dev/null; then
            echo "chaos: the server exited; see $3" >&2
            return 1
        fi
        sleep 0.1
    done
    echo "chaos: the server did not answer within 30 s" >&2
    return 1
}

stop_server() {
    if [ -n "${server_pid:-}" ] && kill -0 "$server_pid" 2>/dev/null; then
        kill -TERM "$server_pid" 2>/dev/null || true
        wait "$server_pid" 2>/dev/null || true
    fi
    server_pid=
}

# Resident memory of a process, kB.
rss_kb() { awk '/^VmRSS:/ { print $2 }' "/proc/$1/status" 2>/dev/null || echo 0; }

# A roster CSV of $2 participants with TRNs from $1 upwards.
roster_csv() {
    local first=$1 count=$2 i
    echo "name,trn,school,city,email"
    for ((i = 0; i < count; i++)); do
        echo "Participant $((first + i)),$((first + i)),School $((i % 17)),Shanghai,p$((first + i))@school.cn"
    done
}
