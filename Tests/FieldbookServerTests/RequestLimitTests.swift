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
        try await app.testOffThePool(.live) { client in
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

    /// A few kilobytes that inflate to megabytes (a zip bomb) are refused before the server
    /// allocates what the payload declares.
    @Test func smallBodyInflatingFarBeyondItsSizeIsRefusedAsTooLarge() async throws {
        let directory = NSTemporaryDirectory() + "fieldbook-limit-\(UInt32.random(in: 0...UInt32.max))"
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let store = try SQLiteSyncStore(path: directory + "/server.sqlite")
        let token = DeviceToken.generate()
        try await store.insertToken(
            StoredToken(id: token.id, name: "office", secretHash: token.secretHash, scope: .all, issuedAt: 0))
        let service = SyncService(store: store)
        var random = SystemRandomNumberGenerator()
        let origin = ReplicaID.random(using: &random)
        let partition = PartitionID(cohort: RowID.make(milliseconds: 1_700_000_000_000, using: &random))
        let change = Change(
            partition: partition, table: "notes",
            key: RowKey(RowID.make(milliseconds: 1_700_000_000_000, using: &random)),
            column: "body", value: .text(String(repeating: "0", count: 4 << 20)),
            stamp: Stamp(time: HLC(milliseconds: 1_700_000_000_000, counter: 0), origin: origin), sequence: 1,
            previous: nil)
        let request = SyncRequest(
            schemaVersion: 1, replica: origin, clientTime: 0, knowledge: Knowledge(),
            batch: ChangeBatch(
                changes: [change],
                ranges: [StreamRange(stream: change.stream, after: 0, through: 1)]))
        let body = TestRequest(request: request, signer: nil).framed
        #expect(body.count < 64 << 10, "the bomb is small: \(body.count) bytes")
        let error = await #expect(throws: FieldbookError.self) {
            _ = try await service.respond(to: body, token: try #require(try await store.token(id: token.id)))
        }
        #expect(error?.code == .tooLarge, "\(error?.message ?? "")")
        #expect(try await store.knowledge().partitions.contains(partition) == false)
    }
}
