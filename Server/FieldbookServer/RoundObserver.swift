import FieldbookCore
import FieldbookProtocol

/// Told of every sync round the server answered: which replica, under which token, what
/// its opening frame said, which app version sent it. The office console records it (a
/// laptop's last sync, its schema and app versions, what it had written), so the laptops
/// page shows sync health as the server saw it, not only the changes it received.
///
/// Called once per answered round, after the pushed frames merged and before the answer
/// streams; a failure to record is logged and never fails the round.
public protocol RoundObserver: Sendable {
    /// A round of `open.replica` under `token` was answered at `time` (Unix milliseconds).
    ///
    /// - Parameter appVersion: the Fieldbook version the request's `User-Agent` header
    ///   named (``FieldbookCore/FieldbookVersion/version(inUserAgent:)``), `nil` when it
    ///   named none (an in-process round, another client).
    func roundAnswered(_ open: RoundOpen, token: StoredToken, appVersion: String?, at time: UInt64) async throws
}

extension SyncService {
    /// Tells the observer, if any, that a round was answered (the one hook the sync route
    /// has for the console: `POST /v1/sync` and ``respond(to:token:)`` call it).
    ///
    /// - Parameter userAgent: the request's `User-Agent` header, if it came over HTTP.
    func observe(_ round: SyncRound, userAgent: String? = nil) async {
        guard let observer = roundObserver, let open = round.open else { return }
        do {
            try await observer.roundAnswered(
                open, token: round.token, appVersion: FieldbookVersion.version(inUserAgent: userAgent),
                at: wallClock.milliseconds())
        } catch {
            logger.warning(
                "could not record the sync round", metadata: ["device": "\(round.token.name)", "reason": "\(error)"])
        }
    }
}
