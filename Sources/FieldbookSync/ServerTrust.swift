import FieldbookCore
import Foundation
import NIOSSL

/// Which certificates a laptop accepts from its sync server over https: the system's
/// trust store, or the office's private certificate authority (`fieldbook remote set URL
/// --ca FILE`).
///
/// A private CA replaces the system store for this server rather than adding to it: a
/// laptop that was told which authority signs its server's certificate has no reason to
/// accept one from any other. The CA's PEM text is stored in the replica's settings, so
/// the laptop keeps syncing when the file it came from moves or is deleted.
public struct ServerTrust: Sendable, Equatable {
    /// The replica setting that holds the private CA's PEM text.
    public static let settingKey = "server.ca"

    /// The system's trust store.
    public static let system = ServerTrust(pem: nil, authorities: [])

    /// The private CA's PEM text; `nil` for the system's trust store.
    public let pem: String?
    let authorities: [NIOSSLCertificate]

    private init(pem: String?, authorities: [NIOSSLCertificate]) {
        self.pem = pem
        self.authorities = authorities
    }

    /// Trust in the certificate authorities in `pem` only.
    ///
    /// - Parameters:
    ///   - pem: one or more PEM certificates (`-----BEGIN CERTIFICATE-----`).
    ///   - source: where the text came from, for the error message.
    ///   - now: the time to check the authorities' validity against.
    /// - Throws: ``FieldbookError`` `.invalidInput` when `pem` holds no certificate, or
    ///   every certificate in it has expired.
    public init(pem: String, source: String, now: Date = Date()) throws {
        let certificates = (try? NIOSSLCertificate.fromPEMBytes(Array(pem.utf8))) ?? []
        guard !certificates.isEmpty else {
            throw FieldbookError(
                .invalidInput,
                "\(source) holds no PEM certificate (-----BEGIN CERTIFICATE-----); give --ca the certificate of the authority that signed the server's certificate"
            )
        }
        let latest = certificates.map { Date(timeIntervalSince1970: TimeInterval($0.notValidAfter)) }.max()!
        guard latest > now else {
            throw FieldbookError(
                .invalidInput,
                "the certificate in \(source) expired on \(ISO8601DateFormatter().string(from: latest)); ask the office for its current CA certificate"
            )
        }
        self.init(pem: pem, authorities: certificates)
    }

    /// The trust stored in a replica's settings (`nil` for the system's store).
    ///
    /// - Throws: ``FieldbookError`` `.invalidInput` when the stored text is no longer a
    ///   usable certificate.
    public init(stored pem: String?) throws {
        guard let pem else {
            self = .system
            return
        }
        try self.init(pem: pem, source: "the CA stored with `remote set --ca`", now: .distantPast)
    }

    /// The client side of TLS: certificates verified in full (chain and host name) against
    /// these authorities.
    var tlsConfiguration: TLSConfiguration {
        var configuration = TLSConfiguration.makeClientConfiguration()
        configuration.certificateVerification = .fullVerification
        configuration.minimumTLSVersion = .tlsv12
        if !authorities.isEmpty {
            configuration.trustRoots = .certificates(authorities)
        }
        return configuration
    }

    public static func == (lhs: ServerTrust, rhs: ServerTrust) -> Bool {
        lhs.pem == rhs.pem
    }
}
