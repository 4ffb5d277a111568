#!/usr/bin/env python3
"""Read Fieldbook replica files directly, for the chaos and soak scripts.

    fieldbook_db.py integrity FILE...          PRAGMA integrity_check on each file ("ok" or exit 1)
    fieldbook_db.py verify SERVER REPLICA...   convergence and accounting after a chaos run
    fieldbook_db.py verify --scoped SERVER REPLICA...
                                               for replicas that hold only some cohorts: integrity,
                                               no quarantine, each change they wrote on the server once
    fieldbook_db.py dump FILE                  the replicated data, canonical, for diffing by hand
    fieldbook_db.py content FILE               SHA-256 of every table's rows (engine tables too)

`verify` checks what the promises say, from the files alone: every file passes
integrity_check; every replica's version vectors equal the server's; every replicated
table (values, tombstones and each cell's winning stamp) is identical everywhere; the
server holds exactly one log row per change each origin wrote (nothing lost, nothing
doubled: no compaction runs in these scripts); nothing waits in quarantine.
"""
import json
import sqlite3
import sys


def connect(path):
    # Read-only, but allowed to recover a WAL left by a killed process.
    return sqlite3.connect(f"file:{path}?mode=rw", uri=True, timeout=30)


def integrity(path):
    with connect(path) as db:
        rows = db.execute("PRAGMA integrity_check").fetchall()
    return "ok" if rows == [("ok",)] else "; ".join(r[0] for r in rows)


def replicated_tables(db):
    names = [r[0] for r in db.execute(
        "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'fb\\_%' ESCAPE '\\' "
        "AND name NOT LIKE 'sqlite\\_%' ESCAPE '\\' ORDER BY name")]
    tables = []
    for name in names:
        info = db.execute(f'PRAGMA table_info("{name}")').fetchall()
        keys = [r[1] for r in sorted(info, key=lambda r: r[5]) if r[5] > 0]
        columns = [r[1] for r in info if r[5] == 0 and not r[1].endswith("__v")]
        tables.append((name, keys, columns))
    return tables


def dump(path):
    """Every replicated row, with each cell's value and winning stamp (hlc@origin)."""
    lines = []
    with connect(path) as db:
        for name, keys, columns in replicated_tables(db):
            stamps = [
                f'(SELECT c.hlc || \'@\' || hex(r.replica) FROM fb_cells c JOIN fb_streams s ON s.id = (c.id >> 32) '
                f'JOIN fb_replicas r ON r.id = s.origin WHERE c.id = t."{column}__v")'
                for column in columns]
            select = ", ".join([f'hex(t."{k}")' for k in keys] + [f'quote(t."{c}")' for c in columns] + stamps)
            order = ", ".join(f't."{k}"' for k in keys)
            for row in db.execute(f'SELECT {select} FROM "{name}" AS t ORDER BY {order}'):
                lines.append(name + " | " + " | ".join("∅" if v is None else str(v) for v in row))
    return lines


def content(path):
    """A digest of everything the file holds, whatever its WAL and page layout."""
    import hashlib
    with connect(path) as db:
        lines = sorted(db.iterdump())
    return hashlib.sha256("\n".join(lines).encode()).hexdigest()


def state(path):
    with connect(path) as db:
        replica = db.execute("SELECT value FROM fb_meta WHERE key = 'replica'").fetchone()[0].hex()
        knowledge = {}
        for partition, origin, held in db.execute(
                "SELECT hex(p.partition), hex(r.replica), s.held FROM fb_streams s "
                "JOIN fb_partitions p ON p.id = s.partition JOIN fb_replicas r ON r.id = s.origin WHERE s.held > 0"):
            knowledge[f"{partition.lower()}/{origin.lower()}"] = held
        rows = {}
        for origin, count in db.execute(
                "SELECT hex(r.replica), count(*) FROM (SELECT id FROM fb_cells UNION ALL SELECT id FROM fb_history "
                "UNION ALL SELECT id FROM fb_pending) l JOIN fb_streams s ON s.id = (l.id >> 32) "
                "JOIN fb_replicas r ON r.id = s.origin GROUP BY r.replica"):
            rows[origin.lower()] = count
        quarantined = db.execute("SELECT count(*) FROM fb_quarantine").fetchone()[0]
        duplicate_rows = db.execute(
            "SELECT count(*) FROM (SELECT id FROM fb_cells INTERSECT SELECT id FROM fb_history)").fetchone()[0]
    return {"replica": replica, "knowledge": knowledge, "rows": rows, "quarantined": quarantined,
            "duplicate_rows": duplicate_rows}


