import BuildModel

/// Decodes a `--progress=rawjson` stream: concatenated `client.SolveStatus` JSON values, compact
/// (BuildKit ≥ 0.14, one per line) or indented (buildx 0.12–0.14), with stray non-JSON lines such as
/// `ERROR: …`, source snippets or `WARNING:` mixed in (they become `.error` / `.text`, never a crash).
///
/// Feed bytes as they arrive; values split across reads are completed by later reads.
public struct RawJSONDecoder: Sendable {
    private var buffer: [UInt8] = []
    private var consumed = 0

    /// Creates a decoder.
    public init() {}

    /// Feeds a chunk and returns the items it completed.
    public mutating func feed(_ chunk: some Sequence<UInt8>) -> [StreamItem] {
        buffer.append(contentsOf: chunk)
        return drain(final: false)
    }

    /// Ends the stream: returns what is left, reporting a truncated value as `.malformed`.
    public mutating func finish() -> [StreamItem] {
        drain(final: true)
    }

    /// Feeds bytes without copying them: values are parsed where they lie (for files read
    /// through `mmap`); only a value cut by the end of the chunk is copied, and completed with as
    /// few bytes of the next chunk as it needs.
    public mutating func feed(borrowing chunk: UnsafeBufferPointer<UInt8>) -> [StreamItem] {
        var items: [StreamItem] = []
        var offset = 0
        if buffer.count > consumed {
            buffer.removeFirst(consumed)
            consumed = 0
            let pending = buffer.count
            var taken = 0
            var step = max(4096, pending)
            var start = 0
            while true {
                let more = min(chunk.count - taken, step)
                buffer.append(contentsOf: UnsafeBufferPointer(rebasing: chunk[taken..<(taken + more)]))
                taken += more
                step *= 2
                let done = buffer.withUnsafeBufferPointer { Self.parse($0, from: start, final: false) { items.append($0) } }
                if done >= pending {
                    // The pending value is complete: go on in the chunk itself.
                    offset = done - pending
                    buffer.removeAll(keepingCapacity: true)
                    break
                }
                // What was emitted before `done` stays (a broken value waiting for its end may
                // leave several lines pending): go on from there, not from the start again.
                start = done
                if taken == chunk.count {
                    consumed = done
                    return items
                }
            }
        } else {
            buffer.removeAll(keepingCapacity: true)
            consumed = 0
        }
        let pos = Self.parse(chunk, from: offset, final: false) { items.append($0) }
        if pos < chunk.count { buffer.append(contentsOf: UnsafeBufferPointer(rebasing: chunk[pos...])) }
        return items
    }

    private mutating func drain(final: Bool) -> [StreamItem] {
        var items: [StreamItem] = []
        let from = consumed
        consumed = buffer.withUnsafeBufferPointer { buf in
            Self.parse(buf, from: from, final: final) { items.append($0) }
        }
        if consumed > 0, consumed >= buffer.count / 2 || consumed > 1 << 20 {
            buffer.removeFirst(consumed)
            consumed = 0
        }
        return items
    }

    /// Parses values and stray lines from `from`; returns where it stopped (at an unfinished value
    /// or line unless `final`).
    static func parse(_ buf: UnsafeBufferPointer<UInt8>, from: Int, final: Bool, _ emit: (StreamItem) -> Void) -> Int {
        var pos = from
        let n = buf.count
        while pos < n {
            let c = buf[pos]
            if c == 32 || c == 10 || c == 13 || c == 9 {
                pos += 1
                continue
            }
            if c == 123 {
                // Parse in place; a value cut by the end of the buffer waits for more bytes.
                var r = JSONReader(buf, at: pos)
                do throws(JSONError) {
                    let status = try SolveStatusJSON.read(&r)
                    emit(.status(status))
                    pos = r.i
                } catch {
                    if error.offset >= n {
                        // Ran out of bytes: more may come (or the stream was cut).
                        if final {
                            emit(.malformed("truncated JSON value at end of stream (\(n - pos) bytes)"))
                            pos = n
                        }
                        break
                    }
                    // A syntax error inside the data: skip the value when it closes, otherwise the
                    // line is a stray line that happens to start with `{` (it must not hold back
                    // the rest of the stream: a line starting with `{` ends it). Until one of
                    // the two is seen, wait for more bytes, so that how the stream was split
                    // into reads does not change the items.
                    switch RawJSONDecoder.valueEnd(buf, from: pos) {
                    case .closed(let end):
                        emit(.malformed("invalid rawjson status: \(error)"))
                        pos = end
                        continue
                    case .cut:
                        break
                    case .incomplete:
                        if !final { return pos }
                    }
                    guard let next = strayLine(buf, at: pos, final: final, emit) else { break }
                    pos = next
                }
                continue
            }
            guard let next = strayLine(buf, at: pos, final: final, emit) else { break }
            pos = next
        }
        return pos
    }

