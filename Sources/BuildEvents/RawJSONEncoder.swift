import BuildModel

/// Writes `client.SolveStatus` the way BuildKit's rawjson display does (`json.NewEncoder(w).Encode`):
/// compact, one value per line, struct field order, `omitempty` rules, base64 `[]byte`,
/// RFC 3339 nanosecond times, and Go's HTML-safe string escaping.
public enum RawJSONEncoder {
    /// The JSON line (ending in `\n`) for one status update.
    public static func encode(_ s: SolveStatus) -> [UInt8] {
        var o: [UInt8] = []
        o.reserveCapacity(256 + s.logs.reduce(0) { $0 + $1.data.count * 4 / 3 })
        encode(s, into: &o)
        return o
    }

    /// Appends the JSON line for `s` to `o`.
    public static func encode(_ s: SolveStatus, into o: inout [UInt8]) {
        var w = Writer(out: o)
        w.raw("{")
        var first = true
        if !s.vertexes.isEmpty {
            w.key("vertexes", &first)
            w.array(s.vertexes) { w, v in w.vertex(v) }
        }
        if !s.statuses.isEmpty {
            w.key("statuses", &first)
            w.array(s.statuses) { w, v in w.status(v) }
        }
        if !s.logs.isEmpty {
            w.key("logs", &first)
            w.array(s.logs) { w, v in w.log(v) }
        }
        if !s.warnings.isEmpty {
            w.key("warnings", &first)
            w.array(s.warnings) { w, v in w.warning(v) }
        }
        w.raw("}\n")
        o = w.out
    }

    struct Writer {
        var out: [UInt8]

        mutating func raw(_ s: StaticString) {
            out.append(contentsOf: UnsafeBufferPointer(start: s.utf8Start, count: s.utf8CodeUnitCount))
        }

        mutating func key(_ k: StaticString, _ first: inout Bool) {
            if !first { out.append(44) }
            first = false
            out.append(34)
            raw(k)
            out.append(34)
            out.append(58)
        }

        mutating func array<T>(_ items: [T], _ body: (inout Writer, T) -> Void) {
            out.append(91)
            for (n, item) in items.enumerated() {
                if n > 0 { out.append(44) }
                body(&self, item)
            }
            out.append(93)
        }

        mutating func int(_ v: Int64) {
            out.append(contentsOf: Array(String(v).utf8))
        }

        mutating func time(_ t: Timestamp) {
            out.append(34)
            RFC3339.append(t, to: &out)
            out.append(34)
        }

        mutating func bytes(_ b: [UInt8]) {
            out.append(34)
            Base64.encode(b, into: &out)
            out.append(34)
        }

        mutating func string(_ s: String) {
            GoJSON.appendString(s, to: &out)
        }

        mutating func vertex(_ v: Vertex) {
            raw("{")
            var f = true
            key("digest", &f); string(v.digest)
            if !v.inputs.isEmpty {
                key("inputs", &f)
                array(v.inputs) { w, s in w.string(s) }
            }
            key("name", &f); string(v.name)
            if let t = v.started { key("started", &f); time(t) }
            if let t = v.completed { key("completed", &f); time(t) }
            if v.cached { key("cached", &f); raw("true") }
            if !v.error.isEmpty { key("error", &f); string(v.error) }
            if let g = v.progressGroup {
                key("progressGroup", &f)
                raw("{")
                var gf = true
                if !g.id.isEmpty { key("id", &gf); string(g.id) }
                if !g.name.isEmpty { key("name", &gf); string(g.name) }
                if g.weak { key("weak", &gf); raw("true") }
                raw("}")
            }
            raw("}")
        }

