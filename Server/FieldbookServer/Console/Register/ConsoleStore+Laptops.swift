import FieldbookCore

extension ConsoleStore {
    /// The replicas people write on: every replica the server holds changes from, except
    /// the server itself and the genesis origin of the reference data every replica starts with.
    public func writingReplicas() async throws -> [LaptopView] {
        let server = syncStore.replicaID
        return try await laptops().filter { $0.replicaID != server && $0.replicaID != .genesis }
    }
}
