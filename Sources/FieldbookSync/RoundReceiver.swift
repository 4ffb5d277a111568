import Fieldbook
import FieldbookCore
import FieldbookProtocol
import FieldbookStore
import Foundation
import Synchronization

/// Takes one round's answer as it arrives: checks what answered, cuts the body into
/// frames and merges the change frames as they come whole.
///
/// Frames that arrive close together are merged together, in one transaction: whole frames
/// are held until they reach ``groupBytes`` or ``groupChanges``, or until more bytes
/// arrive after the oldest has waited ``groupDelay``; whatever ends the answer (its end,
/// an error frame, a cut, a stall) merges what is held (``finish()``). On a slow link each
/// frame is merged on its own as the next bytes arrive; on a fast one a transaction
/// carries many, and the sync is not bound by a commit per 16 KB frame (a cold sync of 1M
/// changes took twice as long that way). A cut still loses only the frame in flight; a
/// process killed while the link stalls also loses the frames held (at most what came in
/// the last `groupDelay`).
///
/// It runs inside the transport's `post` (a child task when a watchdog watches the
/// link); the driver reads its results only once that task has ended.
final class RoundReceiver: @unchecked Sendable {
    // @unchecked: the fields below are touched by one task at a time: the task running
    // `post` while it runs, then the driver after it has ended. Only `activity` is read
    // by the watchdog meanwhile, and it has its own lock.

    /// The HTTP status, once the head arrived.
    private(set) var status: Int?
    private var contentType: String?
    private var location: String?
    /// The body of an answer that is not a frame stream (an error, a foreign page), up to 64 KB.
    private var other: [UInt8] = []
    private var reader = FrameReader()
    private(set) var head: RoundHead?
    private(set) var end: RoundEnd?
    /// An error frame after the head: the server failed in the middle of its answer.
    private(set) var refusal: FieldbookError?
    /// A failure of this replica (its store, or a frame its merge refused): never retried.
    private(set) var localFailure: (any Error)?
    private(set) var framesMerged = 0
    private(set) var changesMerged = 0
    private(set) var received = 0
    private(set) var conflicts = 0
    private(set) var changesInFrames = 0
    /// Whole change frames not merged yet, and when the oldest of them came whole.
    private var held: [ChangeBatch] = []
    private var heldBytes = 0
    private var heldChanges = 0
    private var heldSince: ContinuousClock.Instant?

    /// How many bytes of frames one transaction takes at most.
    static let groupBytes = 256 << 10
    /// How many changes one transaction takes at most: about what 256 KB carried before
    /// frames sent one stream at a time and compressed twice as well. Without it a cold
    /// sync of 1M changes peaked at 87–88 MiB (P7), with it 57–61 MiB, as before, for
    /// 23–24 s instead of 20–22 s (P5, same session).
    static let groupChanges = 25_000
    /// How long a whole frame waits for others to merge with, when bytes keep coming.
    static let groupDelay: Duration = .milliseconds(200)

    private let store: ReplicaStore
    private let onHead: (RoundHead) throws -> Void
    private let onFrame: (RoundReceiver) -> Void
    /// When the last byte and the last whole frame arrived, for the watchdog.
    let activity: Mutex<(byte: ContinuousClock.Instant, frame: ContinuousClock.Instant)>

    init(
        store: ReplicaStore, onHead: @escaping (RoundHead) throws -> Void, onFrame: @escaping (RoundReceiver) -> Void
    ) {
        self.store = store
        self.onHead = onHead
        self.onFrame = onFrame
        activity = Mutex((.now, .now))
    }

    /// Bytes of the body received.
    var bytes: Int { reader.bytesRead + other.count }

    /// Whether the answer is a frame stream (200 with Fieldbook frames).
    private var framed: Bool { status == 200 && reader.bytesRead > 0 }

    /// Takes one part of the answer.
    func take(_ part: SyncReplyPart) async throws {
        switch part {
        case .head(let status, let contentType, let location):
            self.status = status
            self.contentType = contentType
            self.location = location
        case .bytes(let chunk):
            activity.withLock { $0.byte = .now }
            guard status == 200, other.isEmpty, isFieldbook(chunk) else {
                if other.count < 64 << 10 { other += chunk.prefix((64 << 10) - other.count) }
                return
            }
            // Frames that waited this long for company came over a slow link: merge them
            // before reading on.
            if let heldSince, .now - heldSince >= Self.groupDelay { try mergeHeld() }
            reader.append(chunk)
            // A damaged frame throws like a cut (retried); a failure of the merge is local.
            var before = reader.bytesRead - reader.pendingBytes
            while let message = try reader.next() {
                let consumed = reader.bytesRead - reader.pendingBytes
                try take(message, bytes: consumed - before)
                before = consumed
                activity.withLock { $0.frame = .now }
            }
            if heldBytes >= Self.groupBytes || heldChanges >= Self.groupChanges { try mergeHeld() }
        }
    }

    /// Merges the frames still held: call once the transport is done, however it ended.
    ///
    /// - Throws: the merge's failure (also kept as ``localFailure``).
    func finish() throws {
        guard localFailure == nil else { return }
        try mergeHeld()
    }

