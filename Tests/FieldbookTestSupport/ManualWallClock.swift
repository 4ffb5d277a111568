import FieldbookCore
import Synchronization

/// A wall clock that moves only when a test moves it, so stamps are reproducible.
///
/// ```swift
/// let clock = ManualWallClock(1_709_341_200_000)
/// clock.advance(by: 250)
/// ```
public final class ManualWallClock: WallClock {
    private let current: Mutex<UInt64>

    /// A clock reading `milliseconds` until it is moved.
    public init(_ milliseconds: UInt64 = ManualWallClock.defaultStart) {
        self.current = Mutex(milliseconds)
    }

    /// 2024-03-02T01:00:00Z, a Saturday morning session in Shanghai.
    public static let defaultStart: UInt64 = 1_709_341_200_000

    public func milliseconds() -> UInt64 {
        current.withLock { $0 }
    }

    /// Moves the clock forward.
    public func advance(by milliseconds: UInt64) {
        current.withLock { $0 += milliseconds }
    }

    /// Sets the clock to an exact reading (backwards too: a laptop whose clock was reset).
    public func set(_ milliseconds: UInt64) {
        current.withLock { $0 = milliseconds }
    }
}
