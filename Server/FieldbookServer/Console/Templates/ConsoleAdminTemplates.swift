/// Templates of the pages where admins change things: conflicts, laptops and tokens,
/// and the audit log. Every form carries the session's CSRF token.
enum ConsoleAdminTemplates {
    static let all: [String: String] = ["conflicts": conflicts, "laptops": laptops, "audit": audit]

    static let conflicts = """
        <h1>{{t.conflicts}}</h1>
        {{^isAdmin}}<p class="note">{{t.viewerNote}}</p>{{/isAdmin}}
        {{^conflicts}}<p>{{t.noConflicts}}</p>{{/conflicts}}
        {{#conflicts}}
        <section class="conflict">
          <h2>{{subject}} · {{column}}</h2>
          <div class="pair">
            {{#versions}}
            <div class="card"><h3>{{label}}</h3>
              <dl class="fields">{{#fields}}<dt>{{name}}</dt><dd class="value">{{value}}</dd>{{/fields}}</dl>
              <p class="note">{{t.author}}: {{author}}<br>{{t.written}}: {{written}}</p>
              {{#canKeep}}
              <form method="post" action="/conflicts/{{conflictID}}/keep">
                <input type="hidden" name="csrf" value="{{csrf}}"><input type="hidden" name="side" value="{{side}}">
                <button type="submit">{{t.keep}}</button>
              </form>
              {{/canKeep}}
            </div>
            {{/versions}}
          </div>
        </section>
        {{/conflicts}}
        """

    static let laptops = """
        <h1>{{t.laptops}}</h1>
        {{#issuedToken}}<div class="alert ok"><p>{{t.shownOnce}}</p><code class="token">{{issuedToken}}</code></div>{{/issuedToken}}
        <div class="scroll"><table>
          <thead><tr><th>{{t.laptop}}</th><th>ID</th><th>{{t.token}}</th><th>{{t.lastSync}}</th>
            <th>{{t.lastChange}}</th><th>{{t.app}}</th><th>{{t.schema}}</th><th class="num">{{t.unsynced}}</th>
            <th class="num">{{t.changesHeld}}</th><th class="num">{{t.quarantined}}</th></tr></thead>
          <tbody>
          {{#laptops}}<tr{{#stale}} class="flag"{{/stale}}><td>{{name}}</td><td><code>{{id}}</code></td><td>{{token}}</td>
            <td>{{lastSync}}{{#clock}}<br><span class="note">{{t.clock}} {{clock}}</span>{{/clock}}</td><td>{{lastChange}}</td>
            <td class="app">{{app}}</td><td>{{schema}}</td><td class="num">{{unsynced}}</td><td class="num">{{held}}</td>
            <td class="num">{{quarantined}}</td></tr>{{/laptops}}
          </tbody>
        </table></div>
        <p class="note">{{t.laptopsNote}}</p>
        {{#isAdmin}}{{#quarantineTotal}}
        <form method="post" action="/quarantine/release"><input type="hidden" name="csrf" value="{{csrf}}">
          <button type="submit">{{t.release}} ({{quarantineTotal}})</button></form>
        {{/quarantineTotal}}{{/isAdmin}}
        <h2>{{t.tokens}}</h2>
        <div class="scroll"><table>
          <thead><tr><th>{{t.name}}</th><th>{{t.scope}}</th><th>{{t.issued}}</th><th>{{t.revoked}}</th><th></th></tr></thead>
          <tbody>
          {{#tokens}}<tr><td>{{name}}</td><td>{{scope}}</td><td>{{issued}}</td><td>{{revoked}}</td><td>
            {{#canRevoke}}<form method="post" action="/tokens/revoke" class="inline">
              <input type="hidden" name="csrf" value="{{csrf}}"><input type="hidden" name="name" value="{{name}}">
              <button type="submit" class="quiet">{{t.revoke}}</button></form>{{/canRevoke}}</td></tr>{{/tokens}}
          </tbody>
        </table></div>
        {{#isAdmin}}
        <h2>{{t.issue}}</h2>
        <form method="post" action="/tokens"><input type="hidden" name="csrf" value="{{csrf}}">
          <label>{{t.name}} <input name="name" required maxlength="100"></label>
          <label>{{t.scope}} <select name="cohort"><option value="all">{{t.allCohorts}}</option>
            {{#cohorts}}<option value="{{id}}">{{programme}} · {{name}}</option>{{/cohorts}}</select></label>
          <button type="submit">{{t.issue}}</button>
        </form>
        {{/isAdmin}}
        """

    static let audit = """
        <h1>{{t.audit}}</h1>
        <div class="scroll"><table>
          <thead><tr><th>{{t.time}}</th><th>{{t.user}}</th><th>{{t.action}}</th><th>{{t.detail}}</th></tr></thead>
          <tbody>
          {{#entries}}<tr><td>{{time}}</td><td>{{user}}</td><td>{{action}}</td><td>{{detail}}</td></tr>{{/entries}}
          </tbody>
        </table></div>
        """
}
