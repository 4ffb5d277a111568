/// A binary min-heap of (stamp, index) pairs: which stream cursor holds the earliest
/// change, in O(log s) per change for s streams instead of a scan of every cursor.
struct StampHeap {
    private var items: [(stamp: Stamp, index: Int)] = []

    var isEmpty: Bool { items.isEmpty }

    mutating func push(_ stamp: Stamp, _ index: Int) {
        items.append((stamp, index))
        var child = items.count - 1
        while child > 0 {
            let parent = (child - 1) / 2
            guard items[child].stamp < items[parent].stamp else { break }
            items.swapAt(child, parent)
            child = parent
        }
    }

    /// Removes and returns the index with the smallest stamp.
    mutating func pop() -> Int? {
        guard let first = items.first else { return nil }
        let last = items.removeLast()
        if !items.isEmpty {
            items[0] = last
            var parent = 0
            while true {
                let left = 2 * parent + 1
                let right = left + 1
                var smallest = parent
                if left < items.count && items[left].stamp < items[smallest].stamp { smallest = left }
                if right < items.count && items[right].stamp < items[smallest].stamp { smallest = right }
                guard smallest != parent else { break }
                items.swapAt(parent, smallest)
                parent = smallest
            }
        }
        return first.index
    }
}