    /// Whether a first chunk starts like a Fieldbook envelope (or is too short to tell).
    private func isFieldbook(_ chunk: [UInt8]) -> Bool {
        guard reader.bytesRead == 0 else { return true }
        return chunk.isEmpty || chunk.first == 0x89
    }

    private func take(_ message: Message, bytes: Int) throws {
        switch (head, message) {
        case (nil, .roundHead(let first)):
            head = first
            try local { try onHead(first) }
        case (nil, .error(let error)):
            refusal = error.error
        case (.some, .changes(let batch)):
            held.append(batch)
            heldBytes += bytes
            heldChanges += batch.changes.count
            if heldSince == nil { heldSince = .now }
        case (.some, .roundEnd(let last)):
            try mergeHeld()
            end = last
        case (.some, .error(let error)):
            try mergeHeld()
            refusal = error.error
        default:
            throw FieldbookError(
                .corrupt, "the server sent a \(message.kind) frame out of place; it was damaged on the way")
        }
    }

    /// Merges the frames held, joined into one transaction when they fit together (an
    /// honest server's always do), else one by one; a stream held back in an earlier
    /// frame waits for a later round
    /// (``FieldbookStore/ReplicaStore/mergeFrame(_:from:checksEveryOrigin:recordsConflicts:chains:fromServer:)``).
    ///
    /// A frame with changes of a partition the token does not open is refused whole,
    /// and the frames held before it still merge, as they would have one by one.
    private func mergeHeld() throws {
        guard let server = head?.server, !held.isEmpty else { return }
        var frames = held
        held = []
        heldBytes = 0
        heldChanges = 0
        heldSince = nil
        // The head's scope was checked against the remembered one (it may only narrow it).
        let scope = SyncScope(head?.writablePartitions)
        var refusal: FieldbookError?
        for (index, frame) in frames.enumerated() {
            guard let partition = scope.firstUnreadable(in: frame) else { continue }
            refusal = FieldbookError(
                .scopeDenied,
                "the server sent changes of partition \(partition), which this laptop's token does not open; nothing of that frame was merged. Check that `fieldbook remote` names your office's server"
            )
            frames.removeSubrange(index...)
            break
        }
        if !frames.isEmpty {
            do {
                count(
                    frames[...], try store.mergeFrames(frames, from: server, recordsConflicts: false, fromServer: true))
            } catch let failure as FrameGroupFailure {
                count(frames.prefix(failure.index), failure.merged)
                try local { throw failure.error }
            }
        }
        if let refusal { try local { throw refusal } }
    }

    /// Counts merged frames and reports them.
    private func count(_ frames: ArraySlice<ChangeBatch>, _ report: BatchMerger.Report) {
        guard !frames.isEmpty else { return }
        received += report.received
        conflicts += report.conflicts
        framesMerged += frames.count
        changesInFrames += frames.reduce(0) { $0 + $1.changes.count }
        onFrame(self)
    }

    /// Runs a step of this replica's own work, remembering its failure as local.
    private func local<T>(_ body: () throws -> T) throws -> T {
        do {
            return try body()
        } catch {
            localFailure = error
            throw error
        }
    }

    /// Whether the answer ended whole: a head, frames, and an end that counts them.
    var isComplete: Bool {
        guard let end, head != nil else { return false }
        return end.frames == UInt64(framesMerged) && end.changes == UInt64(changesInFrames)
    }

    /// The server's typed refusal, if the answer was one (not a frame stream).
    var errorAnswer: FieldbookError? {
        if let refusal { return refusal }
        guard let status, status != 200 || !framed, !other.isEmpty,
            case .error(let message)? = try? WireFormat.decode(other)
        else { return nil }
        return message.error
    }

    /// What answered, when it is not Fieldbook: for the one line the user sees.
    var foreignDescription: String? {
        guard let status, errorAnswer == nil, !(status == 200 && framed) else { return nil }
        if (300..<400).contains(status) {
            return "HTTP \(status) redirect to \(Self.printable(location ?? "nowhere"))"
        }
        let type = contentType.map { $0.split(separator: ";").first.map(String.init) ?? $0 } ?? "no content type"
        let text = String(decoding: other.prefix(4096), as: UTF8.self)
        if let title = Self.title(in: text) {
            return "HTTP \(status), a \(type) page titled '\(Self.printable(title))'"
        }
        return "HTTP \(status), \(other.count) bytes of \(type)"
    }

    /// The `<title>` of an HTML page, if any.
    static func title(in html: String) -> String? {
        guard let open = html.range(of: "<title", options: .caseInsensitive),
            let close = html.range(of: ">", range: open.upperBound..<html.endIndex),
            let end = html.range(of: "</title>", options: .caseInsensitive, range: close.upperBound..<html.endIndex)
        else { return nil }
        let title = html[close.upperBound..<end.lowerBound].trimmingCharacters(in: .whitespacesAndNewlines)
        return title.isEmpty ? nil : String(title.prefix(80))
    }

    /// Text from the other end with control characters (terminal escapes) removed, so a
    /// hostile page cannot drive the facilitator's terminal.
    static func printable(_ text: String) -> String {
        String(
            String.UnicodeScalarView(
                text.unicodeScalars.filter {
                    !$0.properties.isNoncharacterCodePoint && !(0...0x1F).contains($0.value)
                        && !(0x7F...0x9F).contains($0.value)
                }))
    }
}
