/// The console's one stylesheet: readable on a laptop and a tablet, and in print (no
/// navigation, no buttons, status letters that read in black and white).
enum ConsoleStylesheet {
    static let css = """
        :root { --ink: #1d2733; --muted: #5b6775; --line: #d5dbe2; --accent: #1f5f99; --bg: #f6f8fa; }
        * { box-sizing: border-box; }
        body { margin: 0; font: 15px/1.45 system-ui, -apple-system, "Segoe UI", "PingFang SC", "Noto Sans CJK SC",
            "Microsoft YaHei", "WenQuanYi Zen Hei", sans-serif; color: var(--ink); background: var(--bg); }
        header { display: flex; flex-wrap: wrap; gap: .4rem 1.2rem; align-items: center; padding: .6rem 1rem;
            background: var(--ink); color: #fff; }
        header a { color: #fff; text-decoration: none; }
        header nav { display: flex; flex-wrap: wrap; gap: .2rem 1rem; flex: 1; }
        header .who { font-size: .85rem; opacity: .85; }
        header form { display: inline; }
        header button { background: transparent; color: #fff; border: 1px solid #fff8; border-radius: 4px; }
        main { padding: 1rem; max-width: 1400px; margin: 0 auto; }
        h1 { font-size: 1.4rem; margin: .2rem 0 1rem; }
        h2 { font-size: 1.1rem; margin: 1.4rem 0 .5rem; }
        a { color: var(--accent); }
        .cards { display: grid; grid-template-columns: repeat(auto-fit, minmax(12rem, 1fr)); gap: .8rem; }
        .card { background: #fff; border: 1px solid var(--line); border-radius: 6px; padding: .7rem 1rem; }
        .card b { display: block; font-size: 1.6rem; }
        .scroll { overflow-x: auto; background: #fff; border: 1px solid var(--line); border-radius: 6px; }
        table { border-collapse: collapse; width: 100%; }
        th, td { padding: .35rem .6rem; border-bottom: 1px solid var(--line); text-align: left; vertical-align: top; }
        th { background: #eef2f6; font-weight: 600; position: sticky; top: 0; }
        td.num, th.num { text-align: right; font-variant-numeric: tabular-nums; }
        table.grid { width: auto; }
        .scroll.fit { display: inline-block; max-width: 100%; vertical-align: top; }
        table.grid th.ev { writing-mode: vertical-rl; transform: rotate(180deg); white-space: nowrap;
            font-weight: 500; font-size: .8rem; max-height: 16rem; overflow: hidden; text-overflow: ellipsis;
            padding: .4rem .2rem; }
        table.grid td.m { text-align: center; font-weight: 700; width: 2rem; padding: .3rem 0; }
        .P { background: #d8f0dc; color: #165c26; } .L { background: #fff1c9; color: #7a5400; }
        .A { background: #f9d6d5; color: #8c1d18; } .E { background: #dde7f7; color: #274b85; }
        .U { color: #9aa4af; }
        tr.flag td:first-child::before { content: "⚑ "; color: #b3261e; }
        tr.flag td.rate { color: #b3261e; font-weight: 700; }
        .note { color: var(--muted); font-size: .9rem; }
        .pair { display: grid; grid-template-columns: repeat(auto-fit, minmax(16rem, 1fr)); gap: .8rem;
          margin: .6rem 0 1.2rem; }
        .pair .card h3 { margin: 0 0 .3rem; font-size: 1rem; }
        .pair .fields { display: grid; grid-template-columns: max-content 1fr; gap: .1rem .8rem; margin: 0 0 .4rem; }
        .pair dt { color: #555; }
        .pair dd { margin: 0; }
        .pair .value { font-size: 1.2rem; font-weight: 700; }
        form.inline { display: inline; }
        input, select, button { font: inherit; padding: .3rem .5rem; }
        button { cursor: pointer; border: 1px solid var(--accent); background: var(--accent); color: #fff;
            border-radius: 4px; }
        button.quiet { background: #fff; color: var(--accent); }
        .signin { max-width: 22rem; margin: 3rem auto; background: #fff; padding: 1.5rem; border-radius: 8px;
            border: 1px solid var(--line); }
        .signin label { display: block; margin: .6rem 0 .2rem; }
        .signin input { width: 100%; }
        .alert { padding: .6rem 1rem; border-radius: 6px; background: #fdecea; border: 1px solid #f5c2bd;
            margin-bottom: 1rem; }
        .ok { background: #e7f5ea; border-color: #b7dfc0; }
        code.token { display: block; padding: .6rem; background: #fff; border: 1px dashed var(--accent);
            word-break: break-all; font-size: 1rem; }
        @media (max-width: 700px) { .pair { grid-template-columns: 1fr; } main { padding: .6rem; } }
        @media print {
            header, form, button, .noprint { display: none !important; }
            body { background: #fff; font-size: 11px; }
            .scroll { overflow: visible; border: 0; }
            th { position: static; }
            .P, .L, .A, .E { background: none; }
        }
        """
}
