import Docker
import NIOCore
import NIOHPACK
import NIOHTTP2
import NIOPosix
import NIOSSL
import Synchronization

/// One HTTP/2 stream as async sequences of frames.
typealias StreamChannel = NIOAsyncChannel<HTTP2Frame.FramePayload, HTTP2Frame.FramePayload>

/// An HTTP/2 connection obtained by upgrading an Engine API request (`POST /grpc` or
/// `POST /session`, BUILDKIT-NATIVE.md §1), or by dialling a buildkitd address directly.
struct H2Connection: Sendable {
    /// The TCP/unix channel.
    let channel: any Channel
    /// Open while the socket takes more bytes: big uploads wait on it, so what is queued in the
    /// process stays small whatever the flow-control windows allow.
    let gate: WritabilityGate
    /// Opens streams (client side) and yields the peer's streams (server side).
    let multiplexer: NIOHTTP2Handler.AsyncStreamMultiplexer<StreamChannel>

    /// Closes the connection.
    func close() async {
        try? await channel.close()
    }
}

/// Why a connection could not be set up, in one line.
public struct BuildKitError: Error, CustomStringConvertible, Equatable, Sendable {
    public let description: String
    /// The gRPC status code when the failure came from a call (2 = UNKNOWN: build errors).
    public let code: Int?

    public init(_ description: String, code: Int? = nil) {
        self.description = description
        self.code = code
    }
}

/// Reads the HTTP/1.1 answer to the upgrade request, then hands the connection to HTTP/2: the
/// bytes after the `101` head (the peer's first HTTP/2 frames, usually in the same read) go to the
/// HTTP/2 handler before anything else is read.
final class UpgradeHandler: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = ByteBuffer
    typealias InboundOut = ByteBuffer
    typealias OutboundOut = ByteBuffer

    let request: [UInt8]
    let mode: NIOHTTP2Handler.ParserMode
    let promise: EventLoopPromise<NIOHTTP2Handler.AsyncStreamMultiplexer<StreamChannel>>
    let gate: WritabilityGate
    private var head: [UInt8] = []
    private var done = false

    init(
        request: [UInt8], mode: NIOHTTP2Handler.ParserMode, gate: WritabilityGate,
        promise: EventLoopPromise<NIOHTTP2Handler.AsyncStreamMultiplexer<StreamChannel>>
    ) {
        self.request = request
        self.mode = mode
        self.gate = gate
        self.promise = promise
    }

    func channelActive(context: ChannelHandlerContext) {
        var buf = context.channel.allocator.buffer(capacity: request.count)
        buf.writeBytes(request)
        context.writeAndFlush(wrapOutboundOut(buf), promise: nil)
        context.fireChannelActive()
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        guard !done else {
            context.fireChannelRead(data)
            return
        }
        var buf = unwrapInboundIn(data)
        head += buf.readBytes(length: buf.readableBytes) ?? []
        guard let end = UpgradeHandler.headEnd(head) else {
            if head.count > 64 * 1024 { fail(context, "the engine's answer to the upgrade has no end") }
            return
        }
        let text = String(decoding: head[..<end], as: UTF8.self)
        let leftover = Array(head[(end + 4)...])
        let status = text.split(separator: " ", maxSplits: 2).dropFirst().first.flatMap { Int($0) } ?? 0
        guard status == 101 else {
            let body = String(decoding: leftover, as: UTF8.self)
            let message = UpgradeHandler.engineMessage(body) ?? text.split(separator: "\r\n").first.map(String.init) ?? "?"
            fail(context, "the engine refused the upgrade (HTTP \(status)): \(message)")
            return
        }
        done = true
        do {
            try context.pipeline.syncOperations.addHandler(gate)
            let multiplexer = try context.pipeline.syncOperations.configureAsyncHTTP2Pipeline(
                mode: mode,
                configuration: UpgradeHandler.configuration
            ) { stream in
                stream.eventLoop.makeCompletedFuture {
                    try StreamChannel(wrappingChannelSynchronously: stream)
                }
            }
            if getenv("BUILDTOP_DEBUG_H2") != nil {
                try context.pipeline.syncOperations.addHandler(H2ErrorLogger(), position: .last)
            }
            if !leftover.isEmpty {
                var rest = context.channel.allocator.buffer(capacity: leftover.count)
                rest.writeBytes(leftover)
                context.fireChannelRead(wrapInboundOut(rest))
            }
            context.pipeline.syncOperations.removeHandler(context: context, promise: nil)
            promise.succeed(multiplexer)
        } catch {
            fail(context, "cannot start HTTP/2: \(error)")
        }
    }

    func channelInactive(context: ChannelHandlerContext) {
        if !done { promise.fail(BuildKitError("the engine closed the connection during the upgrade")) }
        done = true
        context.fireChannelInactive()
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        if !done {
            done = true
            promise.fail(error)
            context.close(promise: nil)
        } else {
            context.fireErrorCaught(error)
        }
    }

    private func fail(_ context: ChannelHandlerContext, _ why: String) {
        done = true
        promise.fail(BuildKitError(why))
        context.close(promise: nil)
    }

    /// HTTP/2 settings: BuildKit's 4 MiB messages need big windows; the daemon sends large frames.
    static let configuration: NIOHTTP2Handler.Configuration = {
        var c = NIOHTTP2Handler.Configuration()
        c.connection.initialSettings = [
            HTTP2Setting(parameter: .maxConcurrentStreams, value: 1000),
            HTTP2Setting(parameter: .maxHeaderListSize, value: 1 << 20),
            HTTP2Setting(parameter: .initialWindowSize, value: 1 << 20),
            HTTP2Setting(parameter: .maxFrameSize, value: 1 << 20),
        ]
        c.stream.targetWindowSize = 1 << 20
        // The peer is the Docker daemon: grpc-go sends a WINDOW_UPDATE or a BDP PING for every
        // few tens of KiB we send, thousands a minute during a big context upload; NIO's
        // denial-of-service limits (200 control frames per 30 s) would close the connection
        // (ExcessiveControlFrames) halfway through.
        c.connection.controlFrameRateLimit.maximumCount = 10_000_000
        c.connection.controlFrameRateLimit.windowLength = .seconds(1)
        c.connection.maximumSequentialEmptyDataFrames = 1000
        return c
    }()

    static func headEnd(_ bytes: [UInt8]) -> Int? {
        guard bytes.count >= 4 else { return nil }
        for i in 0...(bytes.count - 4) where bytes[i] == 13 && bytes[i + 1] == 10 && bytes[i + 2] == 13 && bytes[i + 3] == 10 {
            return i
        }
        return nil
    }

    /// `{"message":"…"}` of an Engine API error body.
    static func engineMessage(_ body: String) -> String? {
        guard let r = body.range(of: "\"message\":\"") else { return nil }
        let rest = body[r.upperBound...]
        guard let end = rest.firstIndex(of: "\"") else { return nil }
        return String(rest[..<end])
    }
}

