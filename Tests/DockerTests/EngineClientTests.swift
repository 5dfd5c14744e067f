import Foundation
import Testing

@testable import Docker

#if canImport(Glibc)
import Glibc
#endif

/// A unix-socket HTTP server on a thread of its own that answers each request as the engine
/// answers `/_ping`: once the request head is in, the response and then the close
/// (`Connection: close`), without waiting for anything more.
final class AnswerAndCloseServer: @unchecked Sendable {
    let path: String
    private let listener: Int32
    private let lock = NSLock()
    private var accepted = 0
    private var thread: Thread?

    init() throws {
        path = "/tmp/bt-ping-\(UUID().uuidString.prefix(8)).sock"
        listener = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue), 0)
        guard listener >= 0 else { throw EngineError("socket: \(errno)") }
        var addr = sockaddr_un()
        addr.sun_family = sa_family_t(AF_UNIX)
        withUnsafeMutableBytes(of: &addr.sun_path) { raw in
            for (i, b) in path.utf8.enumerated() { raw[i] = b }
        }
        let bound = withUnsafePointer(to: &addr) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(listener, $0, socklen_t(MemoryLayout<sockaddr_un>.size)) }
        }
        guard bound == 0, listen(listener, 64) == 0 else { throw EngineError("bind/listen: \(errno)") }
        let t = Thread { [self] in serve() }
        thread = t
        t.start()
    }

    /// Connections accepted so far.
    var connections: Int { lock.withLock { accepted } }

    private func serve() {
        while true {
            let fd = accept(listener, nil, nil)
            if fd < 0 { return }  // the listener was shut down
            lock.withLock { accepted += 1 }
            var head: [UInt8] = []
            var buf = [UInt8](repeating: 0, count: 4096)
            while !head.suffix(4).elementsEqual("\r\n\r\n".utf8) {
                let n = read(fd, &buf, buf.count)
                if n <= 0 { break }
                head += buf[0..<n]
            }
            var answer = Array("HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 2\r\nConnection: close\r\n\r\nOK".utf8)
            _ = write(fd, &answer, answer.count)
            close(fd)
        }
    }

    func stop() {
        shutdown(listener, Int32(SHUT_RDWR))
        close(listener)
        unlink(path)
    }
}

@Suite struct EngineClientTests {
    /// The engine answers a bodiless request once its head is in and closes the connection. The
    /// request's head and end went out in two writes; when the answer and the close came between
    /// them (about one `buildtop build` in 60 on the private engine, seen with a descriptor log
    /// and the channel's events: head written, answer read, channel closed, then the end's write
    /// failed with "I/O on closed channel"), the answer was dropped and the call tried again, and
    /// after three such failures the build ended with "engine connection lost". Now head and end
    /// are one write and an answer that came is read even if the write failed. This server does
    /// not reproduce that timing (the gap needs a thread preempted between the writes); it checks
    /// that every call against such a server takes one connection and gets its answer.
    @Test func answeredAndClosedAfterTheHead() async throws {
        let server = try AnswerAndCloseServer()
        defer { server.stop() }
        let client = try EngineClient(endpoint: DockerEndpoint(
            transport: .unix(path: server.path), tls: nil, contextName: "test", host: "unix://" + server.path))
        let calls = 400
        for _ in 0..<calls {
            try await client.ping()
        }
        #expect(server.connections == calls, "\(server.connections - calls) calls were tried again after losing an answer")
    }
}

