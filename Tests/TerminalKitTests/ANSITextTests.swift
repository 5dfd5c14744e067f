import Testing

@testable import TerminalKit

@Suite struct ANSITextTests {
    private func parse(_ s: String, base: Style = .plain, colors: Bool = true) -> [StyledSpan] {
        ANSIText.parse(Array(s.utf8), base: base, colors: colors)
    }

    private func style(_ sgr: String, base: Style = .plain) -> Style {
        parse("\u{1B}[\(sgr)mx", base: base).first?.style ?? Style(fg: .rgb(1, 2, 3))
    }

    /// Each SGR parameter sets the expected style.
    @Test(
        arguments: [
            ("1", Style(attributes: .bold)), ("2", Style(attributes: .dim)), ("3", Style(attributes: .italic)),
            ("4", Style(attributes: .underline)), ("4:3", Style(attributes: .underline)),
            ("7", Style(attributes: .reverse)),
            ("9", Style(attributes: .strikethrough)), ("31", Style(fg: .red)), ("37", Style(fg: .white)),
            ("90", Style(fg: .brightBlack)), ("97", Style(fg: .brightWhite)), ("42", Style(bg: .green)),
            ("107", Style(bg: .brightWhite)), ("38;5;196", Style(fg: .indexed(196))),
            ("48;5;17", Style(bg: .indexed(17))),
            ("38;2;255;128;0", Style(fg: .rgb(255, 128, 0))), ("48;2;1;2;3", Style(bg: .rgb(1, 2, 3))),
            ("38:5:196", Style(fg: .indexed(196))), ("38:2::255:128:0", Style(fg: .rgb(255, 128, 0))),
            ("38:2:255:128:0", Style(fg: .rgb(255, 128, 0))), ("48:2:0:10:20:30", Style(bg: .rgb(10, 20, 30))),
            ("1;31;44", Style(fg: .red, bg: .blue, attributes: .bold)),
            ("38;5;1;1", Style(fg: .indexed(1), attributes: .bold)),
            ("38;2;1;2;3;4", Style(fg: .rgb(1, 2, 3), attributes: .underline)), ("", Style()), ("31;0", Style()),
            ("1;22", Style()), ("3;23", Style()), ("4;24", Style()), ("7;27", Style()), ("9;29", Style()),
            ("2;1;22", Style()),
            ("31;39", Style()), ("41;49", Style()), ("38;5;300", Style()), ("38;2;256;0;0", Style()), ("38;5", Style()),
            ("5;6;8;21;25;28;53", Style()), ("58;5;4;1", Style(attributes: .bold)), ("4:0", Style()),
            ("99999999999999999999", Style()),
        ] as [(String, Style)])
    func sgrTable(_ sgr: String, _ expected: Style) {
        #expect(style(sgr) == expected)
    }

    /// Resets and defaults go back to the base style, never below it.
    @Test func resetsToBase() {
        let base = Style(fg: .yellow, bg: .black, attributes: .bold)
        #expect(style("0", base: base) == base)
        #expect(style("31;39", base: base) == base)
        #expect(style("44;49", base: base) == base)
        #expect(style("22", base: base) == base)
        #expect(style("3;23", base: base) == base)
        #expect(style("31", base: base) == Style(fg: .red, bg: .black, attributes: .bold))
    }

