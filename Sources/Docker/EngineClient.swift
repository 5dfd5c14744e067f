import Foundation
import NIOCore
import NIOHTTP1
import NIOPosix
import NIOSSL

/// A failure talking to the Docker Engine, as one line for the user.
public struct EngineError: Error, CustomStringConvertible, Equatable {
    /// What went wrong, where callers act on it.
    public enum Kind: Sendable, Equatable {
        /// Any other failure.
        case other
        /// The connection closed before the request head went out: nothing reached the engine.
        case closedBeforeRequest
        /// The request body could not be read (e.g. a file of the build context became
        /// unreadable): the user's input, not the engine.
        case bodyUnreadable
    }

    /// The message.
    public let description: String
    /// What went wrong.
    public var kind: Kind

    /// Creates an error.
    public init(_ description: String, kind: Kind = .other) {
        self.description = description
        self.kind = kind
    }
}

/// What `GET /version` reports.
public struct EngineVersion: Sendable, Equatable {
    /// Engine version, e.g. `20.10.24+dfsg1`.
    public var version: String
    /// Highest API version, e.g. `1.41`.
    public var apiVersion: String
    /// Operating system.
    public var os: String
    /// Architecture.
    public var arch: String
}

/// Source of a streamed request body (the build context tar), read on a thread pool thread.
public protocol RequestBodySource: AnyObject {
    /// The next piece of the body, nil at the end. May block on file I/O.
    func readChunk() throws -> [UInt8]?
}

/// An HTTP/1.1 client for the Docker Engine API over a unix socket or TCP (optionally TLS), on
/// SwiftNIO's HTTP codec. Responses stream; request bodies stream with backpressure.
public final class EngineClient: Sendable {
    /// API version prefix used for every call (dockerd 20.10 and later accept it).
    public static let apiVersion = "v1.41"

    /// Where the engine is.
    public let endpoint: DockerEndpoint
    private let tls: NIOSSLContext?
    private let sniHost: String?
    /// How long a connection may take to open.
    public let connectTimeout: TimeAmount

    typealias Connection = NIOAsyncChannel<HTTPClientResponsePart, HTTPClientRequestPart>

    /// Prepares a client; fails for transports that are not supported yet (`ssh://`) or bad TLS files.
    public init(endpoint: DockerEndpoint, connectTimeout: TimeAmount = .seconds(10)) throws(EngineError) {
        self.endpoint = endpoint
        self.connectTimeout = connectTimeout
        switch endpoint.transport {
        case .ssh(let host):
            throw EngineError(
                "ssh:// engine endpoints (\(host)) are not supported yet; use a unix:// or tcp:// host, or a local socket forwarded with `ssh -L`"
            )
        case .unix, .tcp:
            (tls, sniHost) = try Self.tlsContext(for: endpoint)
        }
    }

    /// The TLS context (and server name) for an endpoint, nil for plain connections.
    public static func tlsContext(for endpoint: DockerEndpoint) throws(EngineError) -> (NIOSSLContext?, String?) {
        guard case .tcp(let host, _) = endpoint.transport, let files = endpoint.tls else { return (nil, nil) }
        do {
            var config = TLSConfiguration.makeClientConfiguration()
            if let ca = files.caPath { config.trustRoots = .file(ca) }
            if let cert = files.certPath, let key = files.keyPath {
                config.certificateChain = try NIOSSLCertificate.fromPEMFile(cert).map { .certificate($0) }
                config.privateKey = .privateKey(try NIOSSLPrivateKey(file: key, format: .pem))
            }
            let isIP = host.allSatisfy { $0.isNumber || $0 == "." || $0 == ":" }
            config.certificateVerification =
                !files.verify ? .none : (isIP ? .noHostnameVerification : .fullVerification)
            return (try NIOSSLContext(configuration: config), isIP ? nil : host)
        } catch {
            throw EngineError("cannot load TLS files for \(endpoint.host): \(error)")
        }
    }

    // MARK: - Calls

    /// `GET /_ping`; throws a clear error when the engine cannot be reached.
    public func ping() async throws(EngineError) {
        let (status, body) = try await request(method: .GET, path: "/_ping")
        guard status == 200 else {
            throw EngineError("engine at \(endpoint.host) answered /_ping with HTTP \(status): \(Self.message(body))")
        }
    }

    /// `GET /version`.
    public func version() async throws(EngineError) -> EngineVersion {
        let (status, body) = try await request(method: .GET, path: "/\(Self.apiVersion)/version")
        guard status == 200,
            let obj = try? JSONSerialization.jsonObject(with: Data(body)) as? [String: Any]
        else {
            throw EngineError("engine at \(endpoint.host) answered /version with HTTP \(status): \(Self.message(body))")
        }
        return EngineVersion(
            version: obj["Version"] as? String ?? "?", apiVersion: obj["ApiVersion"] as? String ?? "?",
            os: obj["Os"] as? String ?? "?", arch: obj["Arch"] as? String ?? "?")
    }

