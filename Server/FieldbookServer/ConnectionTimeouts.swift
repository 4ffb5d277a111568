import NIOCore

/// How long the server keeps a connection that does not move.
///
/// Hummingbird 2.28.1 has one connection timer, `idleTimeout`: it closes a connection
/// with no request in flight, and one whose request (header or body) sends no complete
/// part, after the timeout. Partial header bytes make no part, so it is also the header
/// read timeout: a client trickling a header a byte at a time (slowloris) is closed
/// after it, while a slow link that delivers a body chunk now and then keeps going.
public enum ConnectionTimeouts {
    /// Idle and header read timeout: generous for a phone tether in a school car park.
    public static let idle: TimeAmount = .seconds(60)
}
