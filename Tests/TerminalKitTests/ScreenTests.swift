import Testing

@testable import TerminalKit

@Suite struct ScreenTests {
    let red = Style(fg: .red)
    let blue = Style(fg: .blue, attributes: .bold)

    /// Plain ASCII lands cell by cell and text() trims trailing spaces.
    @Test func writePlain() {
        var s = Screen(size: Size(width: 10, height: 2))
        let used = s.write("hello", x: 2, y: 1, style: red)
        #expect(used == 5)
        #expect(s.text() == "\n  hello")
        #expect(s[2, 1] == Cell("h", style: red))
        #expect(s[7, 1] == Cell(" "))
    }

    /// Text is cut at the clip's right edge and nothing is drawn outside the clip.
    @Test func writeClipped() {
        var s = Screen(size: Size(width: 10, height: 3))
        let used = s.write("abcdefgh", x: 1, y: 1, style: .plain, clip: Rect(x: 2, y: 1, width: 4, height: 1))
        #expect(s.row(1) == "  bcde")
        #expect(used == 5)
        #expect(s.write("zzz", x: 0, y: 0, style: .plain, clip: Rect(x: 0, y: 1, width: 10, height: 1)) == 0)
        #expect(s.row(0) == "")
    }

    /// A wide grapheme is its text once followed by an empty continuation, so a row reads as tmux shows it.
    @Test func wideCharacters() {
        var s = Screen(size: Size(width: 8, height: 1))
        #expect(s.write("漢字x", x: 0, y: 0, style: red) == 5)
        #expect(s[0, 0].text == "漢")
        #expect(s[1, 0].text == "")
        #expect(s[2, 0].text == "字")
        #expect(s[3, 0].text == "")
        #expect(s[4, 0].text == "x")
        #expect(s.text() == "漢字x")
    }

    /// A wide grapheme that does not fit before the clip's right edge becomes a space.
    @Test func wideAtRightEdge() {
        var s = Screen(size: Size(width: 6, height: 1))
        s.fill(s.bounds, style: .plain, char: ".")
        let used = s.write("ab漢", x: 0, y: 0, style: red, clip: Rect(x: 0, y: 0, width: 3, height: 1))
        #expect(s.row(0) == "ab ...")
        #expect(s[2, 0] == Cell(" ", style: red))
        #expect(used == 3)
        var t = Screen(size: Size(width: 3, height: 1))
        t.write("ab漢", x: 0, y: 0, style: .plain)
        #expect(t.row(0) == "ab")
        #expect(t[2, 0].text == " ")
    }

    /// A wide grapheme cut by the clip's left edge leaves a space in its visible half.
    @Test func wideAtLeftEdge() {
        var s = Screen(size: Size(width: 6, height: 1))
        s.fill(s.bounds, style: .plain, char: ".")
        s.write("漢ab", x: 1, y: 0, style: red, clip: Rect(x: 2, y: 0, width: 4, height: 1))
        #expect(s.row(0) == ".. ab.")
    }

    /// Zero-width graphemes (a lone combining mark, controls, BiDi controls) are never cells of their own.
    @Test func zeroWidthSkipped() {
        var s = Screen(size: Size(width: 8, height: 1))
        let used = s.write("\u{301}a\u{1B}b\u{202E}c\u{200B}", x: 0, y: 0, style: .plain)
        #expect(s.row(0) == "abc")
        #expect(used == 3)
        s.write("e\u{301}!", x: 4, y: 0, style: .plain)
        #expect(s[4, 0].text == "e\u{301}")
        #expect(s[5, 0].text == "!")
    }

    /// Overwriting either half of a wide grapheme blanks the other half; a wide grapheme over
    /// the left half of another blanks that one's right half.
    @Test func overwriteWideHalves() {
        var s = Screen(size: Size(width: 6, height: 1))
        s.write("漢字", x: 0, y: 0, style: red)
        s.set(x: 1, y: 0, Cell("x", style: blue))
        #expect(s[0, 0] == Cell(" ", style: red))
        #expect(s.row(0) == " x字")
        s.set(x: 2, y: 0, Cell("y"))
        #expect(s.row(0) == " xy")
        #expect(s[3, 0].text == " ")
        s.write("漢字", x: 0, y: 0, style: red)
        s.write("字", x: 1, y: 0, style: blue)
        #expect(s.row(0) == " 字")
        #expect(s[0, 0].text == " ")
        #expect(s[1, 0].text == "字")
        #expect(s[2, 0].text == "")
        #expect(s[3, 0].text == " ")
    }

