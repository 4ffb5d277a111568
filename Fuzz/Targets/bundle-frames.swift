// libFuzzer target: framed bundle import (`Fieldbook.importBundle` of a stream of frames)
// on replicas in memory.
//
// Any file must import or be refused with a `FieldbookError`. Importing it again must
// apply nothing twice and end the same way. And a file imported cut short, then whole,
// must leave the replica holding exactly what importing it whole once does: the frames
// before a cut are kept, and the next import finishes the job.
import Fieldbook
import FieldbookCore
import FieldbookProtocol

func freshBundleReplica() -> Fieldbook {
    try! Fieldbook.create(at: ":memory:", name: "fuzz", replicaID: ReplicaID(Bytes16(high: 1, low: 2)))
}

/// What an import did: its result or the code it was refused with.
func outcome(_ fieldbook: Fieldbook, _ bytes: [UInt8]) -> (result: Fieldbook.BundleImport?, code: FieldbookError.Code?)
{
    do {
        return (try fieldbook.importBundle(bytes), nil)
    } catch let error as FieldbookError {
        return (nil, error.code)
    } catch {
        fatalError("importBundle threw something other than a FieldbookError: \(error)")
    }
}

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzBundleFrames(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let bytes = FuzzInput.frames(data, size)
    let whole = freshBundleReplica()
    let first = outcome(whole, bytes)
    let second = outcome(whole, bytes)
    guard first.code == second.code else {
        fatalError(
            "importing a bundle twice ended differently: \(String(describing: first.code)) then \(String(describing: second.code))"
        )
    }
    if let again = second.result, again.received != again.quarantined {
        fatalError("importing a bundle twice applied changes twice: \(again)")
    }
    guard bytes.count > 1 else { return 0 }
    // Cut at a point the input picks, import the part, then the whole file.
    let cut = Int(FuzzCRC.checksum(bytes) % UInt32(bytes.count))
    let resumed = freshBundleReplica()
    _ = outcome(resumed, Array(bytes.prefix(cut)))
    _ = outcome(resumed, bytes)
    guard (try? resumed.store.knowledge()) == (try? whole.store.knowledge()) else {
        fatalError("a bundle imported cut short at byte \(cut), then whole, holds other changes than imported whole")
    }
    return 0
}
