import NIOCore
import NIOPosix
import Synchronization

/// A loopback TCP proxy in front of a server whose answers stop, or slow to a trickle, part
/// way through: the links the client's watchdogs exist for. Requests pass whole; what each
/// connection does with the answer is its ``Plan``.
final class StallingProxy: Sendable {
    /// What one connection does with the server's answer.
    enum Plan: Sendable {
        /// Passes everything.
        case pass
        /// Passes the first `after` bytes, then nothing more, with the connection left open.
        case stall(after: Int)
        /// Passes the first `after` bytes, then one byte every `interval`.
        case trickle(after: Int, interval: TimeAmount)
        /// Closes the connection as soon as it opens: the link is down.
        case refuse
    }

    /// Connections accepted and answer bytes passed, for the test's accounting.
    struct Totals: Sendable {
        var connections = 0
        var down = 0
    }

    /// Totals shared by every connection.
    final class Counter: Sendable {
        let totals = Mutex(Totals())
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

    struct Refused: Error {}

    /// Starts a proxy on a free loopback port forwarding to `targetPort`; `plan` is asked
    /// for each connection's plan, with its number (from 1).
    static func start(targetPort: Int, plan: @escaping @Sendable (_ connection: Int) -> Plan) async throws
        -> StallingProxy
    {
        let counter = Counter()
        let channel = try await ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .childChannelInitializer { inbound in
                let number = counter.totals.withLock {
                    $0.connections += 1
                    return $0.connections
                }
                let plan = plan(number)
                if case .refuse = plan { return inbound.eventLoop.makeFailedFuture(Refused()) }
                // Both connections live on one event loop, so the link's state is only ever
                // touched from one thread.
                return ClientBootstrap(group: inbound.eventLoop)
                    .connect(host: "127.0.0.1", port: targetPort)
                    .flatMapThrowing { outbound in
                        let link = Link(plan: plan, client: inbound, server: outbound) { count in
                            counter.totals.withLock { $0.down += count }
                        }
                        try inbound.pipeline.syncOperations.addHandler(Upstream(link: link))
                        try outbound.pipeline.syncOperations.addHandler(Downstream(link: link))
                    }
            }
            .bind(host: "127.0.0.1", port: 0).get()
        return StallingProxy(channel: channel, counter: counter, port: channel.localAddress!.port!)
    }

    /// Stops accepting connections.
    func stop() async throws {
        try await channel.close()
    }

    /// One proxied connection: the answer bytes passed so far and those held back.
    final class Link {
        let plan: Plan
        let client: any Channel
        let server: any Channel
        let counted: (Int) -> Void
        var passed = 0
        var held: [UInt8] = []
        var trickle: RepeatedTask?

        init(plan: Plan, client: any Channel, server: any Channel, counted: @escaping (Int) -> Void) {
            self.plan = plan
            self.client = client
            self.server = server
            self.counted = counted
        }

        /// Takes bytes of the server's answer and passes what the plan allows.
        func answer(_ buffer: ByteBuffer) {
            let limit: Int
            switch plan {
            case .pass, .refuse: limit = .max
            case .stall(let after): limit = after
            case .trickle(let after, let interval):
                limit = after
                if trickle == nil, passed + buffer.readableBytes > after { startTrickle(every: interval) }
            }
            let bytes = Array(buffer.readableBytesView)
            let now = min(bytes.count, max(0, limit - passed))
            if now > 0 { pass(bytes.prefix(now)) }
            if case .trickle = plan { held += bytes.dropFirst(now) }
            // A stalled link drops the rest: the client never sees another byte.
        }

        private func pass(_ bytes: some Collection<UInt8>) {
            passed += bytes.count
            counted(bytes.count)
            client.writeAndFlush(ByteBuffer(bytes: bytes), promise: nil)
        }

        private func startTrickle(every interval: TimeAmount) {
            let bound = NIOLoopBound(self, eventLoop: client.eventLoop)
            trickle = client.eventLoop.scheduleRepeatedTask(initialDelay: interval, delay: interval) { _ in
                let link = bound.value
                guard !link.held.isEmpty else { return }
                link.pass([link.held.removeFirst()])
            }
        }

        func close() {
            trickle?.cancel()
            trickle = nil
            client.close(promise: nil)
            server.close(promise: nil)
        }
    }

    /// The client's side: requests go to the server whole.
    final class Upstream: ChannelInboundHandler {
        typealias InboundIn = ByteBuffer
        let link: Link

        init(link: Link) { self.link = link }

        func channelRead(context: ChannelHandlerContext, data: NIOAny) {
            link.server.writeAndFlush(unwrapInboundIn(data), promise: nil)
        }

        func channelInactive(context: ChannelHandlerContext) {
            link.close()
            context.fireChannelInactive()
        }

        func errorCaught(context: ChannelHandlerContext, error: any Error) { link.close() }
    }

    /// The server's side: answers go to the client as the plan allows.
    final class Downstream: ChannelInboundHandler {
        typealias InboundIn = ByteBuffer
        let link: Link

        init(link: Link) { self.link = link }

        func channelRead(context: ChannelHandlerContext, data: NIOAny) {
            link.answer(unwrapInboundIn(data))
        }

        func channelInactive(context: ChannelHandlerContext) {
            // The server finished its answer: a stalled or trickling link keeps the client
            // waiting all the same, as a dead link in the middle would.
            if case .pass = link.plan { link.close() }
            context.fireChannelInactive()
        }

        func errorCaught(context: ChannelHandlerContext, error: any Error) { link.close() }
    }
}
