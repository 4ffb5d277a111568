/// The hybrid logical clock of one replica, as a value-type state machine.
///
/// `tick` stamps a local write; `observe` takes in a remote timestamp. Readings are
/// strictly increasing, stay close to physical time, and a received timestamp moves
/// the clock forward so the next local write sorts after it: unless the remote reading
/// is further ahead of our physical time than ``maximumDrift``, which only a wrong
/// clock produces. Such a reading is refused (the caller quarantines the change), so a
/// laptop days fast cannot drag everyone else into its future.
public struct HybridClock: Sendable, Equatable {
    /// The last reading handed out or observed.
    public private(set) var last: HLC

    /// How far (milliseconds) a remote reading may run ahead of physical time and still
    /// move this clock. Five minutes by default.
    public var maximumDrift: UInt64

    /// The default bound on accepted clock skew: five minutes.
    public static let defaultMaximumDrift: UInt64 = 5 * 60 * 1000

    /// A clock that resumes from a persisted reading.
    public init(last: HLC = .zero, maximumDrift: UInt64 = HybridClock.defaultMaximumDrift) {
        self.last = last
        self.maximumDrift = maximumDrift
    }

    /// The reading for a new local event at physical time `now`.
    ///
    /// When 65,536 events fall in one millisecond the counter would overflow; the clock
    /// then borrows the next millisecond, which keeps readings unique and ordered and
    /// drifts at most a few milliseconds under extreme load.
    public mutating func tick(now: UInt64) -> HLC {
        let physical = min(now, HLC.millisecondMask)
        if physical > last.milliseconds {
            last = HLC(milliseconds: physical)
        } else if last.counter < UInt16.max {
            last = HLC(rawValue: last.rawValue + 1)
        } else if last.milliseconds < HLC.millisecondMask {
            last = HLC(milliseconds: last.milliseconds + 1)
        }
        return last
    }

    /// The reading for a local write over a cell whose current version is `current`.
    ///
    /// A local write must sort after the value it overwrites. When that value is stamped
    /// ahead of this clock (it was released from quarantine with a future stamp), the write
    /// takes the stamp just after it, without dragging the clock itself into the future.
    public mutating func tick(now: UInt64, over current: Stamp?) -> HLC {
        tick(now: now, after: current?.time)
    }

    /// A reading that sorts after `previous` when this clock is behind it (see `tick(now:over:)`).
    public mutating func tick(now: UInt64, after previous: HLC?) -> HLC {
        let time = tick(now: now)
        guard let previous, previous >= time else { return time }
        return HLC(rawValue: previous.rawValue == .max ? .max : previous.rawValue + 1)
    }

    /// Whether a remote reading is within the drift bound at physical time `now`.
    public func accepts(_ remote: HLC, now: UInt64) -> Bool {
        remote.milliseconds <= bound(now: now)
    }

    /// `now + maximumDrift`, saturating (a drift of `UInt64.max` means "no bound").
    func bound(now: UInt64) -> UInt64 {
        let (sum, overflow) = now.addingReportingOverflow(maximumDrift)
        return overflow ? .max : sum
    }

    /// Takes in a remote reading so later local events sort after it.
    ///
    /// - Returns: `false`, leaving the clock untouched, when `remote` is beyond the drift
    ///   bound; the caller must not merge the change that carried it.
    @discardableResult
    public mutating func observe(_ remote: HLC, now: UInt64) -> Bool {
        guard accepts(remote, now: now) else { return false }
        if remote > last { last = remote }
        return true
    }

    /// Takes in a reading that was accepted despite being ahead (the office released it),
    /// moving this clock no further than the drift bound.
    public mutating func observeClamped(_ remote: HLC, now: UInt64) {
        let bound = HLC(milliseconds: min(bound(now: now), HLC.millisecondMask))
        let target = min(remote, bound)
        if target > last { last = target }
    }

    /// Sets the clock back to physical time, for a replica whose clock was wrong and is
    /// now fixed. Only the owner of the persisted readings may do this, after re-stamping
    /// the changes that carried the wrong time.
    public mutating func reset(now: UInt64) {
        last = HLC(milliseconds: now)
    }
}