        mutating func status(_ s: VertexStatus) {
            raw("{")
            var f = true
            key("id", &f); string(s.id)
            if !s.vertex.isEmpty { key("vertex", &f); string(s.vertex) }
            if !s.name.isEmpty { key("name", &f); string(s.name) }
            if s.total != 0 { key("total", &f); int(s.total) }
            key("current", &f); int(s.current)
            key("timestamp", &f); time(s.timestamp)
            if let t = s.started { key("started", &f); time(t) }
            if let t = s.completed { key("completed", &f); time(t) }
            raw("}")
        }

        mutating func log(_ l: VertexLog) {
            raw("{")
            var f = true
            if !l.vertex.isEmpty { key("vertex", &f); string(l.vertex) }
            if l.stream != 0 { key("stream", &f); int(Int64(l.stream)) }
            key("data", &f); bytes(l.data)
            key("timestamp", &f); time(l.timestamp)
            raw("}")
        }

        mutating func warning(_ w: VertexWarning) {
            raw("{")
            var f = true
            if !w.vertex.isEmpty { key("vertex", &f); string(w.vertex) }
            if w.level != 0 { key("level", &f); int(Int64(w.level)) }
            if !w.short.isEmpty { key("short", &f); bytes(w.short) }
            if !w.detail.isEmpty {
                key("detail", &f)
                array(w.detail) { wr, d in wr.bytes(d) }
            }
            if !w.url.isEmpty { key("url", &f); string(w.url) }
            if let si = w.sourceInfo {
                key("sourceInfo", &f)
                sourceInfo(si)
            }
            if !w.ranges.isEmpty {
                key("range", &f)
                array(w.ranges) { wr, r in wr.range(r) }
            }
            raw("}")
        }

        mutating func sourceInfo(_ si: SourceInfo) {
            raw("{")
            var f = true
            if !si.filename.isEmpty { key("filename", &f); string(si.filename) }
            if !si.data.isEmpty { key("data", &f); bytes(si.data) }
            if let d = si.definitionJSON { key("definition", &f); out.append(contentsOf: d) }
            if !si.language.isEmpty { key("language", &f); string(si.language) }
            raw("}")
        }

        mutating func range(_ r: SourceRange) {
            raw("{")
            var f = true
            if let s = r.start { key("start", &f); position(s) }
            if let e = r.end { key("end", &f); position(e) }
            raw("}")
        }

        mutating func position(_ p: SourcePosition) {
            raw("{")
            var f = true
            if p.line != 0 { key("line", &f); int(Int64(p.line)) }
            if p.character != 0 { key("character", &f); int(Int64(p.character)) }
            raw("}")
        }
    }
}

/// Go `encoding/json` string encoding with HTML escaping on (Go ≥ 1.22 escapes `\b` and `\f` short).
public enum GoJSON {
    private static let hex = Array("0123456789abcdef".utf8)

    /// `s` as Go's `json.Marshal` writes a string (quotes included).
    public static func quoted(_ s: String) -> String {
        var out: [UInt8] = []
        appendString(s, to: &out)
        return String(decoding: out, as: UTF8.self)
    }

    static func appendString(_ s: String, to out: inout [UInt8]) {
        out.append(34)
        for scalar in s.unicodeScalars {
            let v = scalar.value
            if v < 0x80 {
                let b = UInt8(v)
                switch b {
                case 34: out.append(92); out.append(34)
                case 92: out.append(92); out.append(92)
                case 10: out.append(92); out.append(110)
                case 13: out.append(92); out.append(114)
                case 9: out.append(92); out.append(116)
                case 8: out.append(92); out.append(98)
                case 12: out.append(92); out.append(102)
                case 60, 62, 38, 0..<32:
                    out.append(contentsOf: [92, 117, 48, 48, hex[Int(b >> 4)], hex[Int(b & 15)]])
                default: out.append(b)
                }
            } else if v == 0x2028 || v == 0x2029 {
                out.append(contentsOf: Array("\\u202".utf8))
                out.append(hex[Int(v & 15)])
            } else {
                out.append(contentsOf: Array(String(Character(scalar)).utf8))
            }
        }
        out.append(34)
    }
}
