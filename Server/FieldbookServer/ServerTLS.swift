import FieldbookCore
import Foundation
import Hummingbird
import HummingbirdCore
import HummingbirdTLS
import NIOSSL

/// The certificate and private key the server answers HTTPS with
/// (`fieldbook-server serve --tls-cert FILE --tls-key FILE`).
///
/// Everything is checked when it is loaded, before the server listens: a missing or
/// unreadable file, a file that is not PEM, and a key that does not belong to the
/// certificate each stop the server with one line naming the file.
///
/// ```swift
/// let tls = try ServerTLS.load(certificatePath: "server.pem", keyPath: "server.key")
/// let app = buildApplication(service: service, tls: tls)
/// ```
public struct ServerTLS: Sendable {
    /// The configuration the server's TLS handler is built from.
    public let configuration: TLSConfiguration
    /// The first certificate of the chain: the one naming this server.
    public let leaf: NIOSSLCertificate

    /// Reads and checks a PEM certificate chain (the server's certificate first, then any
    /// intermediates) and its PEM private key.
    ///
    /// - Throws: ``FieldbookError``: `.notFound` for a missing file, `.storage` for one that
    ///   cannot be read, `.invalidInput` for one that is not PEM of the right kind or a key
    ///   that does not match the certificate.
    public static func load(certificatePath: String, keyPath: String) throws -> ServerTLS {
        let chain: [NIOSSLCertificate]
        do {
            chain = try NIOSSLCertificate.fromPEMBytes(try read(certificatePath, option: "--tls-cert"))
        } catch let error as FieldbookError {
            throw error
        } catch {
            chain = []
        }
        guard let leaf = chain.first else {
            throw FieldbookError(
                .invalidInput,
                "\(certificatePath) holds no PEM certificate (-----BEGIN CERTIFICATE-----); give --tls-cert the server's certificate chain in PEM"
            )
        }
        let key: NIOSSLPrivateKey
        do {
            key = try NIOSSLPrivateKey(bytes: try read(keyPath, option: "--tls-key"), format: .pem)
        } catch let error as FieldbookError {
            throw error
        } catch {
            throw FieldbookError(
                .invalidInput,
                "\(keyPath) holds no unencrypted PEM private key (-----BEGIN PRIVATE KEY-----); give --tls-key the certificate's key in PEM, without a passphrase"
            )
        }
        var configuration = TLSConfiguration.makeServerConfiguration(
            certificateChain: chain.map { .certificate($0) }, privateKey: .privateKey(key))
        // NIOSSL still defaults to TLS 1.0; nothing that syncs with Fieldbook needs less than 1.2.
        configuration.minimumTLSVersion = .tlsv12
        // BoringSSL checks that the key belongs to the certificate when a context is made;
        // the server's TLS handler makes the same context when it starts, too late for a
        // clear message.
        do {
            _ = try NIOSSLContext(configuration: configuration)
        } catch {
            throw FieldbookError(
                .invalidInput,
                "the key in \(keyPath) does not belong to the certificate in \(certificatePath); give --tls-key the key the certificate was issued for"
            )
        }
        return ServerTLS(configuration: configuration, leaf: leaf)
    }

    /// When the server's certificate stops being valid.
    public var expires: Date {
        Date(timeIntervalSince1970: TimeInterval(leaf.notValidAfter))
    }

    /// The HTTP/1.1 server wrapped in TLS.
    func serverBuilder(_ http1: HTTP1Channel.Configuration) -> HTTPServerBuilder {
        let configuration = configuration
        // TLSChannel throws only when its context cannot be made; `load` made one already.
        return HTTPServerBuilder { responder in
            try TLSChannel(HTTP1Channel(responder: responder, configuration: http1), tlsConfiguration: configuration)
        }
    }

    private static func read(_ path: String, option: String) throws -> [UInt8] {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory), !isDirectory.boolValue else {
            throw FieldbookError(.notFound, "no file at \(path); give \(option) a PEM file")
        }
        guard let handle = FileHandle(forReadingAtPath: path), let data = try? handle.readToEnd() ?? Data() else {
            throw FieldbookError(.storage, "cannot read \(path); check its permissions (\(option))")
        }
        try? handle.close()
        return Array(data)
    }
}
