import NIOCore
import NIOPosix
import Synchronization

/// A loopback TCP proxy in front of a server that cuts every connection after it has
/// carried a budget of bytes (both directions together), in the middle of whatever is
/// in flight: a request cut short, or a response lost after the server merged.
///
/// Each accepted connection gets its budget from `budget`, so a test can vary where the
/// cuts fall; `Int.max` never cuts (the baseline).
final class CuttingProxy: Sendable {
    /// Byte and cut counts, for the test's accounting.
    struct Totals: Sendable {
        var up = 0
        var down = 0
        var cuts = 0
        var connections = 0
    }

    private let channel: any Channel
    private let counter: Counter
    /// The port clients connect to.
    let port: Int

    private init(channel: any Channel, counter: Counter, port: Int) {
        self.channel = channel
        self.counter = counter
        self.port = port
    }

    var counts: Totals { counter.totals.withLock { $0 } }

    /// Starts a proxy on a free loopback port forwarding to `targetPort`.
    static func start(targetPort: Int, budget: @escaping @Sendable () -> Int) async throws -> CuttingProxy {
        let counter = Counter()
        let channel = try await ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .childChannelInitializer { inbound in
                counter.record { $0.connections += 1 }
                // The upstream connection lives on the same event loop, so the pair of
                // handlers and their shared budget are only ever touched from one thread.
                return ClientBootstrap(group: inbound.eventLoop)
                    .connect(host: "127.0.0.1", port: targetPort)
                    .flatMapThrowing { outbound in
                        let link = Link(budget: budget(), counter: counter)
                        let up = Glue(link: link, direction: .up)
                        let down = Glue(link: link, direction: .down)
                        up.partner = down
                        down.partner = up
                        try inbound.pipeline.syncOperations.addHandler(up)
                        try outbound.pipeline.syncOperations.addHandler(down)
                    }
            }
            .bind(host: "127.0.0.1", port: 0).get()
        return CuttingProxy(channel: channel, counter: counter, port: channel.localAddress!.port!)
    }

    /// Stops accepting connections.
    func stop() async throws {
        try await channel.close()
    }

    /// Totals shared by every connection's handlers.
    final class Counter: Sendable {
        let totals = Mutex(Totals())
        func record(_ update: (inout Totals) -> Void) { totals.withLock { update(&$0) } }
    }

    /// One proxied connection: its remaining budget.
    final class Link {
        var remaining: Int
        var cut = false
        let counter: Counter

        init(budget: Int, counter: Counter) {
            remaining = budget
            self.counter = counter
        }
    }

    enum Direction { case up, down }

    /// Forwards what one side reads to the other side, within the link's budget.
    final class Glue: ChannelDuplexHandler {
        typealias InboundIn = ByteBuffer
        typealias OutboundIn = ByteBuffer
        typealias OutboundOut = ByteBuffer

        let link: Link
        let direction: Direction
        var partner: Glue?
        private var context: ChannelHandlerContext?

        init(link: Link, direction: Direction) {
            self.link = link
            self.direction = direction
        }

        func handlerAdded(context: ChannelHandlerContext) { self.context = context }

        func handlerRemoved(context: ChannelHandlerContext) {
            self.context = nil
            partner = nil
        }

        func channelRead(context: ChannelHandlerContext, data: NIOAny) {
            guard !link.cut else { return }
            var buffer = unwrapInboundIn(data)
            let count = min(buffer.readableBytes, link.remaining)
            link.remaining -= count
            let direction = direction
            link.counter.record {
                if direction == .up { $0.up += count } else { $0.down += count }
            }
            if count == buffer.readableBytes {
                partner?.context?.write(wrapOutboundOut(buffer), promise: nil)
                return
            }
            // Over budget: pass on the bytes that fit, then cut both sides.
            link.cut = true
            link.counter.record { $0.cuts += 1 }
            let slice = buffer.readSlice(length: count)!
            if let partnerContext = partner?.context {
                let partnerChannel = partnerContext.channel
                partnerContext.writeAndFlush(wrapOutboundOut(slice)).whenComplete { _ in
                    partnerChannel.close(promise: nil)
                }
            }
            context.close(promise: nil)
        }

        func channelReadComplete(context: ChannelHandlerContext) {
            partner?.context?.flush()
        }

        func channelInactive(context: ChannelHandlerContext) {
            partner?.context?.close(promise: nil)
            context.fireChannelInactive()
        }

        func errorCaught(context: ChannelHandlerContext, error: any Error) {
            context.close(promise: nil)
        }
    }
}
