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
public final class ManualWallClock: WallClock {
    private let now: Mutex<UInt64>

    /// A clock reading `milliseconds`.
    public init(milliseconds: UInt64) {
        self.now = Mutex(milliseconds)
    }

    public func milliseconds() -> UInt64 {
        now.withLock { $0 }
    }

    /// Moves the clock forward (or back, with a negative step).
    public func advance(by milliseconds: Int64) {
        now.withLock { $0 = UInt64(max(0, Int64($0) + milliseconds)) }
    }

    /// Sets the reading.
    public func set(_ milliseconds: UInt64) {
        now.withLock { $0 = milliseconds }
    }
}
