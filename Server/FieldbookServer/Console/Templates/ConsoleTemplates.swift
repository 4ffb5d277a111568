/// The console's page templates (Mustache: `{{x}}` escapes HTML, `{{{x}}}` only ever
/// holds HTML that another template rendered). Embedded in the binary so the server
/// stays one file to copy.
enum ConsoleTemplates {
    static let all: [String: String] = [
        "layout": layout, "signin": signIn, "overview": overview, "cohort": cohort, "event": event,
        "participant": participant, "error": error, "gridCell": gridCell,
    ].merging(ConsoleAdminTemplates.all) { first, _ in first }

    static let layout = """
        <!doctype html>
        <html lang="{{lang}}">
        <head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
        <title>{{title}} · {{t.title}}</title><link rel="stylesheet" href="/console.css"></head>
        <body>
        {{#session}}
        <header>
          <a href="/"><b>Fieldbook</b></a>
          <nav>
            <a href="/">{{t.overview}}</a><a href="/conflicts">{{t.conflicts}}</a>
            <a href="/laptops">{{t.laptops}}</a><a href="/audit">{{t.audit}}</a>
          </nav>
          <a href="{{switchLink}}" lang="{{otherLang}}">{{otherLangLabel}}</a>
          <span class="who">{{t.signedInAs}} {{user}} ({{role}})</span>
          <form method="post" action="/signout"><input type="hidden" name="csrf" value="{{csrf}}">
            <button type="submit">{{t.signOut}}</button></form>
        </header>
        {{/session}}
        <main>
        {{{body}}}
        </main>
        </body>
        </html>
        """

    static let signIn = """
        <form class="signin" method="post" action="/signin">
          <h1>{{t.title}}</h1>
          {{#failed}}<p class="alert" role="alert">{{failed}}</p>{{/failed}}
          <input type="hidden" name="csrf" value="{{csrf}}">
          <label for="name">{{t.name}}</label><input id="name" name="name" autocomplete="username" required autofocus>
          <label for="password">{{t.password}}</label>
          <input id="password" name="password" type="password" autocomplete="current-password" required>
          <p><button type="submit">{{t.signIn}}</button> <a href="{{switchLink}}">{{otherLangLabel}}</a></p>
        </form>
        """

    static let overview = """
        <h1>{{t.overview}}</h1>
        <div class="cards">
          <div class="card"><a href="/conflicts">{{t.openConflicts}}</a><b>{{openConflicts}}</b></div>
          <div class="card"><a href="/laptops">{{t.quarantined}}</a><b>{{quarantined}}</b></div>
          <div class="card"><a href="/laptops">{{t.staleLaptops}}</a><b>{{staleLaptops}}</b></div>
        </div>
        <h2>{{t.exports}}</h2>
        <p><a href="/exports/attendance.csv">{{t.attendanceCSV}}</a> ·
           <a href="/exports/attendance.xlsx">{{t.attendanceXLSX}}</a> ·
           <a href="/exports/notes.csv">{{t.notesCSV}}</a></p>
        <h2>{{t.cohorts}}</h2>
        <div class="scroll"><table>
          <thead><tr><th>{{t.programme}}</th><th>{{t.city}}</th><th>{{t.cohort}}</th>
            <th class="num">{{t.participants}}</th><th class="num">{{t.events}}</th><th class="num">{{t.rate}}</th>
            <th class="num">{{t.below}}</th></tr></thead>
          <tbody>
          {{#cohorts}}
            <tr{{#flagged}} class="flag"{{/flagged}}><td title="{{programmeTitle}}">{{programme}}</td><td>{{city}}</td>
              <td><a href="/cohorts/{{id}}">{{name}}</a></td><td class="num">{{participants}}</td>
              <td class="num">{{events}}</td><td class="num rate">{{rate}}</td>
              <td class="num">{{below}} <span class="note">(&lt; {{threshold}}%)</span></td></tr>
          {{/cohorts}}
          </tbody>
        </table></div>
        """

