import FieldbookCore
import FieldbookProtocol
import FieldbookServer
import Foundation
import HummingbirdTesting
import NIOCore
import Testing

/// A request body over the limit is refused as too large, not as a server failure (found
/// by scripts/bad-input.sh: the client retried a 500 and then reported the server down).
struct RequestLimitTests {
    @Test func bodyOverTheLimitIsRefusedAsTooLarge() async throws {
        let directory = NSTemporaryDirectory() + "fieldbook-limit-\(UInt32.random(in: 0...UInt32.max))"
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let store = try SQLiteSyncStore(path: directory + "/server.sqlite")
        let token = DeviceToken.generate()
        try await store.insertToken(
            StoredToken(id: token.id, name: "office", secretHash: token.secretHash, scope: .all, issuedAt: 0))
        let service = SyncService(store: store, limits: .init(maxRequestBytes: 4096))
        let app = buildApplication(service: service, port: 0)
        try await app.test(.live) { client in
            try await client.execute(
                uri: "/v1/sync", method: .post, headers: [.authorization: "Bearer \(token.text)"],
                body: ByteBuffer(repeating: 0x41, count: 100_000)
            ) { response in
                #expect(response.status == .contentTooLarge)
                guard case .error(let message) = try WireFormat.decode(Array(response.body.readableBytesView)) else {
                    Issue.record("the answer is not an ErrorMessage")
                    return
                }
                #expect(message.code == .tooLarge)
            }
        }
    }
}
