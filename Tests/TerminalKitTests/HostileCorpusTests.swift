import Testing

@testable import TerminalKit

@Suite struct HostileCorpusTests {
    /// Scalars that must never reach the terminal: controls, DEL, C1, ESC, BiDi controls, separators.
    static func isForbidden(_ s: Unicode.Scalar) -> Bool {
        let v = s.value
        switch v {
        case 0..<0x20, 0x7F...0x9F, 0x061C, 0x200E, 0x200F, 0x202A...0x202E, 0x2066...0x2069, 0x2028, 0x2029:
            return true
        default: return !TextWidth.isPrintable(s)
        }
    }

    static func forbidden(in s: String) -> [UInt32] {
        s.unicodeScalars.filter(isForbidden).map(\.value)
    }

    /// The corpus is large and varied enough to mean something.
    @Test func corpusSize() {
        #expect(HostileCorpus.samples.count >= 400)
        #expect(Set(HostileCorpus.samples).count == HostileCorpus.samples.count)
    }

    /// No hostile input leaves a forbidden scalar in Sanitizer, ANSIText or applyCarriageReturns output.
    @Test func stringsAreClean() {
        for (n, sample) in HostileCorpus.samples.enumerated() {
            let outputs =
                [
                    Sanitizer.sanitize(sample),
                    Sanitizer.sanitize(String(decoding: sample, as: UTF8.self)),
                    ANSIText.plainText(sample),
                    Sanitizer.sanitize(ANSIText.applyCarriageReturns(sample)),
                    ANSIText.plainText(ANSIText.applyCarriageReturns(sample)),
                ] + ANSIText.parse(sample, base: .plain, colors: true).map(\.text)
                + ANSIText.parse(sample, base: Style(fg: .red), colors: false).map(\.text)
            for out in outputs {
                // Booleans, so that a failure does not print the hostile text itself.
                let bad = Self.forbidden(in: out)
                let safe = bad.isEmpty && Sanitizer.isSafe(out)
                #expect(safe, "sample \(n) \(sample.prefix(40)) left \(bad.prefix(5))")
            }
        }
    }

    /// When a line has a bare \r, applyCarriageReturns output holds no control byte except the
    /// ESC of plain SGR sequences and a final \n, and its text is safe.
    @Test func carriageReturnOutputBytes() {
        var checked = 0
        for sample in HostileCorpus.samples where ANSIText.dropCRLF(sample).contains(0x0D) {
            var out = ANSIText.applyCarriageReturns(sample)
            if out.last == 0x0A { out.removeLast() }
            var text: [UInt8] = []
            var k = 0
            var wellFormed = true
            while k < out.count {
                if out[k] == 0x1B {
                    var j = k + 1
                    guard j < out.count, out[j] == UInt8(ascii: "[") else {
                        wellFormed = false
                        break
                    }
                    j += 1
                    while j < out.count, (0x30...0x3B).contains(out[j]) { j += 1 }
                    guard j < out.count, out[j] == UInt8(ascii: "m") else {
                        wellFormed = false
                        break
                    }
                    k = j + 1
                } else {
                    text.append(out[k])
                    k += 1
                }
            }
            let safe = wellFormed && Sanitizer.isSafe(String(decoding: text, as: UTF8.self))
            #expect(safe, "sample \(sample.prefix(40))")
            checked += 1
        }
        #expect(checked > 10)
    }

    /// Written to screens (clipped and not), no cell holds a forbidden scalar and rows stay in bounds.
    @Test func screensAreClean() {
        for (n, sample) in HostileCorpus.samples.enumerated() {
            var screen = Screen(size: Size(width: 30, height: 4))
            screen.write(Sanitizer.sanitize(sample), x: 0, y: 0, style: .plain)
            screen.write(
                ANSIText.parse(sample, base: .plain, colors: true), x: 3, y: 1,
                clip: Rect(x: 5, y: 1, width: 20, height: 1))
            screen.write(String(decoding: sample, as: UTF8.self), x: -1, y: 2, style: .plain)
            screen.box(Rect(x: 0, y: 0, width: 30, height: 4), style: .plain, title: Sanitizer.sanitize(sample))
            for cell in screen.cells {
                let bad = Self.forbidden(in: cell.text)
                let clean = bad.isEmpty
                #expect(clean, "sample \(n) left \(bad) in a cell")
            }
            for y in 0..<4 {
                #expect(TextWidth.width(screen.row(y)) <= 30, "sample \(n) row \(y)")
            }
            let safe = Sanitizer.isSafe(screen.text().split(separator: "\n").joined())
            #expect(safe)
        }
    }

    /// Sanitizing is idempotent: sanitized text sanitizes to itself.
    @Test func idempotent() {
        for sample in HostileCorpus.samples {
            let once = Sanitizer.sanitize(sample)
            let stable = Sanitizer.sanitize(once) == once && Sanitizer.sanitize(Array(once.utf8)) == once
            #expect(stable, "sample \(sample.prefix(40))")
        }
    }
}
