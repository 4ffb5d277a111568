/// What a simulated run (or many) did: the figures `docs/RELIABILITY.md` reports.
struct SimulationStats: Sendable {
    var seeds = 0
    var writes = 0
    var refused = 0
    var syncs = 0
    var syncsGaveUp = 0
    var rounds = 0
    var droppedRequests = 0
    var droppedResponses = 0
    var duplicatedRequests = 0
    var replays = 0
    var crashes = 0
    var serverRestarts = 0
    var partitions = 0
    var clockJumps = 0
    var bundles = 0
    var bundleImports = 0
    var bundleGaps = 0
    var compacted = 0
    /// Changes stamped beyond the bound that the server was seen to quarantine.
    var quarantinedSeen = 0
    var restamped = 0
    var released = 0
    /// Resent changes the server skipped as already held.
    var serverDuplicates = 0
    var conflicts = 0
    var quiescencePasses = 0
    /// Lies of the byzantine replica the server refused, and those it took as harmless repeats.
    var liesRefused = 0
    var liesHarmless = 0
    /// Facilitator replicas, and their changes written outside their cohort (kept local).
    var facilitators = 0
    var keptLocal = 0

    mutating func add(_ other: SimulationStats) {
        seeds += other.seeds
        writes += other.writes
        refused += other.refused
        syncs += other.syncs
        syncsGaveUp += other.syncsGaveUp
        rounds += other.rounds
        droppedRequests += other.droppedRequests
        droppedResponses += other.droppedResponses
        duplicatedRequests += other.duplicatedRequests
        replays += other.replays
        crashes += other.crashes
        serverRestarts += other.serverRestarts
        partitions += other.partitions
        clockJumps += other.clockJumps
        bundles += other.bundles
        bundleImports += other.bundleImports
        bundleGaps += other.bundleGaps
        compacted += other.compacted
        quarantinedSeen += other.quarantinedSeen
        restamped += other.restamped
        released += other.released
        serverDuplicates += other.serverDuplicates
        conflicts += other.conflicts
        quiescencePasses = max(quiescencePasses, other.quiescencePasses)
        liesRefused += other.liesRefused
        liesHarmless += other.liesHarmless
        facilitators += other.facilitators
        keptLocal += other.keptLocal
    }

    var summary: String {
        """
        \(seeds) seeds: \(writes) changes written (\(refused) writes refused), \(syncs) syncs (\(syncsGaveUp) gave up), \
        \(rounds) rounds served; faults: \(droppedRequests) requests and \(droppedResponses) responses dropped, \
        \(duplicatedRequests) requests duplicated, \(replays) old requests replayed, \(crashes) replica kills, \
        \(serverRestarts) server restarts, \(partitions) partitions, \(clockJumps) clock jumps; \(bundles) bundles \
        (\(bundleImports) imports, \(bundleGaps) refused for a gap); \(compacted) changes compacted; \
        \(quarantinedSeen) skewed changes quarantined, \(restamped) re-stamped, \(released) released; \
        \(serverDuplicates) resent changes skipped by the server; \(conflicts) ledger entries; \
        \(liesRefused) lies of a byzantine laptop refused, \(liesHarmless) merged nothing; \
        \(facilitators) facilitators' laptops (\(keptLocal) changes outside their cohort kept local); \
        at most \(quiescencePasses) passes to quiescence
        """
    }
}