    static let cohort = """
        <h1>{{programme}} · {{name}}{{#city}} · {{city}}{{/city}}</h1>
        <p>{{t.rate}} <b>{{rate}}</b> · {{t.threshold}} {{threshold}}% · {{t.below}} {{below}}
          · <a href="/exports/attendance.csv?cohort={{id}}">{{t.attendanceCSV}}</a>
          · <a href="/exports/attendance.xlsx?cohort={{id}}">{{t.attendanceXLSX}}</a></p>
        {{#isAdmin}}
        <form class="inline noprint" method="post" action="/cohorts/{{id}}/threshold">
          <input type="hidden" name="csrf" value="{{csrf}}">
          <label>{{t.threshold}} {{programme}} <input name="percent" type="number" min="0" max="100" value="{{threshold}}"
            style="width:5rem">%</label> <button type="submit" class="quiet">{{t.save}}</button>
        </form>
        {{/isAdmin}}
        <p class="note">{{t.legend}}</p>
        <div class="scroll fit"><table class="grid">
          <thead><tr><th>{{t.participant}}</th><th class="num">{{t.rate}}</th>
          {{#events}}<th class="ev"><a href="/events/{{id}}" title="{{title}}">{{date}} {{title}}</a></th>{{/events}}
          </tr></thead>
          <tbody>
          {{{rows}}}
          </tbody>
        </table></div>
        """

    /// One cell of the cohort grid. There are five possible cells, rendered once per page
    /// and copied into each row by ``GridBodyHTML``, which writes the grid's rows (`<tr>`
    /// with a link to the participant, the rate, the cells). The cell's end tag is left out (HTML ends a cell at the next one or at the row's
    /// end): 150,000 of them were a fifth of the page.
    static let gridCell = """
        <td class="m {{c}}">{{l}}
        """

    static let event = """
        <h1>{{title}}</h1>
        <p><a href="/cohorts/{{cohortID}}">{{t.cohort}}</a> · {{kind}}{{#module}} · {{t.module}} {{module}}{{/module}}</p>
        <p>{{t.starts}}: <b>{{office}}</b>{{#local}}<br>{{t.localTime}}: {{local}}{{/local}}</p>
        {{#venue}}<p>{{t.venue}}: {{venue}}</p>{{/venue}}
        <div class="scroll"><table>
          <thead><tr><th>{{t.participant}}</th><th>{{t.trn}}</th><th>{{t.school}}</th><th>{{t.status}}</th>
            <th>{{t.remark}}</th></tr></thead>
          <tbody>
          {{#lines}}
            <tr><td><a href="/participants/{{id}}">{{name}}</a></td><td>{{trn}}</td><td>{{school}}</td>
              <td class="{{c}}"><b>{{l}}</b> {{status}}</td><td>{{remark}}</td></tr>
          {{/lines}}
          </tbody>
        </table></div>
        """

    static let participant = """
        <h1>{{name}}</h1>
        <p>{{#trn}}{{t.trn}} {{trn}} · {{/trn}}{{school}}{{#city}} · {{city}}{{/city}}{{#email}} · {{email}}{{/email}}</p>
        <p>{{t.rate}} <b>{{rate}}</b> · <a href="/cohorts/{{cohortID}}">{{t.cohort}}</a></p>
        <h2>{{t.history}}</h2>
        <div class="scroll"><table>
          <thead><tr><th>{{t.starts}}</th><th>{{t.event}}</th><th>{{t.status}}</th><th>{{t.remark}}</th></tr></thead>
          <tbody>
          {{#lines}}
            <tr><td>{{office}}</td><td><a href="/events/{{id}}">{{title}}</a></td>
              <td class="{{c}}"><b>{{l}}</b> {{status}}</td><td>{{remark}}</td></tr>
          {{/lines}}
          </tbody>
        </table></div>
        <h2>{{t.notes}}</h2>
        {{#notes}}<div class="card"><p class="note">{{author}} · {{created}}{{#event}} · {{event}}{{/event}}</p>
          <p>{{body}}</p></div>{{/notes}}
        <h2>{{t.changeHistory}}</h2>
        <div class="scroll"><table class="history">
          <thead><tr><th>{{t.time}}</th><th>{{t.record}}</th><th>{{t.column}}</th><th>{{t.value}}</th><th>{{t.by}}</th>
            <th>{{t.outcome}}</th></tr></thead>
          <tbody>
          {{#changes}}
            <tr{{#lost}} class="flag"{{/lost}}><td>{{time}}</td><td>{{record}}</td><td>{{column}}</td><td>{{value}}</td>
              <td>{{by}}</td><td>{{outcome}}</td></tr>
          {{/changes}}
          </tbody>
        </table></div>
        """

    static let error = """
        <h1>{{t.error}}</h1>
        <p class="alert" role="alert">{{message}}</p>
        <p><a href="/">{{t.back}}</a></p>
        """
}