    /// Emits the text line at `pos` (a stray line) and returns where the next one starts; nil when
    /// the line is not finished yet (and more bytes may come).
    static func strayLine(_ buf: UnsafeBufferPointer<UInt8>, at pos: Int, final: Bool, _ emit: (StreamItem) -> Void) -> Int? {
        let n = buf.count
        var e = pos
        while e < n, buf[e] != 10 { e += 1 }
        if e == n, !final { return nil }
        var line = String(decoding: buf[pos..<e], as: UTF8.self)
        if line.hasSuffix("\r") { line.removeLast() }
        emit(RawJSONDecoder.classify(line))
        return min(e + 1, n)
    }

    /// A stray line: `ERROR: x` (buildx's final error line) becomes `.error(x)`.
    static func classify(_ line: String) -> StreamItem {
        if line.hasPrefix("ERROR: ") { return .error(String(line.dropFirst(7))) }
        if line.hasPrefix("error: ") { return .error(String(line.dropFirst(7))) }
        return .text(line)
    }

    /// How the JSON object starting at `from` ends (brackets matched, strings skipped).
    enum ValueEnd: Equatable {
        /// It closes at this index (exclusive).
        case closed(Int)
        /// A line starting with `{` (the next value) comes before it closes.
        case cut
        /// Not known yet: the bytes end before either.
        case incomplete
    }

    /// Where the JSON object starting at `from` ends (see ``ValueEnd``). A raw newline, which no
    /// JSON string holds, ends a string.
    static func valueEnd(_ buf: UnsafeBufferPointer<UInt8>, from: Int) -> ValueEnd {
        var depth = 0
        var i = from
        let n = buf.count
        while i < n {
            let c = buf[i]
            if c == 10 {
                if i + 1 == n { return .incomplete }
                if buf[i + 1] == 123 { return .cut }
            } else if c == 34 {
                i += 1
                while i < n {
                    let d = buf[i]
                    if d == 92, i + 1 < n, buf[i + 1] != 10 {
                        i += 2
                        continue
                    }
                    if d == 34 || d == 10 { break }
                    i += 1
                }
                if i >= n { return .incomplete }
                if buf[i] == 10 { continue }
            } else if c == 123 || c == 91 {
                depth += 1
            } else if c == 125 || c == 93 {
                depth -= 1
                if depth == 0 { return .closed(i + 1) }
            }
            i += 1
        }
        return .incomplete
    }

    static func decodeValue(_ buf: UnsafeBufferPointer<UInt8>) -> StreamItem {
        var r = JSONReader(buf)
        do {
            return .status(try SolveStatusJSON.read(&r))
        } catch {
            return .malformed("invalid rawjson status: \(error)")
        }
    }

    /// Decodes a whole buffer (a saved file) into items.
    public static func decodeAll(_ bytes: [UInt8]) -> [StreamItem] {
        var d = RawJSONDecoder()
        return d.feed(bytes) + d.finish()
    }
}

/// Reads `client.SolveStatus` JSON (json tags of BuildKit ≥ 0.13; Go field names of older traces).
enum SolveStatusJSON {
    static func read(_ r: inout JSONReader) throws(JSONError) -> SolveStatus {
        var s = SolveStatus()
        try r.readObject { (r, key) throws(JSONError) in
            if keyIs(key, "vertexes") || keyIs(key, "Vertexes") {
                try r.readArray { (r) throws(JSONError) in s.vertexes.append(try vertex(&r)) }
            } else if keyIs(key, "statuses") || keyIs(key, "Statuses") {
                try r.readArray { (r) throws(JSONError) in s.statuses.append(try status(&r)) }
            } else if keyIs(key, "logs") || keyIs(key, "Logs") {
                try r.readArray { (r) throws(JSONError) in s.logs.append(try log(&r)) }
            } else if keyIs(key, "warnings") || keyIs(key, "Warnings") {
                try r.readArray { (r) throws(JSONError) in s.warnings.append(try warning(&r)) }
            } else {
                try r.skipValue()
            }
        }
        return s
    }

    static func vertex(_ r: inout JSONReader) throws(JSONError) -> Vertex {
        var v = Vertex(digest: "")
        try r.readObject { (r, key) throws(JSONError) in
            if keyIs(key, "digest") || keyIs(key, "Digest") {
                v.digest = try r.readString()
            } else if keyIs(key, "inputs") || keyIs(key, "Inputs") {
                try r.readArray { (r) throws(JSONError) in v.inputs.append(try r.readString()) }
            } else if keyIs(key, "name") || keyIs(key, "Name") {
                v.name = try r.readString()
            } else if keyIs(key, "started") || keyIs(key, "Started") {
                v.started = try r.readTime()
            } else if keyIs(key, "completed") || keyIs(key, "Completed") {
                v.completed = try r.readTime()
            } else if keyIs(key, "cached") || keyIs(key, "Cached") {
                v.cached = try r.readBool()
            } else if keyIs(key, "error") || keyIs(key, "Error") {
                v.error = try r.readString()
            } else if keyIs(key, "progressGroup") || keyIs(key, "ProgressGroup") {
                v.progressGroup = try progressGroup(&r)
            } else {
                try r.skipValue()
            }
        }
        return v
    }

