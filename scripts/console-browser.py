#!/usr/bin/env python3
"""The office console in a real browser (headless Chromium driven by Playwright).

Seeds a SQLite server store with `fieldbook demo` (plus a participant with a Chinese name),
adds an admin and a viewer with `fieldbook-server user add`, starts `fieldbook-server serve`
on a free loopback port, and then, as the office would: is refused without a session,
fails a sign-in, signs in, opens the overview, a cohort grid, an event, a participant, the
conflicts, laptops and audit pages (in English and Chinese, on a laptop, a tablet and in
print), resolves a conflict, issues a token, downloads the CSV (checked byte-wise: BOM,
CRLF, Chinese names) and the XLSX (opened with openpyxl), and checks that a missing CSRF
token, a viewer's resolve and a device token are refused. A demo laptop syncs through the
server first, so the laptops page shows its last sync and app version, and the participant page's change
history shows the conflict's losing mark. Screenshots of each page go to --out. Exits
non-zero on the first failed check.

    scripts/console-browser.py --bin .build/debug --out .build/console-screenshots
"""

import argparse
import json
import os
import re
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request

import openpyxl
from playwright.sync_api import sync_playwright

PASSWORD = "correct horse battery staple"
WANG_FANG = "王芳".encode("utf-8")


def run(command, stdin=None):
    result = subprocess.run(command, input=stdin, capture_output=True, text=True)
    if result.returncode != 0:
        sys.exit(f"FAILED: {' '.join(command)}\n{result.stdout}{result.stderr}")
    return result.stdout


def check(condition, what):
    if not condition:
        sys.exit(f"FAILED: {what}")
    print(f"ok: {what}")


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def seed(binaries, folder):
    fieldbook = os.path.join(binaries, "fieldbook")
    server = os.path.join(binaries, "fieldbook-server")
    run([fieldbook, "demo", "--directory", folder])
    db = os.path.join(folder, "server.sqlite")
    cohorts = json.loads(run([fieldbook, "cohort", "list", "--db", db, "--json"]))
    npqh = next(c for c in cohorts if c["programme"] == "NPQH")["id"]
    # Written on the server's own replica while it is stopped: the server is a replica too.
    run([fieldbook, "participant", "add", "--db", db, "--cohort", npqh, "--name", "王芳", "--trn", "7654321",
         "--school", "上海浦东外国语学校", "--city", "上海"])
    run([server, "user", "add", "admin", "--role", "admin", "--db", db, "--cost", "4"], PASSWORD + "\n")
    run([server, "user", "add", "viewer", "--role", "viewer", "--db", db, "--cost", "4"], PASSWORD + "\n")
    device_token = run([server, "token", "issue", "--name", "browser-test-laptop", "--all", "--db", db]).strip()
    return db, npqh, device_token


def start_server(binaries, db):
    port = free_port()
    process = subprocess.Popen(
        [os.path.join(binaries, "fieldbook-server"), "serve", "--db", db, "--port", str(port), "--log-level", "warning"])
    base = f"http://127.0.0.1:{port}"
    for _ in range(100):
        try:
            urllib.request.urlopen(base + "/v1/health", timeout=1)
            return process, base
        except OSError:
            time.sleep(0.1)
    process.terminate()
    sys.exit("FAILED: the server did not start")


def sign_in(page, base, name, password):
    page.goto(base + "/signin")
    page.fill("#name", name)
    page.fill("#password", password)
    with page.expect_navigation():
        page.click("button[type=submit]")


def sync_laptop(binaries, folder, base, device_token):
    """Syncs the demo's Shanghai laptop through the console's server: a real round, recorded."""
    fieldbook = os.path.join(binaries, "fieldbook")
    replica = os.path.join(folder, "shanghai.sqlite")
    if not os.path.exists(replica):
        sys.exit(f"FAILED: the demo left no laptop replica at {replica}: {sorted(os.listdir(folder))}")
    run([fieldbook, "remote", "set", base, "--token", device_token, "--db", replica])
    run([fieldbook, "sync", "--db", replica])


