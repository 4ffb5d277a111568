import FieldbookCore
import Foundation
import NIOCore
import NIOPosix
import NIOSSL

/// Why the server's TLS certificate was refused, in words a person can act on.
///
/// The handshake says only "certificate verify failed" for every fault of the chain
/// (BoringSSL keeps the reason to itself), and "wrong host" apart. For a chain fault the
/// client looks once more: a second handshake that verifies nothing, only records the
/// certificate the server presents, and then aborts before any request (so no token is
/// sent). The certificate's dates tell an expired one (or a laptop clock that is wrong)
/// from one signed by an authority the laptop does not trust.
enum CertificateFailure: Equatable, Sendable {
    /// The certificate names another host than the one in the server URL.
    case wrongHost
    /// The certificate stopped being valid at that time.
    case expired(Date)
    /// The certificate is valid only from that time on (this laptop's clock is behind?).
    case notYetValid(Date)
    /// The certificate is not signed by an authority this laptop trusts.
    case untrustedIssuer

    /// What went wrong at the handshake, if `error` is a refused certificate.
    enum Refusal {
        case hostname
        case chain
    }

    /// Whether `error` (from AsyncHTTPClient or NIOSSL) is a refused certificate, and which kind.
    static func refusal(in error: any Error) -> Refusal? {
        if let extra = error as? NIOSSLExtraError, extra == .failedToValidateHostname { return .hostname }
        let text = String(describing: error)
        if text.contains("failedToValidateHostname") { return .hostname }
        if text.contains("CERTIFICATE_VERIFY_FAILED") { return .chain }
        return nil
    }

    /// Which fault of the chain the server's certificate has, looked at in a second handshake.
    ///
    /// - Returns: `.untrustedIssuer` when the certificate cannot be fetched again or its
    ///   dates are fine: the one fault left that the laptop can act on.
    static func diagnose(host: String, port: Int, now: Date = Date()) async -> CertificateFailure {
        guard let leaf = try? await presentedCertificate(host: host, port: port) else { return .untrustedIssuer }
        let notBefore = Date(timeIntervalSince1970: TimeInterval(leaf.notValidBefore))
        let notAfter = Date(timeIntervalSince1970: TimeInterval(leaf.notValidAfter))
        if notAfter < now { return .expired(notAfter) }
        if notBefore > now { return .notYetValid(notBefore) }
        return .untrustedIssuer
    }

    /// The one-line error for a sync that stopped on this failure.
    func error(url: String, host: String) -> FieldbookError {
        let reason: String
        switch self {
        case .wrongHost:
            reason =
                "its certificate is for another host than \(host) (wrong host); check the server URL, or ask the office for a certificate that names \(host)"
        case .expired(let date):
            reason =
                "its certificate expired on \(Self.day(date)) (expired); ask the office to renew it, and check this laptop's date"
        case .notYetValid(let date):
            reason =
                "its certificate is valid only from \(Self.day(date)) (not yet valid); check this laptop's date and time"
        case .untrustedIssuer:
            reason =
                "its certificate is not signed by an authority this laptop trusts (untrusted issuer); if the office runs its own CA, run `fieldbook remote set \(url) --ca CA.pem` with the office's CA certificate"
        }
        return FieldbookError(.unavailable, "cannot trust the server at \(url): \(reason)")
    }

    private static func day(_ date: Date) -> String {
        ISO8601DateFormatter().string(from: date)
    }

    /// The first certificate the server at `host:port` presents.
    private static func presentedCertificate(host: String, port: Int) async throws -> NIOSSLCertificate? {
        var configuration = TLSConfiguration.makeClientConfiguration()
        configuration.certificateVerification = .fullVerification
        let context = try NIOSSLContext(configuration: configuration)
        let group = MultiThreadedEventLoopGroup.singleton
        let presented = group.next().makePromise(of: NIOSSLCertificate?.self)
        // An IP address is not a valid SNI name.
        let serverName = (try? SocketAddress(ipAddress: host, port: 0)) == nil ? host : nil
        let bootstrap = ClientBootstrap(group: group)
            .connectTimeout(.seconds(5))
            .channelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    let handler = try NIOSSLClientHandler(context: context, serverHostname: serverName) {
                        (chain: [NIOSSLCertificate], verdict: EventLoopPromise<NIOSSLVerificationResult>) in
                        presented.succeed(chain.first)
                        // Refuse it: this connection is for looking only, and carries nothing.
                        verdict.succeed(.failed)
                    }
                    try channel.pipeline.syncOperations.addHandler(handler)
                }
            }
        let channel: any Channel
        do {
            channel = try await bootstrap.connect(host: host, port: port).get()
        } catch {
            presented.succeed(nil)
            throw error
        }
        // The handshake ends either way; a server that never gets there is given a few seconds.
        let deadline = channel.eventLoop.scheduleTask(in: .seconds(5)) { presented.succeed(nil) }
        channel.closeFuture.whenComplete { _ in presented.succeed(nil) }
        let certificate = try await presented.futureResult.get()
        deadline.cancel()
        try? await channel.close()
        return certificate
    }
}
