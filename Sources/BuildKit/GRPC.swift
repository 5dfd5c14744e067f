import NIOCore
import NIOHPACK
import NIOHTTP2

/// gRPC over one HTTP/2 stream (BUILDKIT-NATIVE.md §2): each message is a 0 flag byte, a 4-byte
/// big-endian length and the protobuf bytes, carried in DATA frames split and merged freely;
/// the call ends with trailers carrying `grpc-status` (and `grpc-message`). No compression.
enum GRPC {
    /// BuildKit's (and grpc-go's default) largest message: 4 MiB.
    static let maxMessage = 4 * 1024 * 1024

    /// Splits DATA bytes into messages.
    struct Deframer {
        private var buffer: [UInt8] = []
        private var start = 0

        mutating func append(_ buf: ByteBuffer) {
            buffer += buf.readableBytesView
        }

        /// The next complete message, nil when more bytes are needed.
        mutating func next() throws -> [UInt8]? {
            let available = buffer.count - start
            guard available >= 5 else { compact(); return nil }
            if buffer[start] != 0 { throw BuildKitError("compressed gRPC messages are not supported") }
            let length = Int(buffer[start + 1]) << 24 | Int(buffer[start + 2]) << 16 | Int(buffer[start + 3]) << 8 | Int(buffer[start + 4])
            guard length <= GRPC.maxMessage * 2 else { throw BuildKitError("gRPC message of \(length) bytes is too large") }
            guard available >= 5 + length else { compact(); return nil }
            let message = Array(buffer[(start + 5)..<(start + 5 + length)])
            start += 5 + length
            return message
        }

        private mutating func compact() {
            if start > 0 {
                buffer.removeFirst(start)
                start = 0
            }
        }
    }

    /// One message framed for the wire.
    static func frame(_ message: [UInt8], allocator: ByteBufferAllocator) -> ByteBuffer {
        var buf = allocator.buffer(capacity: message.count + 5)
        buf.writeInteger(UInt8(0))
        buf.writeInteger(UInt32(message.count))
        buf.writeBytes(message)
        return buf
    }

    /// `grpc-message` values are percent-encoded.
    static func decodeMessage(_ s: String) -> String {
        var out: [UInt8] = []
        let b = Array(s.utf8)
        var i = 0
        while i < b.count {
            if b[i] == 37, i + 2 < b.count, let v = UInt8(String(decoding: b[(i + 1)...(i + 2)], as: UTF8.self), radix: 16) {
                out.append(v)
                i += 3
            } else {
                out.append(b[i])
                i += 1
            }
        }
        return String(decoding: out, as: UTF8.self)
    }

    static func encodeMessage(_ s: String) -> String {
        var out = ""
        for b in s.utf8 {
            if b >= 0x20, b < 0x7f, b != 37 { out.append(Character(Unicode.Scalar(b))) } else { out += "%" + String(format2(b)) }
        }
        return out
    }

    private static func format2(_ b: UInt8) -> String {
        let hex = Array("0123456789ABCDEF")
        return String([hex[Int(b >> 4)], hex[Int(b & 15)]])
    }
}

/// The end of a call.
struct GRPCStatus: Error, Sendable, Equatable {
    /// 0 = OK, 2 = UNKNOWN (every build error), 5 = NOT_FOUND, 8 = RESOURCE_EXHAUSTED, 12 = UNIMPLEMENTED.
    var code: Int
    var message: String

    static let ok = GRPCStatus(code: 0, message: "")
    static func unimplemented(_ path: String) -> GRPCStatus { GRPCStatus(code: 12, message: "unknown method \(path)") }
}

// MARK: - Client calls

/// gRPC calls on the client side of an HTTP/2 connection (`/grpc`).
struct GRPCClient: Sendable {
    let connection: H2Connection