    /// `POST /build/cancel?id=…`.
    public func cancelBuild(id: String) async throws(EngineError) {
        let (status, body) = try await request(
            method: .POST, path: "/\(Self.apiVersion)/build/cancel", query: [("id", id)])
        guard status == 200 else {
            throw EngineError("cancel failed: HTTP \(status): \(Self.message(body))")
        }
    }

    /// A request whose whole (small) response body is collected. A connection that closes before
    /// any answer is tried again (three attempts in all); these calls are safe to repeat.
    public func request(
        method: HTTPMethod, path: String, query: [(String, String)] = []
    ) async throws(EngineError) -> (status: Int, body: [UInt8]) {
        var attempt = 1
        while true {
            do {
                return try await requestOnce(method: method, path: path, query: query)
            } catch let failure as NoAnswer {
                if attempt >= 3 || Task.isCancelled { throw connectionError(failure.underlying) }
                try? await Task.sleep(for: .milliseconds(50 * attempt))
                attempt += 1
            } catch let e as EngineError {
                throw e
            } catch {
                throw connectionError(error)
            }
        }
    }

    /// The connection failed before the engine answered anything.
    struct NoAnswer: Error {
        let underlying: any Error
    }

    private func requestOnce(method: HTTPMethod, path: String, query: [(String, String)]) async throws -> (status: Int, body: [UInt8]) {
        let conn = try await connect()
        return try await conn.executeThenClose { inbound, outbound in
            var status = 0
            var body: [UInt8] = []
            // The head and the end in one write: the engine answers a bodiless request after its
            // head and closes the connection (`Connection: close`); a second write could then find
            // the channel closed ("I/O on closed channel", about one `buildtop build` in 60 when it
            // pinged the engine). Should the write fail all the same, the answer may have come:
            // it is read before the failure counts.
            var writeFailure: (any Error)?
            do {
                try await outbound.write(contentsOf: [.head(self.head(method: method, path: path, query: query, chunked: false)), .end(nil)])
            } catch {
                writeFailure = error
            }
            do {
                for try await part in inbound {
                    switch part {
                    case .head(let h): status = Int(h.status.code)
                    case .body(let buf): body.append(contentsOf: buf.readableBytesView)
                    case .end: return (status, body)
                    }
                }
            } catch {
                if status == 0 { throw NoAnswer(underlying: writeFailure ?? error) }
                throw error
            }
            if status == 0 { throw NoAnswer(underlying: writeFailure ?? EngineError("the engine closed the connection before answering")) }
            throw EngineError("the engine closed the connection before answering")
        }
    }

    /// The response to a streamed POST: its status, and then its body as it arrives.
    public enum StreamPart: Sendable {
        /// The response status and, for errors, the whole body.
        case head(status: Int)
        /// A piece of the body.
        case body([UInt8])
    }

    /// Sends a POST whose body comes from `body` (streamed, with backpressure) and streams the
    /// response. The stream throws `EngineError` when the connection drops before the response ends.
    public func streamingPost(
        path: String, query: [(String, String)], contentType: String, body: (any RequestBodySource)?
    ) -> AsyncThrowingStream<StreamPart, any Error> {
        let box = BodyBox(body)
        return AsyncThrowingStream { continuation in
            let task = Task {
                do {
                    let conn = try await self.connect()
                    try await conn.executeThenClose { inbound, outbound in
                        var head = self.head(method: .POST, path: path, query: query, chunked: box.source != nil)
                        head.headers.add(name: "Content-Type", value: contentType)
                        do {
                            try await outbound.write(.head(head))
                        } catch {
                            throw EngineError("the connection closed before the request was sent (\(Self.shortReason(error)))", kind: .closedBeforeRequest)
                        }
                        try await withThrowingTaskGroup(of: Void.self) { group in
                            let channel = conn.channel
                            group.addTask {
                                // Errors writing the body surface through the response (or its absence);
                                // a body that cannot be read closes the connection and is reported as such.
                                do {
                                    while true {
                                        let chunk: [UInt8]?
                                        do {
                                            chunk = try await NIOThreadPool.singleton.runIfActive({ try box.next() })
                                        } catch {
                                            if Task.isCancelled { return }
                                            box.failure = EngineError("the build context could not be sent: \(error)", kind: .bodyUnreadable)
                                            channel.close(promise: nil)
                                            return
                                        }
                                        guard let chunk else { break }
                                        try await outbound.write(.body(.byteBuffer(ByteBuffer(bytes: chunk))))
                                    }
                                    try await outbound.write(.end(nil))
                                } catch {
                                    if Task.isCancelled { return }
                                    throw error
                                }
                            }
                            var ended = false
                            var answered = false
                            do {
                                for try await part in inbound {
                                    switch part {
                                    case .head(let h):
                                        answered = true
                                        continuation.yield(.head(status: Int(h.status.code)))
                                    case .body(let buf): continuation.yield(.body(Array(buf.readableBytesView)))
                                    case .end:
                                        ended = true
                                    }
                                    if ended { break }
                                }
                            } catch {
                                if let failure = box.failure { throw failure }
                                let phase = answered ? "while reading the response" : "before the engine answered"
                                throw EngineError("the connection failed \(phase) (\(Self.shortReason(error)))")
                            }
                            group.cancelAll()
                            if let failure = box.failure { throw failure }
                            if !ended { throw EngineError("the engine closed the connection") }
                            // Collect a writer failure only if it was a context error (a real user error).
                            while let result = await group.nextResult() {
                                if case .failure(let e as EngineError) = result { throw e }
                            }
                        }
                    }
                    continuation.finish()
                } catch let e as EngineError {
                    continuation.finish(throwing: e)
                } catch is CancellationError {
                    continuation.finish(throwing: CancellationError())
                } catch {
                    continuation.finish(throwing: self.connectionError(error))
                }
            }
            continuation.onTermination = { _ in task.cancel() }
        }
    }

