import ArgumentParser
import Fieldbook
import FieldbookCommandLine
import FieldbookCore
import FieldbookProtocol
import Foundation

struct BundleCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bundle",
        abstract: "Carry changes between replicas with no server: a file on a USB stick or sent over a chat app.",
        subcommands: [Export.self, Import.self, Vector.self])

    struct Export: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract:
                "Write the changes a peer lacks (all, without --for) to a file of small compressed, checksummed frames.",
            discussion: """
                Examples:
                  fieldbook bundle export changes.fbk
                  fieldbook bundle export for-chen.fbk --for chen.vec
                """)
        @OptionGroup var global: GlobalOptions
        @Argument(help: "The bundle file to write.") var file: String
        @Option(help: "The peer's vector file (from `fieldbook bundle vector`): only what it lacks.")
        var `for`: String?
        @Option(
            help: ArgumentHelp(
                "Approximate bytes of changes per frame: what a file cut short can lose at most.",
                valueName: "bytes"))
        var frameBytes = Fieldbook.bundleFrameBytes

        func validate() throws {
            if frameBytes < 256 { throw ValidationError("--frame-bytes must be at least 256 bytes") }
        }

        func run() throws {
            try CLI.run {
                let fieldbook = try global.open()
                let peer = try self.for.map { try Fieldbook.readKnowledgeFile(Array(try CLI.readData($0))) }
                let (bytes, count, frames) = try fieldbook.exportBundle(for: peer, frameBytes: frameBytes)
                try CLI.writeAtomically(bytes, to: file)
                struct Output: Encodable {
                    var file: String
                    var changes: Int
                    var frames: Int
                    var bytes: Int
                }
                try CLI.output(
                    Output(file: file, changes: count, frames: frames, bytes: bytes.count), json: global.json
                ) {
                    "Wrote \(count) changes in \(frames) frames (\(bytes.count) bytes) to \(file)"
                }
            }
        }
    }

    struct Import: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract:
                "Merge a bundle frame by frame (importing it twice is harmless; a file cut short keeps its whole frames).",
            discussion: "Example: fieldbook bundle import for-chen.fbk")
        @OptionGroup var global: GlobalOptions
        @Argument(help: "The bundle file.") var file: String

        func run() throws {
            try CLI.run {
                let result = try global.open().importBundle(Array(try CLI.readData(file)))
                try CLI.output(result, json: global.json) {
                    "Imported \(result.frames) frames from \(result.author.short): \(result.received) new changes, \(result.duplicates) already held, \(result.conflicts) conflicts, \(result.quarantined) quarantined"
                }
            }
        }
    }

    struct Vector: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Write what this replica holds to a file, so a peer can bundle just what it lacks.",
            discussion: "Example: fieldbook bundle vector chen.vec")
        @OptionGroup var global: GlobalOptions
        @Argument(help: "The vector file to write.") var file: String

        func run() throws {
            try CLI.run {
                try CLI.writeAtomically(try global.open().knowledgeFile(), to: file)
                if !global.json { print("Wrote this replica's vector to \(file)") }
            }
        }
    }
}
