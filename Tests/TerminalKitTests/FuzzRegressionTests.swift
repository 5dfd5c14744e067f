import Testing

@testable import TerminalKit

/// Inputs found by the fuzzer (scripts/fuzz.sh, target `sanitizer`), kept as regression tests.
@Suite struct TerminalKitFuzzRegressionTests {
    /// crash-36a015a5…: tabs, then a chain of `👩` joined by ZWJs that ends in U+1FA5F, which is
    /// unassigned (glibc cannot measure it) but joins the cluster as an extended pictographic.
    /// Written unsanitized to a screen, the whole cluster went into one cell. Now such a cluster
    /// is shown as `�`, through `write` and `set`. Also a mark newer than Unicode 14 (U+1E4EC,
    /// Unicode 15), which Swift joins to the letter before it.
    @Test func unmeasurableScalarInACluster() {
        let joined = "👩\u{200D}👩\u{200D}\u{1FA5F}"
        let newMark = "a\u{1E4EC}"
        #expect(!TextWidth.isPrintable("\u{1FA5F}") && !TextWidth.isPrintable("\u{1E4EC}"))
        #expect(joined.count == 1 && newMark.count == 1)
        let input = String(repeating: "\t", count: 3) + joined + "|" + newMark + "|"
        var screen = Screen(size: Size(width: 10, height: 2))
        screen.write(input, x: 0, y: 0, style: .plain)
        screen.set(x: 0, y: 1, Cell(joined))
        screen.set(x: 2, y: 1, Cell(newMark))
        for cell in screen.cells {
            #expect(Sanitizer.isSafe(cell.text), "cell \(cell.text.unicodeScalars.map(\.value))")
        }
        #expect(screen.row(0) == "\u{FFFD}|\u{FFFD}|")
        #expect(screen.row(1) == "\u{FFFD} \u{FFFD}")
        // Sanitized first, the same text keeps what can be shown.
        #expect(Sanitizer.sanitize(joined + newMark) == "👩\u{200D}👩\u{FFFD}a\u{FFFD}")
    }

    /// Found as slowness of the fuzz target (45 ms for a 1 KB line of tabs and a ZWJ sequence,
    /// 1 s for 10 KB): `String.UnicodeScalarView.append(contentsOf:)` copies the whole view on
    /// each call, so tabs and lines with a ZWJ were sanitized in quadratic time. In a debug
    /// build the line of 200 000 tabs below took 209 s before; both lines take about a second now.
    @Test func longLinesInLinearTime() {
        let tabs = Array(repeating: UInt8(0x09), count: 200_000) + Array("👩\u{200D}💻".utf8)
        let joiner = Array(String(repeating: "ab", count: 100_000).utf8) + Array("\u{200D}".utf8)
        let clock = ContinuousClock()
        for line in [tabs, joiner] {
            let start = clock.now
            let out = Sanitizer.sanitize(line)
            let spans = ANSIText.parse(line, base: .plain, colors: true)
            let elapsed = clock.now - start
            #expect(Sanitizer.isSafe(out) && spans.allSatisfy { Sanitizer.isSafe($0.text) })
            #expect(elapsed < .seconds(10), "took \(elapsed)")
        }
    }
}