    /// Spans split where the style changes, merge where it does not, and skip empty text.
    @Test func spans() {
        let spans = parse("\u{1B}[1mStep\u{1B}[0m \u{1B}[32m\u{1B}[32mok\u{1B}[1m\u{1B}[22m!\u{1B}[0m")
        #expect(
            spans == [
                StyledSpan(text: "Step", style: Style(attributes: .bold)),
                StyledSpan(text: " "),
                StyledSpan(text: "ok!", style: Style(fg: .green)),
            ])
        #expect(parse("") == [])
        #expect(parse("\u{1B}[31m\u{1B}[0m") == [])
    }

    /// With NO_COLOR, colours are dropped and attributes kept.
    @Test func noColor() {
        let base = Style(fg: .cyan)
        let spans = parse("\u{1B}[1;31;48;5;20mred\u{1B}[38;2;1;2;3m x\u{1B}[0m.", base: base, colors: false)
        #expect(
            spans == [
                StyledSpan(text: "red x", style: Style(fg: .cyan, attributes: .bold)),
                StyledSpan(text: ".", style: base),
            ])
    }

    /// SGR with private or intermediate bytes is not interpreted, only removed.
    @Test func privateSGRIgnored() {
        #expect(parse("\u{1B}[>4;1mx\u{1B}[?1mx\u{1B}[1$m") == [StyledSpan(text: "xx")])
    }

    /// Non-SGR sequences and controls are sanitized inside spans; tabs count columns across spans.
    @Test func sanitizedSpans() {
        let spans = parse("\u{1B}]0;t\u{07}\u{1B}[31ma\u{1B}[0m\tb\u{1B}[2J\u{7}\u{202E}")
        #expect(spans == [StyledSpan(text: "a", style: Style(fg: .red)), StyledSpan(text: "       b\u{2407}")])
    }

    /// Carriage returns: the last rewrite wins; what it does not reach remains; trailing \r and
    /// \r\n change nothing else.
    @Test(
        arguments: [
            ("10%\r20%\r30%", "30%"),
            ("downloading 10%\r50%", "50%nloading 10%"),
            ("abc\r", "abc"),
            ("abc\r\n", "abc"),
            ("abc\n", "abc"),
            ("\rabc", "abc"),
            ("abc\r\r\rx", "xbc"),
            ("漢字\rx", "x 字"),
            ("ab\r漢", "漢"),
            ("abc\r漢", "漢c"),
            ("a漢\r12", "12 "),
            ("\u{1B}[31mabcdef\u{1B}[0m\r\u{1B}[32mXY", "XYcdef"),
            ("\u{1B}]0;x\u{07}abc\r\u{1B}]0;y\u{07}z", "zbc"),
            ("a\u{1B}\rb", "b\u{241B}"),
            ("e\u{301}e\u{301}\rx", "xe\u{301}"),
            ("ab\tc\rX", "Xb      c"),
        ] as [(String, String)])
    func carriageReturns(_ line: String, _ expected: String) {
        #expect(ANSIText.plainText(Array(line.utf8)) == expected)
    }

    /// A progress bar redrawn with \r shows its last state, with the styles cells had.
    @Test func progressStyles() {
        let line = "\u{1B}[31mdownloading 10%\u{1B}[0m\r\u{1B}[32m50%"
        #expect(
            parse(line) == [
                StyledSpan(text: "50%", style: Style(fg: .green)),
                StyledSpan(text: "nloading 10%", style: Style(fg: .red)),
            ])
    }

    /// applyCarriageReturns leaves lines without \r alone, rewrites others with canonical SGR,
    /// and is idempotent under parse.
    @Test func applyCarriageReturns() {
        let plain = Array("\u{1B}[31mred\u{1B}[0m".utf8)
        #expect(ANSIText.applyCarriageReturns(plain) == plain)
        #expect(ANSIText.applyCarriageReturns(Array("abc\r\n".utf8)) == Array("abc\n".utf8))
        #expect(ANSIText.applyCarriageReturns(Array("10%\r20%\r30%".utf8)) == Array("30%".utf8))
        let line = Array("\u{1B}[1;31mdownloading 10%\r\u{1B}[0;48;5;20;38;2;1;2;3m50%\u{1B}[0m\n".utf8)
        let applied = ANSIText.applyCarriageReturns(line)
        #expect(
            String(decoding: applied, as: UTF8.self)
                == "\u{1B}[0;38;2;1;2;3;48;5;20m50%\u{1B}[0;1;31mnloading 10%\u{1B}[0m\n")
        let base = Style(fg: .white, attributes: .italic)
        #expect(ANSIText.parse(applied, base: base, colors: true) == ANSIText.parse(line, base: base, colors: true))
        #expect(ANSIText.applyCarriageReturns(applied) == applied)
    }

    /// plainText strips escapes and sanitizes.
    @Test func plainText() {
        #expect(
            ANSIText.plainText(Array("\u{1B}[1m#5 \u{1B}]8;;u\u{07}done\u{1B}]8;;\u{07}\u{1B}[0m 0.3s\u{7}".utf8))
                == "#5 done 0.3s\u{2407}")
    }
}
