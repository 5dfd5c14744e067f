import BuildModel
import Foundation
import SwiftProtobuf

/// Converts the protobuf `moby.buildkit.v1.StatusResponse` (as carried base64-encoded in the Engine
/// API's `moby.buildkit.trace` aux messages) into `SolveStatus`, like BuildKit's `client.NewSolveStatus`.
public enum StatusProto {
    /// Decodes the protobuf bytes of one StatusResponse.
    public static func decode(_ bytes: [UInt8]) throws -> SolveStatus {
        let resp = try Moby_Buildkit_V1_StatusResponse(serializedBytes: bytes)
        var s = SolveStatus()
        s.vertexes.reserveCapacity(resp.vertexes.count)
        for v in resp.vertexes {
            s.vertexes.append(
                Vertex(
                    digest: v.digest, inputs: v.inputs, name: v.name,
                    started: v.hasStarted ? time(v.started) : nil,
                    completed: v.hasCompleted ? time(v.completed) : nil,
                    cached: v.cached, error: v.error,
                    progressGroup: v.hasProgressGroup
                        ? ProgressGroup(id: v.progressGroup.id, name: v.progressGroup.name, weak: v.progressGroup.weak)
                        : nil))
        }
        for st in resp.statuses {
            s.statuses.append(
                VertexStatus(
                    id: st.id, vertex: st.vertex, name: st.name, total: st.total, current: st.current,
                    timestamp: st.hasTimestamp ? time(st.timestamp) : .zero,
                    started: st.hasStarted ? time(st.started) : nil,
                    completed: st.hasCompleted ? time(st.completed) : nil))
        }
        for l in resp.logs {
            s.logs.append(
                VertexLog(
                    vertex: l.vertex, stream: Int(l.stream), data: [UInt8](l.msg),
                    timestamp: l.hasTimestamp ? time(l.timestamp) : .zero))
        }
        for w in resp.warnings {
            s.warnings.append(
                VertexWarning(
                    vertex: w.vertex, level: Int(w.level), short: [UInt8](w.short),
                    detail: w.detail.map { [UInt8]($0) }, url: w.url,
                    sourceInfo: w.hasInfo ? sourceInfo(w.info) : nil,
                    ranges: w.ranges.map(range)))
        }
        return s
    }

    static func time(_ t: Google_Protobuf_Timestamp) -> Timestamp {
        Timestamp(seconds: t.seconds, nanos: t.nanos)
    }

    static func range(_ r: Moby_Buildkit_V1_Range) -> SourceRange {
        SourceRange(
            start: r.hasStart ? SourcePosition(line: r.start.line, character: r.start.character) : nil,
            end: r.hasEnd ? SourcePosition(line: r.end.line, character: r.end.character) : nil)
    }

    static func sourceInfo(_ si: Moby_Buildkit_V1_SourceInfo) -> SourceInfo {
        SourceInfo(
            filename: si.filename, data: [UInt8](si.data), language: si.language,
            definitionJSON: si.hasDefinition ? definitionJSON(si.definition) : nil)
    }

