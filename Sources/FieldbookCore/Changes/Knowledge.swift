/// A replica's version vectors, one per partition: everything it holds.
public struct Knowledge: Hashable, Sendable {
    /// The vector of each partition. Absent means nothing held.
    public private(set) var vectors: [PartitionID: VersionVector]

    /// Knowledge from per-partition vectors.
    public init(_ vectors: [PartitionID: VersionVector] = [:]) {
        self.vectors = vectors.filter { !$0.value.entries.isEmpty }
    }

    /// The vector of one partition.
    public subscript(partition: PartitionID) -> VersionVector {
        get { vectors[partition] ?? VersionVector() }
        set { vectors[partition] = newValue.entries.isEmpty ? nil : newValue }
    }

    /// The highest contiguous sequence held in one stream.
    public subscript(stream: StreamID) -> UInt64 {
        get { self[stream.partition][stream.origin] }
        set { self[stream.partition][stream.origin] = newValue }
    }

    /// The partitions with anything held, in a stable order.
    public var partitions: [PartitionID] { vectors.keys.sorted() }

    /// Every stream with anything held, in a stable order.
    public var streams: [StreamID] {
        partitions.flatMap { partition in
            self[partition].origins.map { StreamID(partition: partition, origin: $0) }
        }
    }

    /// Takes the larger entry for every stream.
    public mutating func merge(_ other: Knowledge) {
        for (partition, vector) in other.vectors {
            self[partition] = self[partition].merging(vector)
        }
    }

    /// Raises each stream to the end of its range: what a receiver holds once a batch
    /// covering `ranges` has landed.
    public mutating func advance(through ranges: [StreamRange]) {
        for range in ranges where range.through > self[range.stream] {
            self[range.stream] = range.through
        }
    }

    /// Only the given partitions.
    public func restricted(to partitions: Set<PartitionID>) -> Knowledge {
        Knowledge(vectors.filter { partitions.contains($0.key) })
    }

    /// The total number of changes counted.
    public var total: UInt64 {
        vectors.values.reduce(0) { $0.addingReportingOverflow($1.total).overflow ? .max : $0 + $1.total }
    }
}
