import BuildEvents
import BuildModel
import Foundation
import HistoryModel

extension HistoryEntry {
    /// The result the record keeps (a stored stream has none): the build's last event.
    public var endEvent: DriverEvent {
        switch status {
        case .completed: .finished(.succeeded(imageID: imageID))
        case .failed: .finished(.failed(error ?? "failed"))
        case .canceled: .finished(.canceled)
        case .interrupted: .finished(.failed(error ?? "buildtop stopped before the build ended"))
        case .running: .streamEnded
        }
    }
}

extension HistoryStore {
    /// Reads a build's stored stream in pieces of `chunk` bytes, handing each decoded item to
    /// `body` (memory stays bounded by the chunk and one frame). A process killed mid-build
    /// leaves a frame cut short: that tail is dropped silently for interrupted or running builds.
    public func readStream(_ entry: HistoryEntry, chunk: Int = 1 << 20, _ body: (StreamItem) -> Void) throws(HistoryError) {
        let path = streamURL(entry.ref).path
        let fd = Glibc.open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { throw HistoryError("the status stream of build \(entry.ref) cannot be read (\(path): \(String(cString: strerror(errno))))") }
        defer { Glibc.close(fd) }
        var decoder = StatusFrames.Decoder()
        var buffer = [UInt8](repeating: 0, count: chunk)
        while true {
            let n = buffer.withUnsafeMutableBytes { Glibc.read(fd, $0.baseAddress, $0.count) }
            if n < 0, errno == EINTR { continue }
            if n < 0 { throw HistoryError("cannot read \(path): \(String(cString: strerror(errno)))") }
            if n == 0 { break }
            for item in decoder.feed(buffer[0..<n]) { body(item) }
        }
        let cutShort = entry.status == .interrupted || entry.status == .running
        for item in decoder.finish() {
            if case .malformed = item, cutShort { continue }
            body(item)
        }
    }

    /// A stored build's events: its stream, then its recorded end.
    public func events(_ entry: HistoryEntry, _ post: (DriverEvent) -> Void) throws(HistoryError) {
        try readStream(entry) { item in
            switch item {
            case .status(let s): post(.status(s))
            case .text(let t): post(.output(t))
            case .imageID(let id): post(.imageID(id))
            case .error(let e): post(.output("ERROR: " + e))
            case .malformed(let m): post(.output("the stored stream is damaged: " + m))
            }
        }
        post(entry.endEvent)
    }

    /// The build folded from its stored stream, ended with its recorded result.
    public func state(_ entry: HistoryEntry) throws(HistoryError) -> BuildState {
        var st = BuildState(name: entry.name)
        try events(entry) { _ = st.apply($0) }
        return st
    }

    /// What the comparisons take of a stored build.
    public func snapshot(_ entry: HistoryEntry) throws(HistoryError) -> BuildSnapshot {
        var args: [String: String] = [:]
        for a in entry.request.buildArgs { args[a.name] = a.value ?? "(from the environment)" }
        return BuildSnapshot(
            state: try state(entry), buildArgs: args, noCache: entry.request.noCache, manifest: manifest(entry.ref),
            builder: entry.builder, target: entry.request.target)
    }
}
