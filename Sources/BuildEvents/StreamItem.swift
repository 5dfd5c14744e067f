import BuildModel

/// One decoded item of a build stream (rawjson or Engine API).
public enum StreamItem: Sendable, Equatable {
    /// A BuildKit status update.
    case status(SolveStatus)
    /// The image the build exported (`moby.image.id`).
    case imageID(String)
    /// The build failed with this message (`errorDetail`, or a stray `ERROR: …` line).
    case error(String)
    /// Other text (a stray line, an engine `stream` message).
    case text(String)
    /// A value that could not be decoded; one line describing why.
    case malformed(String)
}

/// Which encoding a saved stream uses.
public enum StreamFormat: String, Sendable, Equatable {
    /// `--progress=rawjson`: concatenated `client.SolveStatus` JSON values.
    case rawjson
    /// The body of Engine API `POST /build?version=2`.
    case engine
    /// BuildKit's `application/vnd.buildkit.status.v0` (the history store's streams).
    case statusV0

    /// Detects the format: a status.v0 frame (a little-endian length, then a StatusResponse whose
    /// first field is a vertex, status, log or warning), else from the first JSON object's first
    /// key; nil when none.
    public static func detect(_ prefix: [UInt8]) -> StreamFormat? {
        if prefix.count >= 5, [0x0a, 0x12, 0x1a, 0x22].contains(prefix[4]) {
            let n = Int(prefix[0]) | Int(prefix[1]) << 8 | Int(prefix[2]) << 16 | Int(prefix[3]) << 24
            if n > 0, n <= StatusFrames.maxFrame { return .statusV0 }
        }
        return prefix.withUnsafeBufferPointer { buf -> StreamFormat? in
            var r = JSONReader(buf)
            // Skip stray text lines before the first object.
            while let c = r.peek(), c != 123 {
                while !r.atEnd, buf[r.i] != 10 { r.i += 1 }
                if r.atEnd { return nil }
            }
            guard r.peek() == 123 else { return nil }
            r.i += 1
            guard let key = try? r.rawString() else { return nil }
            let k = UnsafeBufferPointer(rebasing: buf[key.start..<key.end])
            if keyIs(k, "vertexes") || keyIs(k, "statuses") || keyIs(k, "logs") || keyIs(k, "warnings")
                || keyIs(k, "Vertexes") || keyIs(k, "Statuses") || keyIs(k, "Logs")
            {
                return .rawjson
            }
            if keyIs(k, "id") || keyIs(k, "aux") || keyIs(k, "stream") || keyIs(k, "status")
                || keyIs(k, "errorDetail") || keyIs(k, "error") || keyIs(k, "progressDetail")
                || keyIs(k, "message")
            {
                return .engine
            }
            return nil
        }
    }

    /// Decodes a whole stream of this format.
    public func decodeAll(_ bytes: [UInt8]) -> [StreamItem] {
        switch self {
        case .rawjson: RawJSONDecoder.decodeAll(bytes)
        case .engine: EngineStreamDecoder.decodeAll(bytes)
        case .statusV0: StatusFrames.decodeAll(bytes)
        }
    }
}

/// When a replay shows each event: `speed` times as fast as recorded (0: at once), and no gap
/// longer than `maxGap` seconds of waiting (a recording paused for minutes plays on).
public enum ReplayPacing {
    /// The longest wait between two events, in seconds.
    public static let maxGap = 10.0

    /// Seconds to wait before each event, given the events' offsets (seconds since the stream's
    /// first time, non-decreasing) and the speed factor.
    public static func waits(offsets: [Double], speed: Double) -> [Double] {
        guard speed > 0 else { return offsets.map { _ in 0 } }
        var clock = 0.0
        return offsets.map { offset in
            guard offset > clock else { return 0 }
            let wait = min((offset - clock) / speed, maxGap)
            clock = offset
            return wait
        }
    }
}
