// libFuzzer target: bundle import (`Fieldbook.importBundle`) on a replica in memory.
//
// Any file must import or be refused with a `FieldbookError`; a refused single envelope
// (format version 1) leaves the replica as it was (a framed bundle keeps the whole frames
// before its damage: Fuzz/Targets/bundle-frames.swift checks those); a bundle that imports
// must import again as a no-op (idempotence: nothing applied the second time). The replica is made again after every successful import, so each
// input meets the same fresh replica and a crash replays from its input alone.
import Fieldbook
import FieldbookCore
import FieldbookProtocol

nonisolated(unsafe) var replica: Fieldbook?

func freshReplica() -> Fieldbook {
    if let replica { return replica }
    let made = try! Fieldbook.create(at: ":memory:", name: "fuzz", replicaID: ReplicaID(Bytes16(high: 1, low: 2)))
    replica = made
    return made
}

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzBundleImport(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let bytes = FuzzInput.envelope(data, size, kind: 4)
    let fieldbook = freshReplica()
    let before = try! fieldbook.store.knowledge()
    do {
        let first = try fieldbook.importBundle(bytes)
        replica = nil
        let second = try fieldbook.importBundle(bytes)
        guard second.received == second.quarantined else {
            fatalError("importing a bundle twice applied changes twice: \(first) then \(second)")
        }
    } catch let error as FieldbookError {
        // A framed bundle may have merged frames before its damage: start the next input afresh.
        defer { if bytes.count > 4, bytes[4] != 1 { replica = nil } }
        let singleEnvelope = bytes.count > 4 && bytes[4] == 1
        guard replica == nil || !singleEnvelope || (try? fieldbook.store.knowledge()) == before else {
            fatalError("a refused bundle (\(error.message)) changed the replica")
        }
    } catch {
        fatalError("importBundle threw something other than a FieldbookError: \(error)")
    }
    return 0
}