    /// set() with a wide cell writes its continuation; at the right edge it becomes a space; a
    /// continuation cell only restyles a real right half.
    @Test func setWideAndContinuation() {
        var s = Screen(size: Size(width: 4, height: 1))
        s.set(x: 0, y: 0, Cell("漢", style: red))
        s.set(x: 1, y: 0, Cell("", style: blue))
        #expect(s[0, 0] == Cell("漢", style: red))
        #expect(s[1, 0] == Cell("", style: blue))
        s.set(x: 3, y: 0, Cell("字"))
        #expect(s[3, 0].text == " ")
        s.set(x: 2, y: 0, Cell(""))
        #expect(s[2, 0].text == " ")
        s.set(x: 2, y: 0, Cell("\u{301}"))
        #expect(s.row(0) == "漢")
    }

    /// Graphemes wider than two cells (emoji with a skin tone, 4 in tmux) take several continuations.
    @Test func multiCellGrapheme() {
        var s = Screen(size: Size(width: 8, height: 1))
        #expect(s.write("👍🏽x", x: 0, y: 0, style: .plain) == 5)
        #expect(s[0, 0].text == "👍🏽")
        #expect((1...3).allSatisfy { s[$0, 0].text.isEmpty })
        #expect(s.row(0) == "👍🏽x")
        s.set(x: 2, y: 0, Cell("-"))
        #expect(s.row(0) == "  - x")
    }

    /// Styled spans are written one after another and clipped like text.
    @Test func writeSpans() {
        var s = Screen(size: Size(width: 10, height: 1))
        let spans = [
            StyledSpan(text: "ab", style: red), StyledSpan(text: "漢", style: blue), StyledSpan(text: "cdefgh"),
        ]
        #expect(s.write(spans, x: 1, y: 0, clip: Rect(x: 0, y: 0, width: 8, height: 1)) == 7)
        #expect(s.row(0) == " ab漢cde")
        #expect(s.styleDump() == "0: 0-0 plain | 1-2 fg=red | 3-4 fg=blue bold | 5-9 plain")
    }

    /// A box draws corners and edges, and a title inset in the top edge.
    @Test func box() {
        var s = Screen(size: Size(width: 13, height: 4))
        s.box(Rect(x: 0, y: 0, width: 13, height: 4), style: .plain, title: "build 漢字")
        #expect(
            s.text() == """
                ┌ build 漢… ┐
                │           │
                │           │
                └───────────┘
                """)
    }

    /// fill covers a rectangle, blanks wide graphemes it cuts, and repeats a wide fill character.
    @Test func fill() {
        var s = Screen(size: Size(width: 6, height: 2))
        s.write("漢字漢", x: 0, y: 0, style: .plain)
        s.fill(Rect(x: 1, y: 0, width: 2, height: 1), style: red, char: "-")
        #expect(s.row(0) == " -- 漢")
        s.fill(Rect(x: 0, y: 1, width: 5, height: 1), style: .plain, char: "字")
        #expect(s.row(1) == "字字")
        #expect(s[4, 1].text == " ")
    }

    /// styleDump lists style runs per row; colours are named, indexed and rgb spelled out.
    @Test func styleDump() {
        var s = Screen(size: Size(width: 6, height: 2))
        s.write("ab", x: 0, y: 0, style: Style(fg: .brightRed, bg: .indexed(236), attributes: [.underline, .italic]))
        s.write("c", x: 3, y: 1, style: Style(fg: .rgb(255, 8, 0), attributes: .strikethrough))
        #expect(
            s.styleDump() == """
                0: 0-1 fg=red+ bg=236 italic underline | 2-5 plain
                1: 0-2 plain | 3-3 fg=#ff0800 strike | 4-5 plain
                """)
        #expect(Screen(size: Size(width: 0, height: 1)).styleDump() == "0: ")
    }

    /// restyle changes styles and keeps text.
    @Test func restyle() {
        var s = Screen(size: Size(width: 4, height: 1))
        s.write("ab", x: 0, y: 0, style: .plain)
        s.restyle(Rect(x: 1, y: 0, width: 5, height: 1)) { $0.attributes.insert(.reverse) }
        #expect(s.row(0) == "ab")
        #expect(s[1, 0].style.attributes == .reverse)
        #expect(s[0, 0].style == .plain)
    }
}