def verify(server, replicas, scoped=False):
    problems = []
    for path in [server] + replicas:
        result = integrity(path)
        if result != "ok":
            problems.append(f"{path}: integrity_check: {result}")
    states = {path: state(path) for path in [server] + replicas}
    server_state = states[server]
    reference = dump(server)
    for path in replicas:
        s = states[path]
        if scoped:
            own = s["replica"]
            for key, held in s["knowledge"].items():
                if server_state["knowledge"].get(key, 0) < held and key.endswith("/" + own):
                    problems.append(f"{path}: the server lacks its changes {key} (holds "
                                    f"{server_state['knowledge'].get(key, 0)} of {held})")
        elif s["knowledge"] != server_state["knowledge"]:
            missing = {k: (v, s["knowledge"].get(k)) for k, v in server_state["knowledge"].items()
                       if s["knowledge"].get(k) != v}
            extra = {k: v for k, v in s["knowledge"].items() if k not in server_state["knowledge"]}
            problems.append(f"{path}: vectors differ from the server's: {missing} {extra}")
        other = reference if scoped else dump(path)
        if other != reference:
            diff = next((i for i, (a, b) in enumerate(zip(reference, other)) if a != b), min(len(reference), len(other)))
            problems.append(f"{path}: data differs from the server's at line {diff + 1}: "
                            f"server {reference[diff] if diff < len(reference) else '(end)'!r} "
                            f"here {other[diff] if diff < len(other) else '(end)'!r}")
        # Every change this replica wrote is on the server exactly once.
        own = s["replica"]
        written = sum(v for k, v in s["knowledge"].items() if k.endswith("/" + own))
        held = server_state["rows"].get(own, 0)
        if written != held:
            problems.append(f"{path}: wrote {written} changes, the server holds {held} log rows of them")
    for path, s in states.items():
        if s["quarantined"]:
            problems.append(f"{path}: {s['quarantined']} changes still quarantined")
        if s["duplicate_rows"]:
            problems.append(f"{path}: {s['duplicate_rows']} changes both winning and superseded")
    total = sum(states[server]["rows"].values())
    return problems, total, len(reference)


def main(argv):
    if len(argv) >= 2 and argv[0] == "integrity":
        bad = [(p, r) for p in argv[1:] for r in [integrity(p)] if r != "ok"]
        for path, result in bad:
            print(f"{path}: {result}", file=sys.stderr)
        return 1 if bad else 0
    if len(argv) >= 2 and argv[0] == "verify":
        scoped = argv[1] == "--scoped"
        if scoped:
            argv = argv[1:]
        problems, changes, rows = verify(argv[1], argv[2:], scoped)
        for problem in problems:
            print("verify: " + problem, file=sys.stderr)
        if not problems:
            if scoped:
                print(f"verify: ok: {len(argv) - 1} files pass integrity_check; every change the replicas "
                      f"wrote is on the server exactly once ({changes} changes there); nothing quarantined")
            else:
                print(f"verify: ok: {len(argv) - 1} files pass integrity_check and hold identical data "
                      f"({rows} rows, {changes} changes on the server, each exactly once)")
        return 1 if problems else 0
    if len(argv) == 2 and argv[0] == "dump":
        print("\n".join(dump(argv[1])))
        return 0
    if len(argv) == 2 and argv[0] == "content":
        print(content(argv[1]))
        return 0
    if len(argv) == 2 and argv[0] == "state":
        print(json.dumps(state(argv[1]), indent=1, sort_keys=True))
        return 0
    print(__doc__, file=sys.stderr)
    return 64


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
