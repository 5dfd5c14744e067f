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
