import FieldbookCore
import FieldbookStore
import Foundation
import GRDB

extension Fieldbook {
    /// The sign-in sheet of an event: the session and its cohort's participants, in the
    /// order names are read out (see ``rollCall(event:)``).
    ///
    /// - Parameter reference: the event (ID prefix or title).
    /// - Throws: `notFound` or `ambiguous` for a reference that names no single event.
    public func signInSheet(event reference: String) throws -> SignInSheet {
        let (event, lines) = try rollCall(event: reference)
        let cohort = try self.cohort(event.cohortID.description)
        let venue = try event.venueID.flatMap { id in try venues().first { $0.id == id } }
        return SignInSheet(
            event: event, cohort: cohort, programmeTitle: Programme.named(cohort.programme)?.title ?? cohort.programme,
            venue: venue, starts: LocalTime.start(of: event, in: try displayZone()),
            lines: lines.map { SignInSheet.Line(participant: $0.participant, pinyin: Self.pinyin($0.participant.name)) }
        )
    }

    /// An event's register in the order names are read out at a roll call: by name as it
    /// is said, a Chinese name by its pinyin, so a mixed roster is one alphabetical list
    /// (Chen Jie, Li Wei, 李伟, 王芳) and the sheet and the roll call agree.
    public func rollCall(event reference: String) throws -> (event: Event, lines: [RegisterLine]) {
        let (event, lines) = try register(event: reference)
        let keyed = lines.map {
            (key: NameMatching.pinyin($0.participant.name) ?? NameMatching.folded($0.participant.name), line: $0)
        }
        let sorted = keyed.sorted {
            ($0.key, $0.line.participant.name, $0.line.participant.id)
                < ($1.key, $1.line.participant.name, $1.line.participant.id)
        }
        return (event, sorted.map(\.line))
    }

    /// The pinyin of a name written in Chinese characters, with tone marks (`lǐ wěi`).
    static func pinyin(_ name: String) -> String? {
        guard name.unicodeScalars.contains(where: NameMatching.isHan) else { return nil }
        return name.applyingTransform(.mandarinToLatin, reverse: false)
    }
}
