import Testing

@testable import TerminalKit

@Suite struct SanitizerTests {
    private func clean(_ s: String) -> String { Sanitizer.sanitize(Array(s.utf8)) }

    /// Printable ASCII passes untouched, from bytes and from strings.
    @Test func asciiUnchanged() {
        let s = "Step 1/4 : FROM busybox ~!@#$%^&*()_+{}|:\"<>?`-=[]\\;',./"
        #expect(Sanitizer.sanitize(s) == s)
        #expect(Sanitizer.sanitize(Array(s.utf8)) == s)
        #expect(Sanitizer.sanitize("") == "")
    }

    /// Printable Unicode (CJK, emoji sequences, combining marks) passes untouched.
    @Test func unicodeUnchanged() {
        for s in ["漢字", "👩\u{200D}💻", "🇯🇵", "e\u{301}", "⚠\u{FE0F}", "ñandú", "\u{E000}", "\u{AD}"] {
            #expect(Sanitizer.sanitize(s) == s)
        }
    }

    /// Escape sequences of every kind are removed whole.
    @Test(
        arguments: [
            ("a\u{1B}[31mb\u{1B}[0m", "ab"),
            ("\u{1B}[?25lx\u{1B}[?25h", "x"),
            ("\u{1B}[>4;2mx", "x"),
            ("\u{1B}[2 qx", "x"),
            ("a\u{1B}]0;title\u{07}b", "ab"),
            ("a\u{1B}]2;title\u{1B}\\b", "ab"),
            ("\u{1B}]52;c;ZWNobyBoaQ==\u{07}ok", "ok"),
            ("\u{1B}]8;;http://x/\u{1B}\\link\u{1B}]8;;\u{1B}\\", "link"),
            ("\u{1B}P$q m\u{1B}\\x", "x"),
            ("\u{1B}_Gf=100;AAAA\u{1B}\\x", "x"),
            ("\u{1B}^pm\u{1B}\\x\u{1B}Xsos\u{1B}\\", "x"),
            ("\u{1B}(Bx\u{1B}#8\u{1B}7\u{1B}8\u{1B}c\u{1B}M", "x"),
            ("\u{9B}31mx\u{9B}0m", "x"),
            ("\u{9D}0;t\u{9C}x\u{9D}0;t\u{07}y", "xy"),
            ("\u{90}q\u{9C}x\u{98}s\u{9C}\u{9E}p\u{9C}\u{9F}a\u{9C}", "x"),
            ("\u{1B}]0;a\u{1B}[31mred\u{07}", "red\u{2407}"),
            ("\u{1B}]0;abc\u{18}shown", "shown"),
        ] as [(String, String)])
    func sequencesRemoved(_ input: String, _ expected: String) {
        #expect(clean(input) == expected)
        #expect(Sanitizer.sanitize(input) == expected)
    }

    /// A lone or cut-off ESC shows as ␛ and what followed it stays visible as text.
    @Test(
        arguments: [
            ("\u{1B}", "\u{241B}"),
            ("abc\u{1B}", "abc\u{241B}"),
            ("\u{1B}[31", "\u{241B}[31"),
            ("\u{1B}]0;title", "\u{241B}]0;title"),
            ("\u{1B}]0;t\u{1B}", "\u{241B}]0;t\u{241B}"),
            ("\u{1B}[3\u{E9}m", "\u{241B}[3\u{E9}m"),
            ("\u{1B}\u{1B}[1m", "\u{241B}"),
            ("\u{1B}(", "\u{241B}("),
            ("\u{9B}31", "\u{FFFD}31"),
            ("\u{9D}0;x", "\u{FFFD}0;x"),
        ] as [(String, String)])
    func truncatedSequences(_ input: String, _ expected: String) {
        #expect(clean(input) == expected)
    }

    /// C0 controls become Control Pictures, \n ␤, DEL ␡, C1 �; TAB expands to the next multiple of 8.
    @Test func controls() {
        #expect(clean("a\u{0}b\u{7}c") == "a\u{2400}b\u{2407}c")
        #expect(clean("a\nb\rc") == "a\u{2424}b\u{240D}c")
        #expect(clean("x\u{7F}\u{85}\u{9C}") == "x\u{2421}\u{FFFD}\u{FFFD}")
        #expect(clean("a\u{2028}b\u{2029}") == "a\u{2424}b\u{2424}")
        #expect(clean("\tx") == "        x")
        #expect(clean("abc\tx\ty") == "abc     x       y")
        #expect(clean("漢字\tx") == "漢字    x")
        #expect(clean("e\u{301}\tx") == "e\u{301}       x")
        #expect(clean("12345678\tx") == "12345678        x")
        #expect(clean("\u{1B}[31mab\u{1B}[0m\tx") == "ab      x")
    }

    /// BiDi controls and deprecated format controls are removed; a dangling ZWJ too.
    @Test func invisibleControls() {
        #expect(clean("evil\u{202E}txt.exe") == "eviltxt.exe")
        #expect(clean("\u{2066}a\u{2069}\u{200E}\u{200F}\u{061C}b\u{202A}\u{202B}\u{202C}\u{202D}") == "ab")
        #expect(clean("\u{206A}x\u{FFF9}y\u{FFFB}") == "xy")
        #expect(clean("a\u{200D}漢") == "a漢")
        #expect(clean("\u{200D}x\u{200D}") == "x")
        #expect(clean("👩\u{200D}💻") == "👩\u{200D}💻")
    }

    /// Invalid UTF-8 becomes U+FFFD, one per maximal invalid subsequence, never a control.
    @Test(
        arguments: [
            ([0xC0, 0xAF], "\u{FFFD}\u{FFFD}"),
            ([0xC0, 0x9B], "\u{FFFD}\u{FFFD}"),
            ([0xED, 0xA0, 0x80], "\u{FFFD}\u{FFFD}\u{FFFD}"),
            ([0x61, 0xE2, 0x82], "a\u{FFFD}"),
            ([0xFF, 0x61], "\u{FFFD}a"),
            ([0xE2, 0x82, 0x1B, 0x5B, 0x31, 0x6D, 0x62], "\u{FFFD}b"),
            ([0x9B, 0x33, 0x31, 0x6D], "\u{FFFD}31m"),
        ] as [([UInt8], String)])
    func invalidUTF8(_ bytes: [UInt8], _ expected: String) {
        #expect(Sanitizer.sanitize(bytes) == expected)
    }

    /// Scalars unassigned in Unicode 14 (glibc cannot measure them) become �.
    @Test func unassigned() {
        #expect(clean("a\u{1FAE8}b\u{378}") == "a\u{FFFD}b\u{FFFD}")
    }

    /// isSafe accepts sanitized text and rejects controls, C1, BiDi controls and unmeasurable scalars.
    @Test func isSafe() {
        #expect(Sanitizer.isSafe("漢字 👩\u{200D}💻 e\u{301}"))
        for bad in ["\u{1B}", "\u{0}", "\u{7F}", "\u{9B}", "\u{202E}", "\u{2028}", "\u{1FAE8}", "\t", "\n"] {
            #expect(!Sanitizer.isSafe("a" + bad))
        }
    }
}
