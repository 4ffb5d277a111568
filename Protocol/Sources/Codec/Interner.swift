/// One interning table of a message: each distinct value gets the next index the first
/// time it is used, so the table order is fixed by the message alone (deterministic
/// bytes) and the most used values, met early, get the shortest indexes.
struct Interner<Value: Hashable> {
    /// The values, in index order.
    private(set) var values: [Value] = []
    private var indexes: [Value: Int] = [:]

    /// The index of `value`, adding it to the table on first use.
    mutating func index(of value: Value) -> Int {
        if let index = indexes[value] { return index }
        indexes[value] = values.count
        values.append(value)
        return values.count - 1
    }
}
