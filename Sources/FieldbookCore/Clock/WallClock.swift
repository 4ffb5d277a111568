import Synchronization

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// A source of physical time in Unix milliseconds.
///
/// Injected everywhere time is read, so tests and simulations can drive time by hand
/// (drift, jumps, a laptop days ahead) and replay it from a seed.
public protocol WallClock: Sendable {
    /// Current Unix time in milliseconds.
    func milliseconds() -> UInt64
}

/// The machine's real-time clock.
public struct SystemWallClock: WallClock {
    /// Reads the system clock.
    public init() {}

    public func milliseconds() -> UInt64 {
        var spec = timespec()
        clock_gettime(CLOCK_REALTIME, &spec)
        return UInt64(spec.tv_sec) * 1000 + UInt64(spec.tv_nsec) / 1_000_000
    }
}

/// The system clock shifted by a fixed offset: a laptop whose clock is wrong.
public struct OffsetWallClock: WallClock {
    /// How far ahead (positive) or behind (negative) the clock runs, in milliseconds.
    public var offset: Int64
    private let base: any WallClock

    /// Wraps `base`, adding `offset` milliseconds to every reading.
    public init(offset: Int64, base: any WallClock = SystemWallClock()) {
        self.offset = offset
        self.base = base
    }

    public func milliseconds() -> UInt64 {
        UInt64(max(0, Int64(base.milliseconds()) + offset))
    }
}

/// A clock moved by hand: simulations and tests set and advance it, so time-dependent
/// behaviour (drift, jumps, quarantine) replays exactly from a seed.
///
/// ```swift
/// let clock = ManualWallClock(1_709_341_200_000)
/// clock.advance(by: 60_000)
/// ```
public final class ManualWallClock: WallClock {
    private let now: Mutex<UInt64>

    /// 2024-03-02T01:00:00Z, a Saturday morning session in Shanghai.
    public static let defaultStart: UInt64 = 1_709_341_200_000

    /// A clock reading `milliseconds` until it is moved.
    public init(_ milliseconds: UInt64 = ManualWallClock.defaultStart) {
        self.now = Mutex(milliseconds)
    }

    /// A clock reading `milliseconds` until it is moved.
    public convenience init(milliseconds: UInt64) {
        self.init(milliseconds)
    }

    public func milliseconds() -> UInt64 {
        now.withLock { $0 }
    }

    /// Moves the clock forward.
    public func advance(by milliseconds: UInt64) {
        now.withLock { $0 += milliseconds }
    }

    /// Moves the clock forward, or back with a negative step (a clock being corrected).
    @_disfavoredOverload
    public func advance(by milliseconds: Int64) {
        now.withLock { $0 = UInt64(max(0, Int64($0) + milliseconds)) }
    }

    /// Sets the reading (backwards too: a laptop whose clock was reset).
    public func set(_ milliseconds: UInt64) {
        now.withLock { $0 = milliseconds }
    }
}