    /// The definition as Go's encoding/json writes `pb.Definition` (map keys sorted).
    static func definitionJSON(_ d: Moby_Buildkit_V1_Definition) -> [UInt8] {
        var o: [UInt8] = []
        func str(_ s: String) { GoJSON.appendString(s, to: &o) }
        func raw(_ s: String) { o.append(contentsOf: Array(s.utf8)) }
        func pg(_ g: Moby_Buildkit_V1_ProgressGroup) {
            raw("{")
            var first = true
            func sep() { if !first { raw(",") }; first = false }
            if !g.id.isEmpty { sep(); raw("\"id\":"); str(g.id) }
            if !g.name.isEmpty { sep(); raw("\"name\":"); str(g.name) }
            if g.weak { sep(); raw("\"weak\":true") }
            raw("}")
        }
        func rng(_ r: Moby_Buildkit_V1_Range) {
            raw("{")
            var first = true
            for (name, has, p) in [("start", r.hasStart, r.start), ("end", r.hasEnd, r.end)] where has {
                if !first { raw(",") }
                first = false
                raw("\"\(name)\":{")
                var pf = true
                if p.line != 0 { raw("\"line\":\(p.line)"); pf = false }
                if p.character != 0 { raw(pf ? "" : ","); raw("\"character\":\(p.character)") }
                raw("}")
            }
            raw("}")
        }
        func info(_ si: Moby_Buildkit_V1_SourceInfo) {
            raw("{")
            var first = true
            func sep() { if !first { raw(",") }; first = false }
            if !si.filename.isEmpty { sep(); raw("\"filename\":"); str(si.filename) }
            if !si.data.isEmpty { sep(); raw("\"data\":\""); Base64.encode([UInt8](si.data), into: &o); raw("\"") }
            if si.hasDefinition { sep(); raw("\"definition\":"); o.append(contentsOf: definitionJSON(si.definition)) }
            if !si.language.isEmpty { sep(); raw("\"language\":"); str(si.language) }
            raw("}")
        }
        raw("{")
        var first = true
        func sep() { if !first { raw(",") }; first = false }
        if !d.def.isEmpty {
            sep()
            raw("\"def\":[")
            for (n, b) in d.def.enumerated() {
                if n > 0 { raw(",") }
                raw("\"")
                Base64.encode([UInt8](b), into: &o)
                raw("\"")
            }
            raw("]")
        }
        if !d.metadata.isEmpty {
            sep()
            raw("\"metadata\":{")
            for (n, k) in d.metadata.keys.sorted().enumerated() {
                guard let m = d.metadata[k] else { continue }
                if n > 0 { raw(",") }
                str(k)
                raw(":{")
                var mf = true
                func msep() { if !mf { raw(",") }; mf = false }
                if m.ignoreCache { msep(); raw("\"ignore_cache\":true") }
                if !m.description_p.isEmpty {
                    msep()
                    raw("\"description\":{")
                    for (j, dk) in m.description_p.keys.sorted().enumerated() {
                        if j > 0 { raw(",") }
                        str(dk)
                        raw(":")
                        str(m.description_p[dk] ?? "")
                    }
                    raw("}")
                }
                if m.hasExportCache { msep(); raw(m.exportCache.value ? "\"export_cache\":{\"Value\":true}" : "\"export_cache\":{}") }
                if !m.caps.isEmpty {
                    msep()
                    raw("\"caps\":{")
                    for (j, ck) in m.caps.keys.sorted().enumerated() {
                        if j > 0 { raw(",") }
                        str(ck)
                        raw((m.caps[ck] ?? false) ? ":true" : ":false")
                    }
                    raw("}")
                }
                if m.hasProgressGroup { msep(); raw("\"progress_group\":"); pg(m.progressGroup) }
                raw("}")
            }
            raw("}")
        }
        if d.hasSource {
            sep()
            raw("\"Source\":{")
            var sf = true
            if !d.source.locations.isEmpty {
                sf = false
                raw("\"locations\":{")
                for (n, k) in d.source.locations.keys.sorted().enumerated() {
                    if n > 0 { raw(",") }
                    str(k)
                    raw(":{")
                    if let locs = d.source.locations[k], !locs.locations.isEmpty {
                        raw("\"locations\":[")
                        for (j, l) in locs.locations.enumerated() {
                            if j > 0 { raw(",") }
                            raw("{")
                            var lf = true
                            if l.sourceIndex != 0 { raw("\"sourceIndex\":\(l.sourceIndex)"); lf = false }
                            if !l.ranges.isEmpty {
                                raw(lf ? "" : ",")
                                raw("\"ranges\":[")
                                for (q, r) in l.ranges.enumerated() {
                                    if q > 0 { raw(",") }
                                    rng(r)
                                }
                                raw("]")
                            }
                            raw("}")
                        }
                        raw("]")
                    }
                    raw("}")
                }
                raw("}")
            }
            if !d.source.infos.isEmpty {
                raw(sf ? "" : ",")
                raw("\"infos\":[")
                for (n, si) in d.source.infos.enumerated() {
                    if n > 0 { raw(",") }
                    info(si)
                }
                raw("]")
            }
            raw("}")
        }
        raw("}")
        return o
    }
}

