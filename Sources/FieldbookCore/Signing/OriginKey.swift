import Crypto
import Foundation

/// A replica's signing key (Ed25519): it signs the certificates of the streams the
/// replica writes, so any receiver can tell its changes from forgeries, also when another
/// replica relays them.
///
/// The private key never leaves the replica's file; the public key travels with the
/// replica's first sync, where the server binds it to the device token.
public struct OriginSigningKey: Sendable {
    private let key: Curve25519.Signing.PrivateKey

    /// A new random key.
    public init() {
        key = Curve25519.Signing.PrivateKey()
    }

    /// A key from its 32 stored bytes.
    ///
    /// - Throws: `.corrupt` when the bytes are not a key.
    public init(rawRepresentation bytes: [UInt8]) throws {
        do {
            key = try Curve25519.Signing.PrivateKey(rawRepresentation: bytes)
        } catch {
            throw FieldbookError(
                .corrupt, "the replica's signing key is damaged (\(bytes.count) bytes)", underlying: error)
        }
    }

    /// The 32 bytes to store.
    public var rawRepresentation: [UInt8] { Array(key.rawRepresentation) }

    /// The public half, which receivers verify with.
    public var publicKey: OriginPublicKey { OriginPublicKey(key.publicKey) }

    /// An Ed25519 signature over `message` (64 bytes).
    public func signature(for message: [UInt8]) -> [UInt8] {
        // Signing with a valid key cannot fail; CryptoKit's API throws only for the
        // hardware-backed keys of other platforms.
        Array(try! key.signature(for: message))
    }
}

/// A replica's public key: what a receiver checks its certificates against.
public struct OriginPublicKey: Hashable, Sendable, CustomStringConvertible {
    private let key: Curve25519.Signing.PublicKey
    /// The 32 bytes, as stored and sent.
    public let rawRepresentation: [UInt8]

    init(_ key: Curve25519.Signing.PublicKey) {
        self.key = key
        rawRepresentation = Array(key.rawRepresentation)
    }

    /// A key from its 32 bytes.
    ///
    /// - Throws: `.corrupt` when the bytes are not a public key.
    public init(rawRepresentation bytes: [UInt8]) throws {
        do {
            self.init(try Curve25519.Signing.PublicKey(rawRepresentation: bytes))
        } catch {
            throw FieldbookError(
                .corrupt, "a replica's public key is malformed (\(bytes.count) bytes)", underlying: error)
        }
    }

    /// Whether `signature` is this key's signature over `message`.
    public func verifies(_ signature: [UInt8], for message: [UInt8]) -> Bool {
        key.isValidSignature(signature, for: message)
    }

    /// The first 8 hex characters, for messages.
    public var description: String { String(Hash256(bytes: rawRepresentation)?.hex.prefix(8) ?? "?") }

    public static func == (lhs: OriginPublicKey, rhs: OriginPublicKey) -> Bool {
        lhs.rawRepresentation == rhs.rawRepresentation
    }

    public func hash(into hasher: inout Hasher) {
        hasher.combine(rawRepresentation)
    }
}
