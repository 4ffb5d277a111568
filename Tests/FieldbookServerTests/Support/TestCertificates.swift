import Foundation

/// Certificate authorities and server certificates made for one test by the system's
/// `openssl`, in a folder of the test's own: nothing is checked in, nothing outlives it.
///
/// The office's private CA signs a certificate for `127.0.0.1` and `localhost` (the good
/// one), one for another host, and one that expired the moment it was made; an unrelated
/// CA stands for an authority the laptop was never told about.
struct TestCertificates {
    let folder: TemporaryDirectory

    /// The office's private CA (PEM), what `remote set --ca` is given.
    var ca: String { folder.file("ca.pem") }
    /// A CA that signed none of the server's certificates.
    var unrelatedCA: String { folder.file("unrelated-ca.pem") }
    /// The server's certificate for 127.0.0.1 and localhost, and its key.
    var server: (certificate: String, key: String) { pair("server") }
    /// A certificate the CA signed for `sync.example.invalid` only.
    var wrongHost: (certificate: String, key: String) { pair("wrong-host") }
    /// A certificate for 127.0.0.1 whose validity ended when it was made.
    var expired: (certificate: String, key: String) { pair("expired") }

    init() throws {
        folder = try TemporaryDirectory("fieldbook-tls")
        try makeAuthority("ca", subject: "Fieldbook test office CA")
        try makeAuthority("unrelated-ca", subject: "Somebody else's CA")
        try makeServerCertificate("server", names: "IP:127.0.0.1,DNS:localhost", days: 2)
        try makeServerCertificate("wrong-host", names: "DNS:sync.example.invalid", days: 2)
        // `-days 0`: not after = not before = now, so it has expired a second later.
        try makeServerCertificate("expired", names: "IP:127.0.0.1,DNS:localhost", days: 0)
        Thread.sleep(forTimeInterval: 1.1)
    }

    private func pair(_ name: String) -> (certificate: String, key: String) {
        (folder.file("\(name).pem"), folder.file("\(name).key"))
    }

    private func makeAuthority(_ name: String, subject: String) throws {
        try openssl([
            "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes", "-days", "2",
            "-subj", "/CN=\(subject)", "-addext", "basicConstraints=critical,CA:TRUE",
            "-addext", "keyUsage=critical,keyCertSign,cRLSign",
            "-keyout", folder.file("\(name).key"), "-out", folder.file("\(name).pem"),
        ])
    }

    private func makeServerCertificate(_ name: String, names: String, days: Int) throws {
        let request = folder.file("\(name).csr")
        let extensions = folder.file("\(name).ext")
        try openssl([
            "req", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes", "-subj", "/CN=fieldbook",
            "-keyout", folder.file("\(name).key"), "-out", request,
        ])
        try "subjectAltName=\(names)\nbasicConstraints=CA:FALSE\nextendedKeyUsage=serverAuth\n".write(
            toFile: extensions, atomically: true, encoding: .utf8)
        try openssl([
            "x509", "-req", "-in", request, "-CA", ca, "-CAkey", folder.file("ca.key"), "-CAcreateserial",
            "-days", "\(days)", "-extfile", extensions, "-out", folder.file("\(name).pem"),
        ])
    }

    private func openssl(_ arguments: [String]) throws {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/openssl")
        process.arguments = arguments
        process.currentDirectoryURL = URL(fileURLWithPath: folder.path)
        let log = folder.file("openssl.log")
        FileManager.default.createFile(atPath: log, contents: nil)
        let output = FileHandle(forWritingAtPath: log)
        defer { try? output?.close() }
        process.standardOutput = output
        process.standardError = output
        process.standardInput = FileHandle.nullDevice
        try process.run()
        process.waitUntilExit()
        guard process.terminationStatus == 0 else {
            throw OpenSSLFailure(
                description: "openssl \(arguments.joined(separator: " ")) failed: "
                    + ((try? String(contentsOfFile: log, encoding: .utf8)) ?? ""))
        }
    }

    struct OpenSSLFailure: Error, CustomStringConvertible {
        var description: String
    }
}
