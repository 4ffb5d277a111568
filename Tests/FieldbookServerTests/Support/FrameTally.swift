import FieldbookCore
import FieldbookProtocol

/// What one attempt's bytes held, read frame by frame: the answer's whole frames (and where
/// the last one ended), the push's frames, and every change the client received, so the
/// transports that record attempts count cuts, waste and duplicates the same way.
struct FrameTally {
    /// Bytes of the answer that arrived as whole frames.
    var wholeAnswerBytes = 0
    /// The largest frame either way, header included.
    var largestFrame = 0
    /// Change frames of the answer.
    var answerFrames = 0
    /// Changes of the answer's frames.
    var answerChanges = 0
    /// Duplicates the head reported for the push.
    var duplicatesReported = 0
    /// Change frames of the push.
    var pushedFrames = 0
    /// The most changes one pushed frame carried.
    var largestPushFrameChanges = 0

    /// Reads one attempt; changes already in `received` count in `receivedTwice`.
    init(request: [UInt8], answer: [UInt8], received: inout Set<[UInt8]>, receivedTwice: inout Int) {
        var down = FrameReader()
        down.append(answer)
        while let message = try? down.next() {
            let size = down.bytesRead - down.pendingBytes - wholeAnswerBytes
            wholeAnswerBytes += size
            largestFrame = max(largestFrame, size)
            switch message {
            case .roundHead(let head): duplicatesReported += Int(head.accepted.duplicates)
            case .changes(let batch):
                answerFrames += 1
                answerChanges += batch.changes.count
                for change in batch.changes where !received.insert(Self.key(change)).inserted { receivedTwice += 1 }
            default: break
            }
        }
        var up = FrameReader()
        up.append(request)
        var sent = 0
        while let message = try? up.next() {
            let size = up.bytesRead - up.pendingBytes - sent
            sent += size
            largestFrame = max(largestFrame, size)
            if case .changes(let batch) = message {
                pushedFrames += 1
                largestPushFrameChanges = max(largestPushFrameChanges, batch.changes.count)
            }
        }
    }

    /// A change's place: its stream and sequence.
    static func key(_ change: Change) -> [UInt8] {
        change.stream.partition.rawValue.bytes + change.origin.rawValue.bytes
            + (0..<8).map { UInt8(truncatingIfNeeded: change.sequence >> (8 * $0)) }
    }
}
