import Fieldbook
import FieldbookCore
import Foundation

/// Random roster, attendance and note work on one replica, as a facilitator or the
/// office would do it through the `Fieldbook` facade: adds, edits, deletes, imports and
/// conflict resolutions. Few events and participants per cohort, so replicas often
/// write the same cells and the merge has conflicts to find.
enum Workload {
    static let names = [
        "Li Wei", "Wang Fang", "Zhang Min", "Liu Yang", "Chen Jing", "Yang Li", "Zhao Lei", "Huang Xin", "Zhou Jie",
        "Wu Hao", "李伟", "王芳", "张敏", "Amelia Hart", "Tom O'Neill", "Grace \"Gigi\" Lam", "Ng, Kit",
    ]
    static let cities = ["Shanghai", "Shenzhen", "Chengdu", "Yantai", "Wuhan"]
    static let schools = ["SPBS", "Shenzhen College", "Chengdu No. 7", "Yantai Huasheng", "Wuhan Britain-China"]
    static let remarks = ["arrived 09:05", "left early", "camera off", "", "家里有事", "sick note, seen"]
    static let noteTexts = [
        "Good discussion of improvement plans", "Needs follow-up on module 2 reading", "Strong contribution",
        "Missed the pre-reading", "讨论很好", "Asked about the final assessment, see email", "Line one\nline two",
    ]

    /// Does one random piece of work and says what, in a few words.
    ///
    /// - Throws: the facade's `FieldbookError` when the work is refused (a stale view, a
    ///   duplicate TRN): the caller checks that a refusal wrote nothing.
    ///
    /// - Parameter within: a facilitator's cohort: the work is in that cohort (once the
    ///   laptop holds it), except for the venues and cohorts anyone may add, which stay on
    ///   the laptop.
    static func perform(on fieldbook: Fieldbook, within: PartitionID? = nil, random: inout SeededRandom) throws
        -> String
    {
        let cohorts = try fieldbook.cohorts().filter { within == nil || $0.partition == within }
        let roll = Int.random(in: 0..<100, using: &random)
        guard let cohort = cohorts.randomElement(using: &random), roll >= 2 else {
            if within != nil && roll >= 2 { return "idle: the cohort has not arrived yet" }
            let programme = Programme.all.randomElement(using: &random)!.code
            let name = "\(cities.randomElement(using: &random)!) \(Int.random(in: 1...99, using: &random))"
            let cohort = try fieldbook.addCohort(
                programme: programme, name: name, starts: "2024-0\(Int.random(in: 1...9, using: &random))-15")
            return "cohort add \(cohort.id.short)"
        }
        let events = try fieldbook.events(cohort: cohort.id.description)
        let participants = try fieldbook.participants(cohort: cohort.id.description)
        switch roll {
        case 2..<4:
            let venue = try fieldbook.addVenue(
                city: cities.randomElement(using: &random)!, school: schools.randomElement(using: &random)!)
            return "venue add \(venue.id.short)"
        case 4..<12 where participants.count < 8:
            let participant = try fieldbook.addParticipant(cohort: cohort.id.description, participantInput(&random))
            return "participant add \(participant.id.short)"
        case 12..<15 where participants.count < 8:
            let csv = participantsCSV(count: Int.random(in: 1...3, using: &random), random: &random)
            let added = try fieldbook.importParticipants(cohort: cohort.id.description, csv: csv)
            return "participant import \(added.count)"
        case 15..<20 where events.count < 5:
            let kind = EventKind.allCases.randomElement(using: &random)!
            let venue = kind == .faceToFace ? try fieldbook.venues().randomElement(using: &random)?.id.description : nil
            let event = try fieldbook.addEvent(
                cohort: cohort.id.description,
                .init(
                    kind: kind.rawValue, title: "Module \(Int.random(in: 1...6, using: &random))",
                    starts: "2024-03-\(10 + Int.random(in: 0...18, using: &random))T09:00",
                    venue: venue, module: Int.random(in: 1...6, using: &random)))
            return "event add \(event.id.short)"
        case 20..<60 where !events.isEmpty && !participants.isEmpty:
            let event = events.randomElement(using: &random)!
            let participant = participants.randomElement(using: &random)!
            let status = AttendanceStatus.allCases.randomElement(using: &random)!.rawValue
            let remark = Bool.random(using: &random) ? remarks.randomElement(using: &random) : nil
            try fieldbook.attend(
                event: event.id.description, participant: participant.id.description, status: status, remark: remark)
            return "attend \(event.id.short) \(participant.id.short) \(status)"
        case 60..<75:
            let about = Int.random(in: 0..<3, using: &random)
            let note = try fieldbook.addNote(
                noteTexts.randomElement(using: &random)!,
                event: about == 0 ? events.randomElement(using: &random)?.id.description : nil,
                participant: about == 1 ? participants.randomElement(using: &random)?.id.description : nil,
                cohort: cohort.id.description)
            return "note add \(note.id.short)"
        case 75..<88:
            guard let note = try fieldbook.notes(cohort: cohort.id.description).randomElement(using: &random) else {
                return "note edit: none"
            }
            let text = noteTexts.randomElement(using: &random)! + " (edited \(Int.random(in: 1...9, using: &random)))"
            _ = try fieldbook.editNote(note.id.description, text: text)
            return "note edit \(note.id.short)"
        case 88..<93:
            guard let note = try fieldbook.notes(cohort: cohort.id.description).randomElement(using: &random) else {
                return "note delete: none"
            }
            _ = try fieldbook.deleteNote(note.id.description)
            return "note delete \(note.id.short)"
        case 93..<97:
            guard let conflict = try fieldbook.conflicts().randomElement(using: &random) else {
                return "conflicts resolve: none"
            }
            let keep = Bool.random(using: &random) ? "winner" : "loser"
            _ = try fieldbook.resolveConflict(conflict.id.description, keep: keep)
            return "conflicts resolve \(conflict.id.short) --keep \(keep)"
        default:
            guard !events.isEmpty, !participants.isEmpty else { return "idle" }
            // The same mark again, or a remark only: writes that change nothing or one cell.
            let event = events[0]
            let participant = participants[0]
            try fieldbook.attend(
                event: event.id.description, participant: participant.id.description, status: "present",
                remark: remarks.randomElement(using: &random))
            return "attend first \(event.id.short) \(participant.id.short)"
        }
    }