extension StatusProto {
    /// Encodes a SolveStatus as the protobuf bytes of one StatusResponse, as BuildKit's
    /// `SolveStatus.Marshal` does (a warning's source definition is not kept).
    public static func encode(_ s: SolveStatus) throws -> [UInt8] {
        var resp = Moby_Buildkit_V1_StatusResponse()
        resp.vertexes = s.vertexes.map { v in
            var p = Moby_Buildkit_V1_Vertex()
            p.digest = v.digest
            p.inputs = v.inputs
            p.name = v.name
            if let t = v.started { p.started = proto(t) }
            if let t = v.completed { p.completed = proto(t) }
            p.cached = v.cached
            p.error = v.error
            if let g = v.progressGroup {
                var pg = Moby_Buildkit_V1_ProgressGroup()
                pg.id = g.id
                pg.name = g.name
                pg.weak = g.weak
                p.progressGroup = pg
            }
            return p
        }
        resp.statuses = s.statuses.map { st in
            var p = Moby_Buildkit_V1_VertexStatus()
            p.id = st.id
            p.vertex = st.vertex
            p.name = st.name
            p.total = st.total
            p.current = st.current
            if !st.timestamp.isZero { p.timestamp = proto(st.timestamp) }
            if let t = st.started { p.started = proto(t) }
            if let t = st.completed { p.completed = proto(t) }
            return p
        }
        resp.logs = s.logs.map { l in
            var p = Moby_Buildkit_V1_VertexLog()
            p.vertex = l.vertex
            p.stream = Int64(l.stream)
            p.msg = Data(l.data)
            if !l.timestamp.isZero { p.timestamp = proto(l.timestamp) }
            return p
        }
        resp.warnings = s.warnings.map { w in
            var p = Moby_Buildkit_V1_VertexWarning()
            p.vertex = w.vertex
            p.level = Int64(w.level)
            p.short = Data(w.short)
            p.detail = w.detail.map { Data($0) }
            p.url = w.url
            if let si = w.sourceInfo {
                var i = Moby_Buildkit_V1_SourceInfo()
                i.filename = si.filename
                i.data = Data(si.data)
                i.language = si.language
                p.info = i
            }
            p.ranges = w.ranges.map { r in
                var pr = Moby_Buildkit_V1_Range()
                if let a = r.start { pr.start = position(a) }
                if let b = r.end { pr.end = position(b) }
                return pr
            }
            return p
        }
        return try resp.serializedBytes()
    }

    static func proto(_ t: Timestamp) -> Google_Protobuf_Timestamp {
        var p = Google_Protobuf_Timestamp()
        p.seconds = t.seconds
        p.nanos = t.nanos
        return p
    }

    static func position(_ p: SourcePosition) -> Moby_Buildkit_V1_Position {
        var o = Moby_Buildkit_V1_Position()
        o.line = p.line
        o.character = p.character
        return o
    }
}

/// BuildKit's `application/vnd.buildkit.status.v0` framing, as its build history keeps a build's
/// logs: frames of a 4-byte little-endian length and one protobuf `StatusResponse`.
public enum StatusFrames {
    /// The largest frame accepted when reading (BuildKit splits at about 1 MiB of logs).
    public static let maxFrame = 64 << 20

    /// Appends the frame of `status` to `out`.
    public static func append(_ status: SolveStatus, to out: inout [UInt8]) throws {
        let body = try StatusProto.encode(status)
        let n = UInt32(body.count)
        out.append(UInt8(n & 0xff))
        out.append(UInt8(n >> 8 & 0xff))
        out.append(UInt8(n >> 16 & 0xff))
        out.append(UInt8(n >> 24 & 0xff))
        out.append(contentsOf: body)
    }

    /// Splits complete frames off the front of `buffer`, decoding each; a partial frame stays.
    /// A frame that does not decode (or is larger than `maxFrame`) ends the stream: `.malformed`.
    public struct Decoder: Sendable {
        private var buffer: [UInt8] = []
        private var start = 0
        /// True after a malformed frame: the rest is ignored.
        public private(set) var failed = false

        /// Creates a decoder.
        public init() {}

        /// Feeds bytes; returns the items of the frames completed.
        public mutating func feed(_ bytes: some Collection<UInt8>) -> [StreamItem] {
            guard !failed else { return [] }
            buffer.append(contentsOf: bytes)
            var items: [StreamItem] = []
            while buffer.count - start >= 4 {
                let n = Int(buffer[start]) | Int(buffer[start + 1]) << 8 | Int(buffer[start + 2]) << 16 | Int(buffer[start + 3]) << 24
                guard n <= StatusFrames.maxFrame else {
                    failed = true
                    items.append(.malformed("status frame of \(n) bytes"))
                    break
                }
                guard buffer.count - start - 4 >= n else { break }
                do {
                    items.append(.status(try StatusProto.decode(Array(buffer[(start + 4)..<(start + 4 + n)]))))
                } catch {
                    failed = true
                    items.append(.malformed("status frame does not decode: \(error)"))
                    break
                }
                start += 4 + n
            }
            if start > 0, start * 2 >= buffer.count {
                buffer.removeFirst(start)
                start = 0
            }
            return items
        }

        /// Ends the input: a partial frame left over is reported (a recording cut short).
        public mutating func finish() -> [StreamItem] {
            guard !failed, buffer.count > start else { return [] }
            failed = true
            return [.malformed("status stream ends inside a frame (\(buffer.count - start) bytes)")]
        }
    }

    /// Decodes a whole file.
    public static func decodeAll(_ bytes: [UInt8]) -> [StreamItem] {
        var d = Decoder()
        return d.feed(bytes) + d.finish()
    }
}
