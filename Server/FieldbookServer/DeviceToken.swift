import Crypto
import FieldbookCore
import Foundation

/// A device token: what a facilitator's laptop (or the office) presents to sync.
///
/// The text form is `fbk_<id>_<secret>`: the 8-hex-digit `id` finds the stored record,
/// the 32-byte random secret proves possession. Only SHA-256 of the secret is stored,
/// and it is compared in constant time, so neither a database leak nor response timing
/// reveals a usable token.
public struct DeviceToken: Sendable {
    /// The public part, used to look the token up.
    public var id: String
    /// The secret part.
    public var secret: String

    /// Parses `fbk_<id>_<secret>`; `nil` for anything else.
    public init?(_ text: String) {
        let parts = text.split(separator: "_", omittingEmptySubsequences: false)
        guard parts.count == 3, parts[0] == "fbk", parts[1].count == 8, parts[2].count == 64,
            parts[1].allSatisfy(\.isHexDigit), parts[2].allSatisfy(\.isHexDigit)
        else { return nil }
        self.id = String(parts[1]).lowercased()
        self.secret = String(parts[2]).lowercased()
    }

    init(id: String, secret: String) {
        self.id = id
        self.secret = secret
    }

    /// A new random token.
    public static func generate() -> DeviceToken {
        var generator = SystemRandomNumberGenerator()
        let id = String(format: "%08x", UInt32.random(in: .min ... .max, using: &generator))
        let secret = (0..<32).map { _ in String(format: "%02x", UInt8.random(in: 0...255, using: &generator)) }.joined()
        return DeviceToken(id: id, secret: secret)
    }

    /// The text to hand to the device.
    public var text: String { "fbk_\(id)_\(secret)" }

    /// SHA-256 of the secret: what the server stores.
    public var secretHash: [UInt8] { Array(SHA256.hash(data: Data(secret.utf8))) }

    /// Whether the secret hashes to `stored`, comparing every byte whatever the result.
    public func matches(_ stored: [UInt8]) -> Bool {
        let hash = secretHash
        guard hash.count == stored.count else { return false }
        var difference: UInt8 = 0
        for index in hash.indices { difference |= hash[index] ^ stored[index] }
        return difference == 0
    }
}

/// What a token opens.
public enum TokenScope: Hashable, Sendable {
    /// The office: reads and writes every partition.
    case all
    /// A facilitator: reads and writes these cohorts' partitions, reads shared data.
    case cohorts(Set<PartitionID>)

    /// Whether the token may receive changes of `partition`.
    public func canRead(_ partition: PartitionID) -> Bool {
        switch self {
        case .all: true
        case .cohorts(let partitions): partition.isShared || partitions.contains(partition)
        }
    }

    /// Whether the token may push changes of `partition`.
    public func canWrite(_ partition: PartitionID) -> Bool {
        switch self {
        case .all: true
        case .cohorts(let partitions): partitions.contains(partition)
        }
    }

    /// The partitions the token may push, sorted; `nil` means all.
    public var writable: [PartitionID]? {
        switch self {
        case .all: nil
        case .cohorts(let partitions): partitions.sorted()
        }
    }

    /// The readable partitions among `known`; `nil` means all.
    public func readable(among known: [PartitionID]) -> Set<PartitionID>? {
        switch self {
        case .all: nil
        case .cohorts: Set(known.filter(canRead))
        }
    }

    /// Stored form: `all`, or the cohort IDs separated by commas.
    public var storedForm: String {
        switch self {
        case .all: "all"
        case .cohorts(let partitions): partitions.map { RowID($0.rawValue).description }.sorted().joined(separator: ",")
        }
    }

    /// Parses the stored form.
    public init(storedForm: String) {
        if storedForm == "all" {
            self = .all
        } else {
            self = .cohorts(
                Set(storedForm.split(separator: ",").compactMap { RowID($0) }.map { PartitionID(cohort: $0) }))
        }
    }
}

/// A token as the server stores it.
public struct StoredToken: Hashable, Sendable {
    /// The token's public ID.
    public var id: String
    /// A unique human name for the device, e.g. `wang-shanghai`.
    public var name: String
    /// SHA-256 of the secret.
    public var secretHash: [UInt8]
    /// What it opens.
    public var scope: TokenScope
    /// When it was issued, Unix milliseconds.
    public var issuedAt: UInt64
    /// When it was revoked, if it was.
    public var revokedAt: UInt64?
    /// The replica the token is bound to: the one that synced with it first, until the
    /// office clears the binding (`fieldbook-server token rebind NAME`).
    public var replica: ReplicaID?
    /// The replica's public key, bound with the replica at its first signed round: every
    /// later round with the token must present the same key and prove its pushes with it.
    public var publicKey: OriginPublicKey?

    /// A stored token from its parts.
    public init(
        id: String, name: String, secretHash: [UInt8], scope: TokenScope, issuedAt: UInt64, revokedAt: UInt64? = nil,
        replica: ReplicaID? = nil, publicKey: OriginPublicKey? = nil
    ) {
        self.publicKey = publicKey
        self.id = id
        self.name = name
        self.secretHash = secretHash
        self.scope = scope
        self.issuedAt = issuedAt
        self.revokedAt = revokedAt
        self.replica = replica
    }

    /// What a push under this token may write, once it is bound to `replica`: an office
    /// token anything (it relays for everyone), a facilitator's token its cohorts, and
    /// only its own replica's streams.
    public func rights(boundTo replica: ReplicaID) -> WriterRights {
        switch scope {
        case .all: WriterRights(partitions: nil, origin: nil, name: "token '\(name)'")
        case .cohorts(let partitions): WriterRights(partitions: partitions, origin: replica, name: "token '\(name)'")
        }
    }
}
