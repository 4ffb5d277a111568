import FieldbookCommandLine

/// The `fieldbook` tool's terminal: every command prints and fails through it.
let CLI = Terminal(tool: "fieldbook")
