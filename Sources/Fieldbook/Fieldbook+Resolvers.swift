import FieldbookCore

extension Fieldbook {
    /// The programme code and name, as listings print a cohort: "NPQH Spring 2024".
    static let cohortFullName = "(SELECT code FROM programmes WHERE id = t.programme_id) || ' ' || t.name"

    /// A cohort: ID prefix, its name if unique, or the name as printed ("NPQH Spring 2024").
    static let cohortResolver = IDResolver(
        table: NPQSchema.Table.cohorts, noun: "cohort", listCommand: "cohort list",
        nameColumns: ["t.name", cohortFullName], label: cohortFullName)

    /// A host school: ID prefix or the school's name.
    static let venueResolver = IDResolver(
        table: NPQSchema.Table.venues, noun: "venue", listCommand: "venue list", nameColumns: ["t.school"],
        label: "t.school || ', ' || t.city")

    /// A participant: ID prefix, TRN, or name (Chinese characters, or their pinyin).
    static let participantResolver = IDResolver(
        table: NPQSchema.Table.participants, noun: "participant", listCommand: "participant list",
        nameColumns: ["t.trn", "t.name"], label: "t.name || coalesce(' (TRN ' || t.trn || ')', '')",
        matchesPinyin: true)

    /// An event: ID prefix or its title if unique.
    static let eventResolver = IDResolver(
        table: NPQSchema.Table.events, noun: "event", listCommand: "event list", nameColumns: ["t.title"],
        label: "'\"' || t.title || '\" ' || t.starts")

    /// A note: ID prefix.
    static let noteResolver = IDResolver(table: NPQSchema.Table.notes, noun: "note", listCommand: "note list")
}