    // MARK: - Plumbing

    func head(method: HTTPMethod, path: String, query: [(String, String)], chunked: Bool) -> HTTPRequestHead {
        var uri = path
        if !query.isEmpty {
            uri += "?" + query.map { "\(Self.percentEncode($0.0))=\(Self.percentEncode($0.1))" }.joined(separator: "&")
        }
        var head = HTTPRequestHead(version: .http1_1, method: method, uri: uri)
        switch endpoint.transport {
        case .tcp(let host, let port): head.headers.add(name: "Host", value: "\(host):\(port)")
        default: head.headers.add(name: "Host", value: "docker")
        }
        head.headers.add(name: "User-Agent", value: "buildtop/\(BuildtopVersion.current)")
        head.headers.add(name: "Connection", value: "close")
        if chunked {
            head.headers.add(name: "Transfer-Encoding", value: "chunked")
        } else if method == .POST {
            head.headers.add(name: "Content-Length", value: "0")
        }
        return head
    }

    func connect() async throws -> Connection {
        let tls = self.tls
        let sni = self.sniHost
        let bootstrap = ClientBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .connectTimeout(connectTimeout)
        let initializer: @Sendable (any Channel) -> EventLoopFuture<Connection> = { channel in
            channel.eventLoop.makeCompletedFuture {
                if let tls {
                    try channel.pipeline.syncOperations.addHandler(NIOSSLClientHandler(context: tls, serverHostname: sni))
                }
                try channel.pipeline.syncOperations.addHTTPClientHandlers()
                return try Connection(wrappingChannelSynchronously: channel)
            }
        }
        switch endpoint.transport {
        case .unix(let path):
            return try await bootstrap.connect(unixDomainSocketPath: path, channelInitializer: initializer)
        case .tcp(let host, let port):
            return try await bootstrap.connect(host: host, port: port, channelInitializer: initializer)
        case .ssh(let host):
            throw EngineError("ssh:// engine endpoints (\(host)) are not supported yet")
        }
    }

    func connectionError(_ error: any Error) -> EngineError {
        let text = "\(error)"
        if text.contains("connect") || text.contains("No such file") || text.contains("refused")
            || error is NIOConnectionError || error is IOError
        {
            return EngineError(
                "cannot connect to the Docker engine at \(endpoint.host): \(Self.shortReason(error)); is the docker daemon running?"
            )
        }
        return EngineError("engine connection lost (\(endpoint.host)): \(Self.shortReason(error))")
    }

    public static func shortReason(_ error: any Error) -> String {
        if let io = error as? IOError { return String(cString: strerror(io.errnoCode)) }
        if let c = error as? NIOConnectionError, let first = c.connectionErrors.first {
            return shortReason(first.error)
        }
        return "\(error)"
    }

    /// The `message` of an engine error body, or the body as text.
    static func message(_ body: [UInt8]) -> String {
        if let obj = try? JSONSerialization.jsonObject(with: Data(body)) as? [String: Any],
            let m = obj["message"] as? String
        {
            return m
        }
        return String(decoding: body.prefix(300), as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
    }

    static func percentEncode(_ s: String) -> String {
        var allowed = CharacterSet.alphanumerics
        allowed.insert(charactersIn: "-._~")
        return s.addingPercentEncoding(withAllowedCharacters: allowed) ?? s
    }
}

/// Hands a non-Sendable body source to the thread pool; it is only ever used by one task at a time
/// (the writer loop awaits each chunk before asking for the next).
final class BodyBox: @unchecked Sendable {  // `source` is read by one task at a time; `failure` under `lock`
    let source: (any RequestBodySource)?
    private let lock = NSLock()
    private var storedFailure: EngineError?

    /// Why the body could not be read, once it could not.
    var failure: EngineError? {
        get { lock.withLock { storedFailure } }
        set { lock.withLock { storedFailure = newValue } }
    }

    init(_ source: (any RequestBodySource)?) {
        self.source = source
    }

    func next() throws -> [UInt8]? {
        try source?.readChunk()
    }
}
