import Foundation
import BuildEvents
import BuildModel
import Testing
import TestSupport

struct RawJSONTests {
    /// Every recorded stream decodes in both encodings with nothing malformed.
    @Test(arguments: Fixtures.names)
    func fixturesDecode(_ name: String) throws {
        let raw = try Fixtures.rawjson(name)
        let engine = try Fixtures.engine(name)
        #expect(!raw.contains { if case .malformed = $0 { true } else { false } })
        #expect(!engine.contains { if case .malformed = $0 { true } else { false } })
        #expect(Fixtures.statuses(raw).count == Fixtures.statuses(engine).count)
        #expect(!Fixtures.statuses(raw).isEmpty)
    }

    /// The rawjson and Engine encodings of one build carry the same status updates.
    @Test(arguments: Fixtures.names)
    func encodingsAgree(_ name: String) throws {
        let raw = Fixtures.statuses(try Fixtures.rawjson(name))
        let engine = Fixtures.statuses(try Fixtures.engine(name))
        #expect(raw == engine)
        let a = Fixtures.state(try Fixtures.rawjson(name))
        let b = Fixtures.state(try Fixtures.engine(name).filter { if case .status = $0 { true } else { false } })
        #expect(a.steps == b.steps)
        #expect(a.totalSteps == b.totalSteps)
    }

    /// Re-encoding reproduces the rawjson fixtures byte for byte, from either encoding.
    @Test(arguments: Fixtures.names)
    func reencodingIsByteExact(_ name: String) throws {
        let original = try Fixtures.bytes("rawjson/\(name).jsonl")
        var fromRaw: [UInt8] = []
        for s in Fixtures.statuses(try Fixtures.rawjson(name)) { RawJSONEncoder.encode(s, into: &fromRaw) }
        #expect(fromRaw == original)
        var fromEngine: [UInt8] = []
        for s in Fixtures.statuses(try Fixtures.engine(name)) { RawJSONEncoder.encode(s, into: &fromEngine) }
        #expect(fromEngine == original)
    }

    /// buildx 0.12–0.14 printed indented values; they decode to the same updates, fed byte by byte.
    @Test func indentedStreamFedInPieces() throws {
        let compact = try Fixtures.rawjson("multistage")
        let text = try Fixtures.text("rawjson/multistage.jsonl")
        let indented = Array(indent(text).utf8)
        var d = RawJSONDecoder()
        var items: [StreamItem] = []
        var i = 0
        while i < indented.count {
            let n = min(7 + i % 13, indented.count - i)
            items += d.feed(indented[i..<(i + n)])
            i += n
        }
        items += d.finish()
        #expect(items == compact)
    }

    /// Feeding borrowed chunks (parsed in place, mmap-style) gives the same items as copying
    /// feeds, whatever the chunk sizes: tiny, around value sizes, and whole.
    @Test(arguments: [1, 5, 97, 1000, 4096, 70_000, 10_000_000])
    func borrowedChunksDecodeTheSame(size: Int) throws {
        var input = Array(try Fixtures.text("rawjson/multistage.jsonl").utf8)
        input += Array("WARNING: a stray line\n".utf8) + Array(indent(try Fixtures.text("rawjson/failing.jsonl")).utf8)
        input += Array("ERROR: failed to solve: boom\n{\"vertexes\":[{\"digest\":\"x\",\"started\":\"bad\"}]}\n".utf8)
        let expected = RawJSONDecoder.decodeAll(input)
        var d = RawJSONDecoder()
        var items: [StreamItem] = []
        input.withUnsafeBufferPointer { all in
            var i = 0
            var k = 0
            while i < all.count {
                let n = min(max(1, size + (k % 3) - 1), all.count - i)
                items += d.feed(borrowing: UnsafeBufferPointer(rebasing: all[i..<(i + n)]))
                i += n
                k += 1
            }
        }
        items += d.finish()
        // Error offsets are relative to the buffer they were found in: compare without them.
        func normal(_ item: StreamItem) -> StreamItem {
            guard case .malformed(let m) = item, let at = m.range(of: " at byte ") else { return item }
            return .malformed(String(m[..<at.lowerBound]))
        }
        #expect(items.count == expected.count)
        let a = items.map(normal), b = expected.map(normal)
        let firstDifference = a.indices.first { $0 < b.count && a[$0] != b[$0] }
        #expect(firstDifference == nil, "first difference at item \(firstDifference ?? -1)")
        #expect(expected.count > 40)
    }