    /// Sends the request messages and returns the response messages as they arrive; the stream
    /// ends after the trailers (a non-zero `grpc-status` ends it with a `BuildKitError`).
    /// Cancelling the consuming task resets the stream (RST_STREAM CANCEL).
    func call(path: String, requests: [[UInt8]], metadata: [(String, String)] = []) -> AsyncThrowingStream<[UInt8], any Error> {
        let multiplexer = connection.multiplexer
        return AsyncThrowingStream { continuation in
            let task = Task {
                do {
                    let stream = try await multiplexer.openStream { channel in
                        channel.eventLoop.makeCompletedFuture { try StreamChannel(wrappingChannelSynchronously: channel) }
                    }
                    try await stream.executeThenClose { inbound, outbound in
                        var headers = HPACKHeaders([
                            (":method", "POST"), (":scheme", "http"), (":path", path), (":authority", "localhost"),
                            ("content-type", "application/grpc"), ("te", "trailers"), ("user-agent", "buildtop"),
                        ])
                        for (k, v) in metadata { headers.add(name: k, value: v) }
                        try await outbound.write(.headers(.init(headers: headers)))
                        for (i, r) in requests.enumerated() {
                            let data = GRPC.frame(r, allocator: stream.channel.allocator)
                            try await outbound.write(.data(.init(data: .byteBuffer(data), endStream: i == requests.count - 1)))
                        }
                        if requests.isEmpty {
                            try await outbound.write(.data(.init(data: .byteBuffer(ByteBuffer()), endStream: true)))
                        }
                        var deframer = GRPC.Deframer()
                        var status: GRPCStatus?
                        for try await frame in inbound {
                            switch frame {
                            case .headers(let h):
                                if let s = GRPCClient.status(h.headers) {
                                    status = s
                                } else if let st = h.headers.first(name: ":status"), st != "200" {
                                    status = GRPCStatus(code: 2, message: "HTTP status \(st)")
                                }
                                if h.endStream || status != nil { break }
                            case .data(let d):
                                if case .byteBuffer(let b) = d.data { deframer.append(b) }
                                while let m = try deframer.next() { continuation.yield(m) }
                                if d.endStream { break }
                            case .rstStream(let code):
                                if status == nil { status = GRPCStatus(code: 14, message: "stream reset by the daemon (\(code))") }
                            default: break
                            }
                            if status != nil { break }
                        }
                        let final = status ?? GRPCStatus(code: 14, message: "the daemon ended the call without a status")
                        if final.code != 0 { throw BuildKitError(final.message, code: final.code) }
                    }
                    continuation.finish()
                } catch is CancellationError {
                    continuation.finish(throwing: CancellationError())
                } catch {
                    continuation.finish(throwing: error)
                }
            }
            continuation.onTermination = { _ in task.cancel() }
        }
    }

    /// A unary call.
    func unary(path: String, request: [UInt8], metadata: [(String, String)] = []) async throws -> [UInt8] {
        var answer: [UInt8]?
        for try await m in call(path: path, requests: [request], metadata: metadata) where answer == nil { answer = m }
        guard let answer else { throw BuildKitError("\(path) returned no message") }
        return answer
    }

    static func status(_ h: HPACKHeaders) -> GRPCStatus? {
        guard let s = h.first(name: "grpc-status"), let code = Int(s) else { return nil }
        return GRPCStatus(code: code, message: GRPC.decodeMessage(h.first(name: "grpc-message") ?? ""))
    }
}

// MARK: - Server side

/// One call the daemon made to us (on `/session`).
struct IncomingCall: Sendable {
    /// `/package.Service/Method`.
    let path: String
    /// Request metadata (lower-case names; repeated names keep every value).
    let metadata: [(String, String)]
    /// The request messages.
    let requests: AsyncThrowingStream<[UInt8], any Error>
    /// Sends one response message.
    let send: @Sendable ([UInt8]) async throws -> Void
    /// Waits until the connection's socket takes more bytes (big uploads call it per chunk).
    let writable: @Sendable () async -> Void
    /// Sends messages the caller framed itself (one write for many small ones, or a big one
    /// without copies); nil where only `send` is served.
    var sendFramed: (@Sendable (ByteBuffer) async throws -> Void)? = nil
    /// Allocates buffers for `sendFramed`.
    var allocator = ByteBufferAllocator()

    /// Sends the framed messages in `buffer` (falls back to one `send` per message).
    func send(framed buffer: ByteBuffer) async throws {
        if let sendFramed { return try await sendFramed(buffer) }
        var b = buffer
        while b.readableBytes >= 5, let _ = b.readInteger(as: UInt8.self), let n = b.readInteger(as: UInt32.self),
            let m = b.readBytes(length: Int(n))
        {
            try await send(m)
        }
    }

    /// All values of a metadata key.
    func values(_ name: String) -> [String] { metadata.filter { $0.0 == name }.map(\.1) }
}

/// Serves the daemon's calls on a connection where we are the HTTP/2 server.
enum GRPCServer {
    typealias Handler = @Sendable (IncomingCall) async -> GRPCStatus

    /// Serves every stream the peer opens until the connection closes.
    static func serve(_ connection: H2Connection, handler: @escaping Handler) async {
        let gate = connection.gate
        await withDiscardingTaskGroup { group in
            do {
                for try await stream in connection.multiplexer.inbound {
                    group.addTask { await serveStream(stream, gate: gate, handler: handler) }
                }
            } catch {}
        }
    }

