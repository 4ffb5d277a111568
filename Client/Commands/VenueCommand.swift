import ArgumentParser
import Fieldbook
import FieldbookCommandLine
import FieldbookCore
import Foundation

struct VenueCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "venue", abstract: "Add, list, correct and delete host schools.",
        subcommands: [Add.self, List.self, Edit.self, Delete.self])

    struct Add: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Add a host school.",
            discussion: "Example: fieldbook venue add --city Shanghai --school \"Shanghai Pudong Bilingual School\"")
        @OptionGroup var global: GlobalOptions
        @Option(help: "City, e.g. Shenzhen.") var city: String
        @Option(help: "The host school's name.") var school: String

        func run() throws {
            try CLI.run {
                let venue = try global.open().addVenue(city: city, school: school)
                try CLI.output(venue, json: global.json) {
                    "Added venue \(venue.id.short)  \(venue.school), \(venue.city)"
                }
            }
        }
    }

    struct List: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "List host schools.", discussion: "Example: fieldbook venue list --json")
        @OptionGroup var global: GlobalOptions

        func run() throws {
            try CLI.run {
                let venues = try global.open().venues()
                try CLI.output(venues, json: global.json) {
                    CLI.table(["ID", "CITY", "SCHOOL"], venues.map { [$0.id.short, $0.city, $0.school] })
                }
            }
        }
    }

    struct Edit: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Correct a host school's name or city.",
            discussion: "Example: fieldbook venue edit 2b9c --school \"Shenzhen Bay School (East Campus)\"")
        @OptionGroup var global: GlobalOptions
        @Argument(help: "The venue (ID prefix or school name).") var venue: String
        @Option(help: "The new city.") var city: String?
        @Option(help: "The new school name.") var school: String?

        func run() throws {
            try CLI.run {
                let venue = try global.open().editVenue(venue, city: city, school: school)
                try CLI.output(venue, json: global.json) {
                    "Edited venue \(venue.id.short)  \(venue.school), \(venue.city)"
                }
            }
        }
    }

    struct Delete: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Delete a host school that no event takes place at.",
            discussion: "Example: fieldbook venue delete 2b9c")
        @OptionGroup var global: GlobalOptions
        @Argument(help: "The venue (ID prefix or school name).") var venue: String

        func run() throws {
            try CLI.run {
                let deletion = try global.open().deleteVenue(venue)
                try CLI.output(deletion, json: global.json) { deletion.summary }
            }
        }
    }
}
