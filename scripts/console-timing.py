#!/usr/bin/env python3
"""Times office console pages over real HTTP, as a browser would fetch them.

Signs in to a running `fieldbook-server serve` (its sign-in form, CSRF token and cookie),
then fetches each page --runs times and prints, per page, the median wall time and, when
--pid names the server process, the median CPU time the server spent on it (from
/proc/PID/stat: on a machine shared with other builds, CPU time says more than wall time).
The server's log, at --log-level debug, also names each console query and its time.

    scripts/console-timing.py --base http://127.0.0.1:8080 --user admin --password-file pw \\
        --pid $(pgrep -n fieldbook-server) / /cohorts/ID

No timeout: a page in a debug build may take minutes.
"""

import argparse
import http.cookiejar
import os
import re
import statistics
import sys
import time
import urllib.parse
import urllib.request


def cpu_seconds(pid):
    if pid is None:
        return 0.0
    with open(f"/proc/{pid}/stat") as stat:
        fields = stat.read().rsplit(")", 1)[1].split()
    # utime and stime, fields 14 and 15 of stat(5), counted after the command name.
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--base", required=True)
    parser.add_argument("--user", required=True)
    parser.add_argument("--password-file", required=True)
    parser.add_argument("--pid", type=int)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("pages", nargs="+")
    arguments = parser.parse_args()

    jar = http.cookiejar.CookieJar()
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))
    form = opener.open(arguments.base + "/signin", timeout=None).read().decode()
    csrf = re.search(r'name="csrf" value="([^"]+)"', form).group(1)
    password = open(arguments.password_file).read().strip()
    body = urllib.parse.urlencode({"csrf": csrf, "name": arguments.user, "password": password}).encode()
    opener.open(arguments.base + "/signin", data=body, timeout=None).read()
    if not any(cookie.name == "fb_session" for cookie in jar):
        sys.exit("sign-in failed: no fb_session cookie")

    for page in arguments.pages:
        walls, cpus, size = [], [], 0
        for _ in range(arguments.runs):
            cpu, start = cpu_seconds(arguments.pid), time.monotonic()
            with opener.open(arguments.base + page, timeout=None) as response:
                size = len(response.read())
                status = response.status
            walls.append(time.monotonic() - start)
            cpus.append(cpu_seconds(arguments.pid) - cpu)
            if status != 200:
                sys.exit(f"{page}: HTTP {status}")
        cpu_text = f", server CPU {statistics.median(cpus) * 1000:.0f} ms" if arguments.pid else ""
        print(f"{page}: wall {statistics.median(walls) * 1000:.0f} ms{cpu_text} (median of {arguments.runs}), "
              f"{size} bytes", flush=True)


if __name__ == "__main__":
    main()
