import FieldbookCore
import FieldbookSync
import Testing

/// Which server URLs would carry the device token unencrypted to another machine.
struct HTTPSyncTransportTests {
    @Test(arguments: [
        ("http://192.168.1.20:8080", "192.168.1.20"),
        ("http://sync.example.org", "sync.example.org"),
        ("HTTP://sync.example.org:80/", "sync.example.org"),
        ("http://[fe80::1]:8080", "fe80::1"),
        // Names that only look like loopback.
        ("http://127.0.0.1.example.org", "127.0.0.1.example.org"),
        ("http://localhost.example.org:8080", "localhost.example.org"),
        ("http://127.0.0.300", "127.0.0.300"),
    ])
    func anHTTPURLToAnotherMachineSendsTheTokenInClear(url: String, host: String) {
        #expect(HTTPSyncTransport.cleartextHost(url) == host)
    }

    @Test(arguments: [
        "http://127.0.0.1:8080", "http://127.9.8.7", "http://localhost:8080", "http://LOCALHOST",
        "http://[::1]:8080", "https://192.168.1.20:8443", "https://sync.example.org",
    ])
    func loopbackAndHTTPSDoNot(url: String) {
        #expect(HTTPSyncTransport.cleartextHost(url) == nil)
    }

    @Test func aCAFileThatHoldsNoCertificateIsRefused() {
        let error = #expect(throws: FieldbookError.self) {
            try ServerTrust(pem: "-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n", source: "ca.pem")
        }
        #expect(error?.code == .invalidInput)
        #expect(error?.message.hasPrefix("ca.pem holds no PEM certificate") == true)
    }
}
