import Fieldbook
import FieldbookCore
import FieldbookTestSupport
import Testing

/// How people name rows: full IDs, unique prefixes of the short ID or the canonical
/// form, and natural names (cohort name, participant TRN).
struct IDResolverTests {
    static func office() throws -> (Fieldbook, [Cohort]) {
        let office = try NPQFixture.replica(1, seed: 9)
        let cohorts = try (0..<12).map { index in
            try office.addCohort(programme: "NPQH", name: "Cohort \(index)", starts: nil)
        }
        return (office, cohorts)
    }

    @Test func fullIDShortIDAndCanonicalPrefixAllNameTheRow() throws {
        let (office, cohorts) = try Self.office()
        let cohort = cohorts[3]
        #expect(try office.cohort(cohort.id.description).id == cohort.id)
        #expect(try office.cohort(cohort.id.rawValue.hex).id == cohort.id)
        #expect(try office.cohort(cohort.id.short).id == cohort.id)
        #expect(try office.cohort(cohort.id.short.uppercased()).id == cohort.id)
        #expect(try office.cohort("  \(cohort.id.short)  ").id == cohort.id)
        #expect(try office.cohort("cohort 3").id == cohort.id, "names match ignoring case")
    }

    @Test func theShortestUniquePrefixWorksAndShorterOnesAreAmbiguous() throws {
        let (office, cohorts) = try Self.office()
        for cohort in cohorts {
            let others = cohorts.filter { $0.id != cohort.id }.map(\.id.tail)
            let length = (1...12).first { length in
                !others.contains { $0.hasPrefix(cohort.id.tail.prefix(length)) }
            }!
            #expect(try office.cohort(String(cohort.id.tail.prefix(length))).id == cohort.id)
            if length > 1 {
                let error = #expect(throws: FieldbookError.self) {
                    try office.cohort(String(cohort.id.tail.prefix(length - 1)))
                }
                #expect(error?.code == .ambiguous)
            }
        }
    }

    @Test(arguments: ["zz", "Cohort 99", "0000000000000000000000000000000000"])
    func unknownReferencesAreNotFound(reference: String) throws {
        let (office, _) = try Self.office()
        let error = #expect(throws: FieldbookError.self) { try office.cohort(reference) }
        #expect(error?.code == .notFound)
        #expect(error?.message.contains("fieldbook cohort list") == true)
    }

    @Test func emptyReferenceIsInvalid() throws {
        let (office, _) = try Self.office()
        let error = #expect(throws: FieldbookError.self) { try office.cohort("  ") }
        #expect(error?.code == .invalidInput)
    }

    @Test func twoCohortsWithOneNameAreAmbiguousByName() throws {
        let office = try NPQFixture.replica(1)
        _ = try office.addCohort(programme: "NPQH", name: "Spring 2024", starts: nil)
        _ = try office.addCohort(programme: "NPQSL", name: "spring 2024", starts: nil)
        let error = #expect(throws: FieldbookError.self) { try office.cohort("Spring 2024") }
        #expect(error?.code == .ambiguous)
    }

    @Test func participantsAreNamedByTRNAndDeletedNotesByNothing() throws {
        let office = try NPQFixture.replica(1)
        let roster = try NPQFixture.roster(on: office, cohorts: 1, participants: 2, events: 1)
        let trn = try #require(roster.participants[1].trn)
        let line = try office.attend(
            event: roster.events[0].id.short, participant: trn, status: "present", remark: nil)
        #expect(line.participant.id == roster.participants[1].id)

        let note = try office.addNote("x", participant: trn)
        _ = try office.deleteNote(note.id.short)
        let error = #expect(throws: FieldbookError.self) { try office.editNote(note.id.description, text: "y") }
        #expect(error?.code == .notFound, "a deleted note cannot be edited")
    }
}