    static func participantInput(_ random: inout SeededRandom) -> Fieldbook.ParticipantInput {
        let name = names.randomElement(using: &random)!
        return .init(
            name: name, trn: Bool.random(using: &random) ? trn(&random) : nil,
            school: schools.randomElement(using: &random), city: cities.randomElement(using: &random),
            email: Bool.random(using: &random) ? "p\(Int.random(in: 1...999, using: &random))@school.cn" : nil)
    }

    static func trn(_ random: inout SeededRandom) -> String {
        String(Int.random(in: 1_000_000...9_999_999, using: &random))
    }

    /// A small roster CSV in the documented format, with quoting where names need it.
    static func participantsCSV(count: Int, random: inout SeededRandom) -> String {
        var lines = ["name,trn,school,city,email"]
        for _ in 0..<count {
            let input = participantInput(&random)
            let fields = [input.name, input.trn ?? "", input.school ?? "", input.city ?? "", input.email ?? ""]
            lines.append(fields.map(quoted).joined(separator: ","))
        }
        return lines.joined(separator: Bool.random(using: &random) ? "\r\n" : "\n") + "\n"
    }

    static func quoted(_ field: String) -> String {
        guard field.contains(where: { $0 == "," || $0 == "\"" || $0 == "\n" }) else { return field }
        return "\"" + field.replacingOccurrences(of: "\"", with: "\"\"") + "\""
    }
}
