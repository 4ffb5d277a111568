import FieldbookCore
import FieldbookServer
import Testing

/// Device tokens: stored hashed, one live token per name, revocable.
@Suite struct SyncStoreTokenTests {
    @Test(arguments: StoreBackend.available)
    func issueLookUpRefuseDuplicatesAndRevoke(_ backend: StoreBackend) async throws {
        try await withStore(backend) { store in
            let cohort = Fixture.cohort
            let wang = DeviceToken.generate()
            let stored = StoredToken(
                id: wang.id, name: "wang-shanghai", secretHash: wang.secretHash, scope: .cohorts([cohort]),
                issuedAt: 1000)
            try await store.insertToken(stored)
            #expect(try await store.token(id: wang.id) == stored)
            #expect(try await store.token(id: "00000000") == nil)
            #expect(try await store.token(id: wang.id).map { wang.matches($0.secretHash) } == true)

            let second = DeviceToken.generate()
            let duplicate = await #expect(throws: FieldbookError.self) {
                try await store.insertToken(
                    StoredToken(
                        id: second.id, name: "wang-shanghai", secretHash: second.secretHash, scope: .all, issuedAt: 2000
                    ))
            }
            #expect(duplicate?.code == .exists)

            #expect(try await store.revokeToken(name: "wang-shanghai", at: 3000))
            #expect(try await !store.revokeToken(name: "wang-shanghai", at: 3500))
            #expect(try await store.token(id: wang.id)?.revokedAt == 3000)
            // The name is free again once revoked.
            try await store.insertToken(
                StoredToken(
                    id: second.id, name: "wang-shanghai", secretHash: second.secretHash, scope: .all, issuedAt: 4000))
            let office = DeviceToken.generate()
            try await store.insertToken(
                StoredToken(id: office.id, name: "office", secretHash: office.secretHash, scope: .all, issuedAt: 5000))
            let all = try await store.tokens()
            #expect(all.map(\.name) == ["office", "wang-shanghai", "wang-shanghai"])
            #expect(all.map(\.issuedAt) == [5000, 1000, 4000])
            #expect(all[1].scope == .cohorts([cohort]) && all[2].scope == .all)
        }
    }

    /// A token takes the replica of its first round and the key of its first signed round
    /// from that replica, atomically; neither is replaced later, and a re-bind clears both.
    @Test(arguments: StoreBackend.available)
    func aTokenKeepsTheReplicaAndKeyItWasFirstBoundTo(_ backend: StoreBackend) async throws {
        try await withStore(backend) { store in
            let token = DeviceToken.generate()
            try await store.insertToken(
                StoredToken(
                    id: token.id, name: "zhang-chengdu", secretHash: token.secretHash, scope: .all, issuedAt: 1000))
            var random = SeededRandom(seed: 11)
            let laptop = ReplicaID.random(using: &random)
            let thief = ReplicaID.random(using: &random)
            let key = OriginSigningKey().publicKey
            let otherKey = OriginSigningKey().publicKey

            // Bound before it signed: the replica only.
            #expect(
                try await store.bindToken(id: token.id, to: laptop, key: nil) == TokenBinding(replica: laptop, key: nil)
            )
            // Another replica's key never binds to it.
            #expect(
                try await store.bindToken(id: token.id, to: thief, key: otherKey)
                    == TokenBinding(replica: laptop, key: nil))
            // Its first signed round binds the key; a later one with another key changes nothing.
            #expect(
                try await store.bindToken(id: token.id, to: laptop, key: key) == TokenBinding(replica: laptop, key: key)
            )
            #expect(
                try await store.bindToken(id: token.id, to: laptop, key: otherKey)
                    == TokenBinding(replica: laptop, key: key))
            #expect(try await store.token(id: token.id)?.publicKey == key)
            #expect(try await store.originKeys(of: [laptop, thief]) == [laptop: key])

            // The office re-binds it for a new laptop: both are cleared.
            #expect(try await store.unbindToken(name: "zhang-chengdu"))
            let stored = try await store.token(id: token.id)
            #expect(stored?.replica == nil && stored?.publicKey == nil)
            #expect(
                try await store.bindToken(id: token.id, to: thief, key: otherKey)
                    == TokenBinding(replica: thief, key: otherKey))
        }
    }
}