/// Connections to BuildKit: through the Docker Engine's `/grpc` and `/session` upgrades on the
/// endpoint the docker CLI would use, or straight to a buildkitd address.
public struct BuildKitDialer: Sendable {
    /// The engine endpoint.
    public let endpoint: DockerEndpoint
    let tls: NIOSSLContext?
    let sniHost: String?

    /// Prepares a dialer (loads TLS files once).
    public init(endpoint: DockerEndpoint) throws(BuildKitError) {
        self.endpoint = endpoint
        do {
            let (tls, sni) = try EngineClient.tlsContext(for: endpoint)
            self.tls = tls
            self.sniHost = sni
        } catch {
            throw BuildKitError(error.description)
        }
    }

    /// `POST path` upgraded to h2c; `mode` is our HTTP/2 role (client on `/grpc`, server on
    /// `/session`).
    func upgrade(path: String, headers: [(String, String)], mode: NIOHTTP2Handler.ParserMode) async throws -> H2Connection {
        var text = "POST \(path) HTTP/1.1\r\nHost: docker\r\nUser-Agent: buildtop\r\nContent-Length: 0\r\nConnection: Upgrade\r\nUpgrade: h2c\r\n"
        for (k, v) in headers { text += "\(k): \(v)\r\n" }
        text += "\r\n"
        let request = Array(text.utf8)
        let tls = self.tls
        let sni = self.sniHost
        let group = MultiThreadedEventLoopGroup.singleton
        let promiseBox = PromiseBox()
        let gate = WritabilityGate()
        let bootstrap = ClientBootstrap(group: group)
            .connectTimeout(.seconds(10))
            .channelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    if let tls {
                        try channel.pipeline.syncOperations.addHandler(NIOSSLClientHandler(context: tls, serverHostname: sni))
                    }
                    let promise = channel.eventLoop.makePromise(of: NIOHTTP2Handler.AsyncStreamMultiplexer<StreamChannel>.self)
                    promiseBox.set(promise.futureResult)
                    try channel.pipeline.syncOperations.addHandler(UpgradeHandler(request: request, mode: mode, gate: gate, promise: promise))
                }
            }
        let channel: any Channel
        do {
            switch endpoint.transport {
            case .unix(let p): channel = try await bootstrap.connect(unixDomainSocketPath: p).get()
            case .tcp(let host, let port): channel = try await bootstrap.connect(host: host, port: port).get()
            case .ssh(let host): throw BuildKitError("ssh:// engine endpoints (\(host)) are not supported yet")
            }
        } catch let e as BuildKitError {
            throw e
        } catch {
            throw BuildKitError("cannot connect to the Docker engine at \(endpoint.host): \(EngineClient.shortReason(error)); is the docker daemon running?")
        }
        guard let future = promiseBox.future else { throw BuildKitError("internal: no upgrade") }
        do {
            let multiplexer = try await future.get()
            return H2Connection(channel: channel, gate: gate, multiplexer: multiplexer)
        } catch {
            try? await channel.close()
            if let e = error as? BuildKitError { throw e }
            throw BuildKitError("upgrade of \(path) failed: \(error)")
        }
    }
}

