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
}