    /// A stray line that starts with `{` but never closes does not hold back what follows; a value
    /// cut inside a literal (`tr…`) waits for the rest.
    @Test func strayBraceLineAndCutLiterals() throws {
        let value = #"{"vertexes":[{"digest":"sha256:a","name":"x","cached":true}]}"#
        let items = RawJSONDecoder.decodeAll(Array("{ this is not json\n\(value)\n".utf8))
        #expect(items.count == 2)
        #expect(items.first == .text("{ this is not json"))
        guard case .status = items.last else { Issue.record("the status after the stray line was lost"); return }
        let bytes = Array(value.utf8)
        let cut = value.range(of: "tr").map { value.utf8.distance(from: value.utf8.startIndex, to: $0.upperBound) } ?? 0
        var d = RawJSONDecoder()
        #expect(d.feed(bytes[..<cut]).isEmpty)
        let rest = d.feed(bytes[cut...]) + d.finish()
        guard rest.count == 1, case .status(let st) = rest[0] else { Issue.record("the cut value did not complete: \(rest)"); return }
        #expect(st.vertexes.first?.cached == true)
    }

    /// Stray lines are kept as text or errors; garbage and truncation are reported, never a crash.
    @Test func strayLinesAndGarbage() {
        let input = """
            {"vertexes":[{"digest":"sha256:a","name":"x"}]}
            WARNING: something
            {"vertexes":[{"digest":"sha256:a","name":"x","started":"not a time"}]}
            ERROR: failed to solve: process "/bin/sh -c exit 3" did not complete successfully: exit code: 3
            {"logs":[{"vertex":"sha256:a","stream":1,"data":"!!!","timestamp":"2024-01-01T00:00:00Z"}]}
            {"statuses":[{"id":"x","current":1,"timestamp":"2024-01-01T00:00:00Z"
            """
        let items = RawJSONDecoder.decodeAll(Array(input.utf8))
        #expect(items.count == 6)
        #expect(items[1] == .text("WARNING: something"))
        guard case .malformed = items[2] else { Issue.record("bad time accepted"); return }
        #expect(items[3] == .error("failed to solve: process \"/bin/sh -c exit 3\" did not complete successfully: exit code: 3"))
        guard case .malformed = items[4] else { Issue.record("bad base64 accepted"); return }
        guard case .malformed(let m) = items[5] else { Issue.record("truncation not reported"); return }
        #expect(m.contains("truncated"))
    }

    /// Random bytes never crash either decoder.
    @Test func randomBytesNeverCrash() {
        var rng = SystemRandomNumberGenerator()
        for _ in 0..<200 {
            let n = Int.random(in: 0..<400, using: &rng)
            var bytes = (0..<n).map { _ in UInt8.random(in: 0...255, using: &rng) }
            if Bool.random() { bytes.insert(123, at: 0) }
            _ = RawJSONDecoder.decodeAll(bytes)
            _ = EngineStreamDecoder.decodeAll(bytes)
        }
    }

    /// Go's string escaping: HTML characters, control characters, U+2028.
    @Test func goStringEscaping() {
        let s = SolveStatus(vertexes: [Vertex(digest: "d", name: "a<b>&\"\\\n\t\u{1}\u{2028}é")])
        let line = String(decoding: RawJSONEncoder.encode(s), as: UTF8.self)
        #expect(line == "{\"vertexes\":[{\"digest\":\"d\",\"name\":\"a\\u003cb\\u003e\\u0026\\\"\\\\\\n\\t\\u0001\\u2028é\"}]}\n")
        #expect(RawJSONDecoder.decodeAll(Array(line.utf8)) == [.status(s)])
    }

    /// Format detection from content.
    @Test func detectsFormat() throws {
        #expect(StreamFormat.detect(try Fixtures.bytes("rawjson/simple.jsonl")) == .rawjson)
        #expect(StreamFormat.detect(try Fixtures.bytes("engine/simple.stream")) == .engine)
        #expect(StreamFormat.detect(Array("hello".utf8)) == nil)
        #expect(StreamFormat.detect(Array("#1 [internal] x\n".utf8)) == nil)
    }

    private func indent(_ compact: String) -> String {
        var out = ""
        var depth = 0
        var inString = false
        var escape = false
        for c in compact {
            if inString {
                out.append(c)
                if escape { escape = false } else if c == "\\" { escape = true } else if c == "\"" { inString = false }
                continue
            }
            switch c {
            case "\"": inString = true; out.append(c)
            case "{", "[":
                depth += 1
                out += "\(c)\n" + String(repeating: "  ", count: depth)
            case "}", "]":
                depth -= 1
                out += "\n" + String(repeating: "  ", count: depth) + "\(c)"
            case ",": out += ",\n" + String(repeating: "  ", count: depth)
            case ":": out += ": "
            case "\n": out += "\n"
            default: out.append(c)
            }
        }
        return out
    }
}