    static func serveStream(_ stream: StreamChannel, gate: WritabilityGate, handler: @escaping Handler) async {
        let channel = stream.channel
        let closed = stream.channel.closeFuture
        try? await stream.executeThenClose { inbound, outbound in
            let (requests, input) = AsyncThrowingStream<[UInt8], any Error>.makeStream()
            let (heads, headSink) = AsyncStream<HPACKHeaders?>.makeStream()
            let writer = ResponseWriter(channel: channel)
            _ = outbound
            await withTaskGroup(of: Void.self) { group in
                // The reader: the request headers, then the request messages. The handler's end,
                // not the peer's, ends the call (the daemon often never half-closes).
                group.addTask {
                    var gotHead = false
                    var deframer = GRPC.Deframer()
                    do {
                        for try await frame in inbound {
                            switch frame {
                            case .headers(let h):
                                if !gotHead {
                                    gotHead = true
                                    headSink.yield(h.headers)
                                    headSink.finish()
                                }
                                if h.endStream {
                                    input.finish()
                                    return
                                }
                            case .data(let d):
                                if case .byteBuffer(let b) = d.data { deframer.append(b) }
                                while let m = try deframer.next() { input.yield(m) }
                                if d.endStream {
                                    input.finish()
                                    return
                                }
                            case .rstStream:
                                input.finish(throwing: BuildKitError("the daemon reset the call"))
                                return
                            default: break
                            }
                        }
                        input.finish()
                    } catch {
                        input.finish(throwing: error)
                    }
                    if !gotHead {
                        headSink.yield(nil)
                        headSink.finish()
                    }
                }
                var it = heads.makeAsyncIterator()
                guard let head = await it.next(), let headers = head else {
                    group.cancelAll()
                    return
                }
                let path = headers.first(name: ":path") ?? ""
                let metadata = headers.filter { !$0.name.hasPrefix(":") }.map { ($0.name.lowercased(), $0.value) }
                let call = IncomingCall(
                    path: path, metadata: metadata, requests: requests, send: { m in try await writer.send(m) },
                    writable: { await gate.waitWritable() }, sendFramed: { b in try await writer.send(framed: b) },
                    allocator: writer.allocator)
                let result = await handler(call)
                try? await writer.finish(result)
                // Closing the stream now would reset it and drop what flow control still holds
                // (the response and trailers wait there while a big upload fills the window):
                // let it close by itself once both sides ended, or give up after a while.
                group.addTask { try? await closed.get() }
                group.addTask { try? await Task.sleep(for: .seconds(30)) }
                _ = await group.next()
                group.cancelAll()
            }
        }
    }
}

/// Writes a call's response: headers before the first message, then messages, then trailers.
/// Each write waits until HTTP/2 flow control let it out, so a big upload holds one chunk in
/// memory, not whatever window the peer granted (grpc-go's BDP estimator grows it to megabytes).
actor ResponseWriter {
    let channel: any Channel
    var sentHeaders = false
    var finished = false
    /// Writes not out yet (at most `depth`): a little pipelining keeps the socket busy.
    var inFlight: [EventLoopFuture<Void>] = []
    static let depth = 4

    init(channel: any Channel) {
        self.channel = channel
    }

    private func write(_ payload: HTTP2Frame.FramePayload) async throws {
        inFlight.append(channel.writeAndFlush(payload))
        while inFlight.count > Self.depth { try await inFlight.removeFirst().get() }
    }

    private func drain() async throws {
        while !inFlight.isEmpty { try await inFlight.removeFirst().get() }
    }

    func send(_ message: [UInt8]) async throws {
        guard !finished else { return }
        try await headers()
        try await write(.data(.init(data: .byteBuffer(GRPC.frame(message, allocator: channel.allocator)))))
    }

    /// Sends messages already framed (several may share the buffer): one write.
    func send(framed buffer: ByteBuffer) async throws {
        guard !finished, buffer.readableBytes > 0 else { return }
        try await headers()
        try await write(.data(.init(data: .byteBuffer(buffer))))
    }

    /// The allocator of the connection (for callers that frame messages themselves).
    nonisolated var allocator: ByteBufferAllocator { channel.allocator }

    private func headers() async throws {
        guard !sentHeaders else { return }
        sentHeaders = true
        try await write(.headers(.init(headers: HPACKHeaders([(":status", "200"), ("content-type", "application/grpc")]))))
    }

    func finish(_ status: GRPCStatus) async throws {
        guard !finished else { return }
        finished = true
        var trailers = HPACKHeaders([("grpc-status", String(status.code))])
        if !status.message.isEmpty { trailers.add(name: "grpc-message", value: GRPC.encodeMessage(status.message)) }
        if !sentHeaders {
            // Trailers-only response.
            sentHeaders = true
            var ordered = HPACKHeaders([(":status", "200"), ("content-type", "application/grpc")])
            for h in trailers { ordered.add(name: h.name, value: h.value) }
            try await write(.headers(.init(headers: ordered, endStream: true)))
            try await drain()
            return
        }
        try await write(.headers(.init(headers: trailers, endStream: true)))
        try await drain()
    }
}