def browse(base, npqh, device_token, out, chromium, version):
    os.makedirs(out, exist_ok=True)

    def shot(page, name):
        page.screenshot(path=os.path.join(out, name + ".png"), full_page=True)

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=chromium, args=["--no-sandbox"])
        laptop = browser.new_context(locale="en-GB", viewport={"width": 1280, "height": 860}, accept_downloads=True)
        page = laptop.new_page()

        page.goto(base + "/")
        check(page.url.endswith("/signin"), "no session: the overview sends the browser to sign in")
        export = laptop.request.get(base + "/exports/attendance.csv", max_redirects=0)
        check(export.status == 303, "no session: the CSV export is refused")
        bearer = laptop.request.get(base + "/", headers={"Authorization": f"Bearer {device_token}"}, max_redirects=0)
        check(bearer.status == 303, "a device token does not open the console")
        shot(page, "01-signin")

        sign_in(page, base, "admin", "not the password")
        check("wrong" in page.content() and page.url.endswith("/signin"), "a wrong password is refused")
        sign_in(page, base, "admin", PASSWORD)
        check(page.url == base + "/" and "NPQH" in page.content(), "the admin signs in to the overview")
        check("Shanghai, Chengdu" in page.content(), "the NPQH cohort's cities: Shanghai first, then Chengdu")
        cookie = next(c for c in laptop.cookies() if c["name"] == "fb_session")
        check(cookie["httpOnly"] and cookie["sameSite"] == "Strict", "the session cookie is HttpOnly, SameSite=Strict")
        shot(page, "02-overview")

        page.click(f"a[href='/cohorts/{npqh}']")
        check("王芳" in page.content() and "class=\"m P\"" in page.content(), "the cohort grid shows names and marks")
        shot(page, "03-cohort-grid")
        page.emulate_media(media="print")
        shot(page, "04-cohort-grid-print")
        page.emulate_media(media="screen")

        page.click("th.ev a >> nth=0")
        check("Sat" in page.content() or "Sun" in page.content(), "the event shows the weekday")
        shot(page, "05-event")
        page.click("a[href^='/participants/'] >> nth=0")
        shot(page, "06-participant")

        page.goto(base + "/conflicts")
        forms = page.locator("form[action$='/keep']")
        open_before = page.locator("section.conflict").count()
        check(open_before >= 1 and forms.count() >= 2 * open_before,
              f"the conflicts page lists {open_before} conflict(s) with both versions")
        check(page.locator("section.conflict h2:has-text('Status, Remark')").count() >= 1,
              "an attendance mark is one item, shown whole (status and remark)")
        shot(page, "07-conflicts")
        keep_action = forms.first.get_attribute("action")

        viewer = browser.new_context(locale="en-GB")
        viewer_page = viewer.new_page()
        sign_in(viewer_page, base, "viewer", PASSWORD)
        viewer_page.goto(base + "/conflicts")
        check(viewer_page.locator("form[action$='/keep']").count() == 0, "a viewer sees no resolve buttons")
        viewer_csrf = viewer_page.locator("input[name=csrf]").first.get_attribute("value")
        refused = viewer.request.post(base + keep_action, form={"csrf": viewer_csrf, "side": "loser"}, max_redirects=0)
        check(refused.status == 403, "a viewer's resolve is refused (403)")
        viewer.close()

        no_csrf = laptop.request.post(base + keep_action, form={"side": "loser"}, max_redirects=0)
        check(no_csrf.status == 403, "a form without the CSRF token is refused (403)")

        with page.expect_navigation():
            forms.nth(1).locator("button").click()
        # A mark's status and remark are one column group, shown as one item: keeping one
        # version of it closes its entries for both columns, and the item goes.
        check(page.locator("section.conflict").count() == open_before - 1, "keeping a version resolves it")
        shot(page, "08-conflicts-after-resolve")

        page.goto(base + f"/cohorts/{npqh}")
        page.click("th.ev a >> nth=0")
        page.click("a:has-text('Zhang Min')")
        content = page.content()
        check("Change history" in content and "lost a conflict" in content,
              "the participant's change history shows the conflict's losing mark")
        check("late" in content and "absent" in content, "both facilitators' marks are in the history")
        shot(page, "06b-participant-history")

        page.goto(base + "/laptops")
        page.fill("form[action='/tokens'] input[name=name]", "zhao-yantai")
        with page.expect_navigation():
            page.click("form[action='/tokens'] button")
        check("fbk_" in page.content(), "an issued token is shown once")
        check("browser-test-laptop" in page.content() and "Last sync" in page.content(),
              "the laptop that synced shows its token and last sync")
        synced = page.locator("tr:has-text('browser-test-laptop') td.app").first.inner_text()
        check(synced == version, f"the laptop that synced shows the app version it sent ({synced})")
        shot(page, "09-laptops-and-tokens")
        page.goto(base + "/laptops")
        check("fbk_" not in page.content(), "and only once")

        page.goto(base + "/audit")
        check("conflict.resolve" in page.content() and "token.issue" in page.content(), "the audit log lists both")
        shot(page, "10-audit")

        page.goto(base + "/?lang=zh")
        check("总览" in page.content(), "?lang=zh switches to Chinese")
        shot(page, "11-overview-zh")
        page.goto(base + f"/cohorts/{npqh}")
        shot(page, "12-cohort-grid-zh")
        page.goto(base + "/?lang=en")

        with page.expect_download() as download:
            page.click("a[href='/exports/attendance.csv']")
        data = open(download.value.path(), "rb").read()
        check(data.startswith(b"\xef\xbb\xbf"), "the CSV starts with the UTF-8 BOM")
        check(WANG_FANG in data, "the CSV holds 王芳 in UTF-8")
        check(data.count(b"\r\n") == data.count(b"\n") and data.endswith(b"\r\n"), "the CSV's lines end with CRLF")
        check(b",unmarked," in data, "unmarked participants are included")

        with page.expect_download() as download:
            page.click("a[href='/exports/attendance.xlsx']")
        check(download.value.suggested_filename == "fieldbook-attendance.xlsx", "the XLSX download is named")
        xlsx = os.path.join(out, download.value.suggested_filename)
        download.value.save_as(xlsx)
        workbook = openpyxl.load_workbook(xlsx)
        rows = list(workbook.active.iter_rows(values_only=True))
        check(rows[0][:3] == ("programme", "cohort", "event"), "the XLSX opens, with its header row")
        check(any("王芳" in row for row in rows), "the XLSX holds 王芳")
        check(len(rows) == data.count(b"\r\n"), "the XLSX has as many rows as the CSV")

        tablet = browser.new_context(locale="zh-CN", viewport={"width": 820, "height": 1180}, is_mobile=True)
        # The session only: the laptop's language cookie would (rightly) win over Accept-Language.
        tablet.add_cookies([c for c in laptop.cookies() if c["name"] == "fb_session"])
        tablet_page = tablet.new_page()
        tablet_page.goto(base + "/")
        check("总览" in tablet_page.content(), "Accept-Language zh-CN chooses Chinese")
        tablet_page.screenshot(path=os.path.join(out, "13-overview-tablet.png"), full_page=True)
        tablet_page.goto(base + f"/cohorts/{npqh}")
        tablet_page.screenshot(path=os.path.join(out, "14-cohort-grid-tablet.png"), full_page=True)

        with page.expect_navigation():
            page.click("header form button")
        check(page.url.endswith("/signin"), "sign-out returns to the sign-in form")
        page.goto(base + "/conflicts")
        check(page.url.endswith("/signin"), "after sign-out the pages need a session again")
        browser.close()


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--bin", default=".build/debug", help="folder of fieldbook and fieldbook-server")
    parser.add_argument("--out", default=".build/console-screenshots", help="folder for the screenshots")
    parser.add_argument("--chromium", default="/usr/bin/chromium", help="the system's Chromium")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="fieldbook-console-browser-") as folder:
        db, npqh, device_token = seed(args.bin, folder)
        process, base = start_server(args.bin, db)
        try:
            sync_laptop(args.bin, folder, base, device_token)
            # The version the laptop's sync requests named (User-Agent), as `fieldbook --version` prints it.
            version = run([os.path.join(args.bin, "fieldbook"), "--version"]).strip()
            browse(base, npqh, device_token, args.out, args.chromium, version)
        finally:
            process.terminate()
            process.wait(timeout=10)
    print(f"console-browser: all checks passed; screenshots in {args.out}")


if __name__ == "__main__":
    main()
