import FieldbookServer

/// The server's own account of how long its rounds took: the `fieldbook_sync_round_seconds`
/// histogram of its `/metrics`, summed over servers. Client-observed latency adds the
/// clients' own work and queueing; this is what the server spent from a round's first
/// byte to its last.
struct RoundTimeHistogram {
    /// Cumulative counts by bucket upper bound, in seconds (`+Inf` last).
    private(set) var buckets: [(bound: Double, count: Int)] = []

    /// The histogram of each server's metrics, summed.
    init(_ servers: [BenchServer]) {
        var byBound: [Double: Int] = [:]
        for server in servers {
            for line in server.service.metrics.render().split(separator: "\n")
            where line.hasPrefix("fieldbook_sync_round_seconds_bucket{") {
                guard let open = line.range(of: "le=\""),
                    let close = line[open.upperBound...].firstIndex(of: "\""),
                    let space = line.lastIndex(of: " "),
                    let count = Double(line[line.index(after: space)...])
                else { continue }
                let label = line[open.upperBound..<close]
                let bound = label == "+Inf" ? Double.infinity : Double(label) ?? .nan
                guard !bound.isNaN else { continue }
                byBound[bound, default: 0] += Int(count)
            }
        }
        buckets = byBound.sorted { $0.key < $1.key }.map { ($0.key, $0.value) }
    }

    /// Rounds counted.
    var total: Int { buckets.last?.count ?? 0 }

    /// The share of rounds that took at most `seconds` (a bucket bound).
    func share(within seconds: Double) -> Double {
        guard total > 0, let bucket = buckets.last(where: { $0.bound <= seconds }) else { return 0 }
        return Double(bucket.count) / Double(total)
    }

    /// The smallest bucket bound that `quantile` of the rounds stayed within (`.infinity`
    /// when only the open last bucket does).
    func bound(of quantile: Double) -> Double {
        buckets.first { Double($0.count) >= quantile * Double(total) }?.bound ?? .infinity
    }
}