    static func progressGroup(_ r: inout JSONReader) throws(JSONError) -> ProgressGroup? {
        if r.readNull() { return nil }
        var g = ProgressGroup(id: "", name: "")
        try r.readObject { (r, key) throws(JSONError) in
            if keyIs(key, "id") || keyIs(key, "Id") {
                g.id = try r.readString()
            } else if keyIs(key, "name") || keyIs(key, "Name") {
                g.name = try r.readString()
            } else if keyIs(key, "weak") || keyIs(key, "Weak") {
                g.weak = try r.readBool()
            } else {
                try r.skipValue()
            }
        }
        return g
    }

    static func status(_ r: inout JSONReader) throws(JSONError) -> VertexStatus {
        var s = VertexStatus(id: "", vertex: "")
        try r.readObject { (r, key) throws(JSONError) in
            if keyIs(key, "id") || keyIs(key, "ID") {
                s.id = try r.readString()
            } else if keyIs(key, "vertex") || keyIs(key, "Vertex") {
                s.vertex = try r.readString()
            } else if keyIs(key, "name") || keyIs(key, "Name") {
                s.name = try r.readString()
            } else if keyIs(key, "total") || keyIs(key, "Total") {
                s.total = try r.readInt()
            } else if keyIs(key, "current") || keyIs(key, "Current") {
                s.current = try r.readInt()
            } else if keyIs(key, "timestamp") || keyIs(key, "Timestamp") {
                s.timestamp = try r.readTime() ?? .zero
            } else if keyIs(key, "started") || keyIs(key, "Started") {
                s.started = try r.readTime()
            } else if keyIs(key, "completed") || keyIs(key, "Completed") {
                s.completed = try r.readTime()
            } else {
                try r.skipValue()
            }
        }
        return s
    }

    static func log(_ r: inout JSONReader) throws(JSONError) -> VertexLog {
        var l = VertexLog(vertex: "", stream: 0, data: [], timestamp: .zero)
        try r.readObject { (r, key) throws(JSONError) in
            if keyIs(key, "vertex") || keyIs(key, "Vertex") {
                l.vertex = try r.readString()
            } else if keyIs(key, "stream") || keyIs(key, "Stream") {
                l.stream = Int(try r.readInt())
            } else if keyIs(key, "data") || keyIs(key, "Data") {
                l.data = try r.readBase64()
            } else if keyIs(key, "timestamp") || keyIs(key, "Timestamp") {
                l.timestamp = try r.readTime() ?? .zero
            } else {
                try r.skipValue()
            }
        }
        return l
    }

    static func warning(_ r: inout JSONReader) throws(JSONError) -> VertexWarning {
        var w = VertexWarning(vertex: "", short: [])
        try r.readObject { (r, key) throws(JSONError) in
            if keyIs(key, "vertex") || keyIs(key, "Vertex") {
                w.vertex = try r.readString()
            } else if keyIs(key, "level") || keyIs(key, "Level") {
                w.level = Int(try r.readInt())
            } else if keyIs(key, "short") || keyIs(key, "Short") {
                w.short = try r.readBase64()
            } else if keyIs(key, "detail") || keyIs(key, "Detail") {
                try r.readArray { (r) throws(JSONError) in w.detail.append(try r.readBase64()) }
            } else if keyIs(key, "url") || keyIs(key, "URL") {
                w.url = try r.readString()
            } else if keyIs(key, "sourceInfo") || keyIs(key, "SourceInfo") {
                w.sourceInfo = try sourceInfo(&r)
            } else if keyIs(key, "range") || keyIs(key, "Range") {
                try r.readArray { (r) throws(JSONError) in w.ranges.append(try range(&r)) }
            } else {
                try r.skipValue()
            }
        }
        return w
    }

    static func sourceInfo(_ r: inout JSONReader) throws(JSONError) -> SourceInfo? {
        if r.readNull() { return nil }
        var s = SourceInfo(filename: "")
        try r.readObject { (r, key) throws(JSONError) in
            if keyIs(key, "filename") {
                s.filename = try r.readString()
            } else if keyIs(key, "data") {
                s.data = try r.readBase64()
            } else if keyIs(key, "language") {
                s.language = try r.readString()
            } else if keyIs(key, "definition") {
                s.definitionJSON = r.readNull() ? nil : try r.captureCompact()
            } else {
                try r.skipValue()
            }
        }
        return s
    }

    static func range(_ r: inout JSONReader) throws(JSONError) -> SourceRange {
        var g = SourceRange(start: nil, end: nil)
        try r.readObject { (r, key) throws(JSONError) in
            if keyIs(key, "start") {
                g.start = try position(&r)
            } else if keyIs(key, "end") {
                g.end = try position(&r)
            } else {
                try r.skipValue()
            }
        }
        return g
    }

    static func position(_ r: inout JSONReader) throws(JSONError) -> SourcePosition? {
        if r.readNull() { return nil }
        var p = SourcePosition(line: 0)
        try r.readObject { (r, key) throws(JSONError) in
            if keyIs(key, "line") {
                p.line = Int32(truncatingIfNeeded: try r.readInt())
            } else if keyIs(key, "character") {
                p.character = Int32(truncatingIfNeeded: try r.readInt())
            } else {
                try r.skipValue()
            }
        }
        return p
    }
}
