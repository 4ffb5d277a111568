import Fieldbook
import FieldbookCore
import FieldbookStore
import FieldbookTestSupport
import Foundation
import Testing

#if canImport(Glibc)
    import Glibc
#endif

/// A laptop's battery dies, or the tool is killed, in the middle of a large import:
/// the replica must stay intact and hold all of the import or none of it.
struct CrashTests {
    static let rows = 2_000

    static func csv() -> String {
        "name,trn,school,city,email\n"
            + (0..<rows).map { "Teacher \($0),\(3_000_000 + $0),School \($0 % 50),Shanghai,t\($0)@school.cn\n" }
            .joined()
    }

    @Test(arguments: Seeds.list(default: 2))
    func killedImportIsAllOrNothing(seed: UInt64) throws {
        var random = SeededRandom(seed: seed)
        let cli = try CLIRunner()
        let csv = try cli.directory.write(Self.csv(), to: "roster.csv")

        // Time one whole import on this machine, now, so kills can be aimed at the
        // last stretch where the transaction commits.
        let calibration = try PreparedReplica.make(at: cli.directory.path("calibration.sqlite"))
        let started = Date()
        let full = try cli.run(
            ["participant", "import", "--cohort", calibration.cohorts[0].name, csv],
            db: cli.directory.path("calibration.sqlite"))
        let duration = Date().timeIntervalSince(started)
        #expect(full.exitCode == 0, "\(full)")

        let prepared = try PreparedReplica.make(at: cli.db)
        let before = prepared.participants.count
        let process = Process()
        process.executableURL = cli.executable
        process.arguments = ["participant", "import", "--cohort", prepared.cohorts[0].name, csv]
        process.environment = cli.environment
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        let delay = duration * Double.random(in: 0.2...1.1, using: &random)
        try process.run()
        Thread.sleep(forTimeInterval: delay)
        let killed = process.isRunning
        kill(process.processIdentifier, SIGKILL)
        process.waitUntilExit()

        let context = "seed \(seed): killed after \(delay)s of a \(duration)s import"
        #expect(try integrityCheck(ofFile: cli.db) == ["ok"], "\(context)")
        let store = try ReplicaStore.open(at: cli.db, schema: NPQSchema.current)
        let fieldbook = Fieldbook(store: store)
        let imported = try fieldbook.participants().count - before
        #expect(imported == 0 || imported == Self.rows, "\(context): \(imported) of \(Self.rows) imported")
        if !killed {
            #expect(imported == Self.rows, "\(context): it finished, so everything is there")
        }
        // The log and the vectors agree with the tables: no half-written transaction.
        let knowledge = try store.knowledge()
        let own = try store.changes(for: Knowledge(), byteBudget: .max).batch.changes.filter {
            $0.origin == store.replicaID
        }
        let held = knowledge.streams.filter { $0.origin == store.replicaID }.map { knowledge[$0] }.reduce(0, +)
        #expect(UInt64(own.count) == held, "\(context)")
        // And the replica keeps working.
        _ = try fieldbook.addParticipant(cohort: prepared.cohorts[0].name, .init(name: "After the crash"))
        #expect(try fieldbook.participants().count == before + imported + 1)
    }
}
