import BuildEvents
import Foundation
import Testing
import TestSupport

/// Inputs found by the fuzzer (scripts/fuzz.sh, target `rawjson`), kept as regression tests.
@Suite struct FuzzRegressionTests {
    /// Malformed items name a byte offset relative to the decoder's buffer, which depends on
    /// how the stream was split; the rest must not.
    private static func comparable(_ items: [StreamItem]) -> [StreamItem] {
        items.map { item in
            guard case .malformed(let m) = item else { return item }
            var out = ""
            var rest = Substring(m)
            while let r = rest.range(of: " at byte ") {
                out += rest[..<r.lowerBound]
                rest = rest[r.upperBound...].drop(while: \.isNumber)
            }
            return .malformed(out + rest)
        }
    }

    /// Feeding `bytes` in two reads, cut anywhere, copied or borrowed, gives what `decodeAll` gives.
    private static func expectSplitInvariant(_ bytes: [UInt8], sourceLocation: SourceLocation = #_sourceLocation) {
        let whole = comparable(RawJSONDecoder.decodeAll(bytes))
        for cut in 0...bytes.count {
            var copying = RawJSONDecoder()
            let copied = copying.feed(bytes[..<cut]) + copying.feed(bytes[cut...]) + copying.finish()
            var borrowing = RawJSONDecoder()
            let borrowed = bytes.withUnsafeBufferPointer { all in
                borrowing.feed(borrowing: UnsafeBufferPointer(rebasing: all[..<cut]))
                    + borrowing.feed(borrowing: UnsafeBufferPointer(rebasing: all[cut...]))
            } + borrowing.finish()
            #expect(comparable(copied) == whole, "copied, cut at \(cut)", sourceLocation: sourceLocation)
            #expect(comparable(borrowed) == whole, "borrowed, cut at \(cut)", sourceLocation: sourceLocation)
        }
    }

    /// crash-bb62b20b… (target `engine`): a 63 KB line of nested `[` overflowed the stack in the
    /// recursive skip. Nesting deeper than 512 is now one malformed item, on both decoders.
    @Test func deepNestingIsMalformedNotACrash() {
        let deep = [UInt8](repeating: UInt8(ascii: "["), count: 200_000) + [UInt8(ascii: "1")]
            + [UInt8](repeating: UInt8(ascii: "]"), count: 200_000)
        for prefix in ["{\"aux\":", "{\"stream\":\"x\",\"extra\":"] {
            let items = EngineStreamDecoder.decodeAll(Array(prefix.utf8) + deep + Array("}\n".utf8))
            #expect(items.contains { if case .malformed(let m) = $0 { m.contains("nested") } else { false } }, "\(items.prefix(2))")
        }
        let raw = RawJSONDecoder.decodeAll(Array("{\"vertexes\":[],\"x\":".utf8) + deep + Array("}\n".utf8))
        #expect(raw.contains { if case .malformed(let m) = $0 { m.contains("nested") } else { false } }, "\(raw.prefix(2))")
        // 512 levels are still read.
        let ok = [UInt8](repeating: UInt8(ascii: "["), count: 500) + [UInt8](repeating: UInt8(ascii: "]"), count: 500)
        let fine = RawJSONDecoder.decodeAll(Array("{\"vertexes\":[],\"x\":".utf8) + ok + Array("}\n".utf8))
        #expect(!fine.contains { if case .malformed = $0 { true } else { false } }, "\(fine)")
    }

    /// crash-c839f1df…, minimized: a `{` line with a syntax error that closes on the next line
    /// (`]` closes it too). Whole, it was one malformed value; cut after the newline, the first
    /// read took `{x` for a stray line and `]` became a second one.
    @Test func brokenValueClosingOnTheNextLine() {
        let bytes: [UInt8] = [0x7B, 0x78, 0x0A, 0x5D]  // "{x\n]"
        let items = RawJSONDecoder.decodeAll(bytes)
        #expect(items.count == 1)
        guard case .malformed = items.first else {
            Issue.record("expected one malformed value, got \(items)")
            return
        }
        Self.expectSplitInvariant(bytes)
    }

    /// A stray `{` line is one text item, cut anywhere, whatever follows it: a value (which
    /// ends it at once), more stray lines, or the end of the stream.
    @Test func strayBraceLinesSplitAnywhere() {
        let value = #"{"vertexes":[{"digest":"sha256:a","name":"x","cached":true}]}"#
        let inputs = [
            "{ this is not json\n\(value)\n",
            "{ not json\nWARNING: x\n\(value)\n}\n",
            "{ not json\nERROR: failed\n",
            "{\"a\":x\n\(value)\n",
            "{\"a\":\"x\\\n{\"b\" }\n",
            "{\"vertexes\":[{\"digest\":\"sha256:a\",\"started\":\"not a time\"}\n  ]\n}\n\(value)\n",
        ]
        for input in inputs { Self.expectSplitInvariant(Array(input.utf8)) }
        let items = RawJSONDecoder.decodeAll(Array(inputs[1].utf8))
        #expect(items.count == 4)
        #expect(items.first == .text("{ not json"))
        #expect(items[1] == .text("WARNING: x"))
        guard case .status = items[2] else {
            Issue.record("the value after the stray lines was lost: \(items)")
            return
        }
        // A broken indented value (bad time) is skipped whole, as one malformed item.
        let indented = RawJSONDecoder.decodeAll(Array(inputs[5].utf8))
        #expect(indented.count == 2)
        guard case .malformed = indented.first, case .status = indented.last else {
            Issue.record("expected a malformed value then a status, got \(indented)")
            return
        }
    }

    /// crash-f89a7290… (target `rawjson`, the 9,081,106th input of a run; 32 KB kept in
    /// FuzzInputs/): fed in three reads, cut at 256 and 643 and each borrowed, a broken value
    /// waiting for its end left several lines pending, and the decoder parsed its buffer from the
    /// start again on the next read: 423 items against `decodeAll`'s 419, the first ones twice.
    /// The input's first five bytes choose the cuts and the feeding (Fuzz/Sources/FuzzCommon).
    @Test func pendingLinesAreNotParsedTwice() throws {
        let file = Fixtures.repositoryRoot.appendingPathComponent("Tests/BuildEventsTests/FuzzInputs/rawjson-crash-f89a7290")
        let input = [UInt8](try Data(contentsOf: file))
        let data = Array(input[5...])
        let n = data.count
        let a = (Int(input[0]) | Int(input[1]) << 8) % (n + 1)
        let b = (Int(input[2]) | Int(input[3]) << 8) % (n + 1)
        let cuts = [0, min(a, b), max(a, b), n]
        #expect(cuts[1] == 256 && cuts[2] == 643 && input[4] & 7 == 7)
        let whole = Self.comparable(RawJSONDecoder.decodeAll(data))
        #expect(whole.count == 419)
        for borrowed in [false, true] {
            var decoder = RawJSONDecoder()
            var items: [StreamItem] = []
            for k in 0..<3 {
                let chunk = data[cuts[k]..<cuts[k + 1]]
                if borrowed {
                    items += chunk.withUnsafeBufferPointer { decoder.feed(borrowing: $0) }
                } else {
                    items += decoder.feed(chunk)
                }
            }
            items += decoder.finish()
            #expect(Self.comparable(items) == whole, "borrowed: \(borrowed): \(items.count) items against \(whole.count)")
        }
    }
}