/// Carries the upgrade's future out of the channel initializer.
final class PromiseBox: Sendable {
    private let value = Mutex<EventLoopFuture<NIOHTTP2Handler.AsyncStreamMultiplexer<StreamChannel>>?>(nil)

    func set(_ f: EventLoopFuture<NIOHTTP2Handler.AsyncStreamMultiplexer<StreamChannel>>) { value.withLock { $0 = f } }
    var future: EventLoopFuture<NIOHTTP2Handler.AsyncStreamMultiplexer<StreamChannel>>? { value.withLock { $0 } }
}

/// `BUILDTOP_DEBUG_H2=1`: HTTP/2 errors of BuildKit connections go to stderr (diagnostics only).
final class H2ErrorLogger: ChannelInboundHandler {
    typealias InboundIn = HTTP2Frame

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let frame = unwrapInboundIn(data)
        switch frame.payload {
        case .goAway(let last, let code, let debug):
            let text = debug.map { String(buffer: $0) } ?? ""
            FileHandleStderr.write("buildtop: HTTP/2 GOAWAY from the peer: last \(last) \(code) \(text)\n")
        case .rstStream(let code):
            FileHandleStderr.write("buildtop: HTTP/2 RST_STREAM \(frame.streamID) \(code)\n")
        default: break
        }
        context.fireChannelRead(data)
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        FileHandleStderr.write("buildtop: HTTP/2 error: \(error)\n")
        context.fireErrorCaught(error)
    }
}

enum FileHandleStderr {
    static func write(_ s: String) {
        var b = Array(s.utf8)
        _ = b.withUnsafeMutableBytes { Glibc.write(2, $0.baseAddress, $0.count) }
    }
}

/// Tracks the socket's writability (NIO's watermarks) and lets writers wait until it takes
/// bytes again.
final class WritabilityGate: ChannelInboundHandler, Sendable {
    typealias InboundIn = Any

    private let state = Mutex<(writable: Bool, closed: Bool, waiters: [CheckedContinuation<Void, Never>])>((true, false, []))

    func channelWritabilityChanged(context: ChannelHandlerContext) {
        set(writable: context.channel.isWritable)
        context.fireChannelWritabilityChanged()
    }

    func channelInactive(context: ChannelHandlerContext) {
        state.withLock { $0.closed = true }
        set(writable: true)
        context.fireChannelInactive()
    }

    private func set(writable: Bool) {
        let resume = state.withLock { s -> [CheckedContinuation<Void, Never>] in
            s.writable = writable
            guard writable else { return [] }
            let w = s.waiters
            s.waiters = []
            return w
        }
        for c in resume { c.resume() }
    }

    /// Returns once the socket takes bytes (or the connection closed).
    func waitWritable() async {
        await withCheckedContinuation { (c: CheckedContinuation<Void, Never>) in
            let now = state.withLock { s -> Bool in
                if s.writable || s.closed { return true }
                s.waiters.append(c)
                return false
            }
            if now { c.resume() }
        }
    }
}
