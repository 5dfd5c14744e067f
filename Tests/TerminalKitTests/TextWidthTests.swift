import Testing

@testable import TerminalKit

#if canImport(Glibc)
    import Glibc
#endif

@Suite struct TextWidthTests {
    /// Widths of single graphemes agree with glibc 2.36 wcwidth and tmux 3.3a (SWIFT-NOTES §P6).
    @Test(
        arguments: [
            ("a", 1), ("漢", 2), ("ｱ", 1), ("Ａ", 2), ("한", 2), ("\u{1112}\u{1161}\u{11AB}", 2), ("🚀", 2), ("✅", 2),
            ("e\u{301}", 1), ("\u{301}", 0), ("🇯🇵", 2), ("🇯", 1), ("👩\u{200D}💻", 2),
            ("👨\u{200D}👩\u{200D}👧\u{200D}👦", 2), ("⚠\u{FE0F}", 1), ("❤\u{FE0F}", 1), ("1\u{FE0F}\u{20E3}", 1),
            ("🏳\u{FE0F}\u{200D}🌈", 1), ("👍🏽", 4), ("क\u{93F}", 2), ("\u{200B}", 0), ("\u{AD}", 1), ("…", 1),
            ("─", 1), ("\u{3000}", 2), ("\u{E000}", 1), ("\u{1F3FB}", 2), ("\u{1B}", 0), ("\u{85}", 0),
            ("\u{1FAE8}", 0),
            ("\u{0}", 0), ("\u{2028}", 0), ("\u{FE0F}", 0),
        ] as [(String, Int)])
    func graphemeWidth(_ text: String, _ width: Int) {
        #expect(text.count == 1)
        if let c = text.first { #expect(TextWidth.width(of: c) == width) }
    }

    /// String widths add up grapheme widths (the ASCII fast path included).
    @Test func stringWidth() {
        #expect(TextWidth.width("") == 0)
        #expect(TextWidth.width("hello") == 5)
        #expect(TextWidth.width("漢字 ok") == 7)
        #expect(TextWidth.width("caf\u{E9} cafe\u{301}") == 9)
        #expect(TextWidth.width("👩\u{200D}💻🇯🇵") == 4)
    }

    /// Printability follows glibc: unassigned scalars in Unicode 14 and U+2028 are not printable.
    @Test func printable() {
        #expect(TextWidth.isPrintable("a"))
        #expect(TextWidth.isPrintable("\u{E000}"))
        #expect(!TextWidth.isPrintable("\u{1FAE8}"))
        #expect(!TextWidth.isPrintable("\u{378}"))
        #expect(!TextWidth.isPrintable("\u{2028}"))
        #expect(!TextWidth.isPrintable("\u{9B}"))
        #expect(!TextWidth.isPrintable("\u{7F}"))
    }

    /// truncate keeps the longest prefix that fits, with an ellipsis when cut, never half a wide grapheme.
    @Test func truncate() {
        #expect(TextWidth.truncate("hello", to: 5) == "hello")
        #expect(TextWidth.truncate("hello world", to: 6) == "hello…")
        #expect(TextWidth.truncate("hello world", to: 6, ellipsis: false) == "hello ")
        #expect(TextWidth.truncate("漢字漢字", to: 5) == "漢字…")
        #expect(TextWidth.truncate("漢字漢字", to: 4, ellipsis: false) == "漢字")
        #expect(TextWidth.truncate("漢字漢字", to: 3, ellipsis: false) == "漢")
        #expect(TextWidth.truncate("abc", to: 0) == "")
        #expect(TextWidth.truncate("abc", to: 1) == "…")
        #expect(TextWidth.truncate("e\u{301}e\u{301}e\u{301}", to: 2) == "e\u{301}…")
    }

    /// pad fills with spaces or cuts to exactly the width.
    @Test func pad() {
        #expect(TextWidth.pad("ab", to: 4) == "ab  ")
        #expect(TextWidth.pad("漢字", to: 3) == "漢 ")
        #expect(TextWidth.pad("abcdef", to: 3) == "abc")
        #expect(TextWidth.width(TextWidth.pad("👍🏽a", to: 3)) == 3)
    }

    /// wrap cuts by columns, never inside a grapheme, and joining the lines gives the text back.
    @Test func wrap() {
        #expect(TextWidth.wrap("abcdefg", width: 3) == ["abc", "def", "g"])
        #expect(TextWidth.wrap("", width: 3) == [""])
        #expect(TextWidth.wrap("ab漢字", width: 3) == ["ab", "漢", "字"])
        #expect(TextWidth.wrap("漢字", width: 1) == ["漢", "字"])
        #expect(TextWidth.wrap("abc\u{301}d", width: 3) == ["abc\u{301}", "d"])
        #expect(TextWidth.wrap("👩\u{200D}💻👩\u{200D}💻", width: 2) == ["👩\u{200D}💻", "👩\u{200D}💻"])
        #expect(TextWidth.wrap("abc", width: 0) == ["abc"])
        // Breaks fall between words; only a word longer than a line is cut.
        #expect(TextWidth.wrap("exit code: 3 from the build", width: 12) == ["exit code: 3", "from the", "build"])
        #expect(TextWidth.wrap("a verylongword b", width: 5) == ["a", "veryl", "ongwo", "rd b"])
        let text = "Step 3/9 : RUN apk add 漢字 🇯🇵 e\u{301} 👍🏽 done"
        for w in 1...12 {
            let lines = TextWidth.wrap(text, width: w)
            #expect(lines.joined().filter { $0 != " " } == text.filter { $0 != " " })
            #expect(lines.allSatisfy { TextWidth.width($0) <= max(w, 4) && !$0.hasPrefix(" ") && !$0.hasSuffix(" ") })
            if w >= 6 { #expect(lines.joined(separator: " ") == text) }
        }
    }

    /// Every scalar measures exactly as glibc's wcwidth in C.UTF-8 (checked where glibc 2.36 runs).
    @Test(.enabled(if: TextWidthTests.hasGlibc236)) func matchesGlibcWcwidth() {
        #if canImport(Glibc)
            typealias WCWidth = @convention(c) (Int32) -> Int32
            guard let sym = dlsym(UnsafeMutableRawPointer(bitPattern: 0), "wcwidth") else {
                Issue.record("no wcwidth")
                return
            }
            let wcwidth = unsafeBitCast(sym, to: WCWidth.self)
            guard let loc = newlocale(LC_CTYPE_MASK, "C.UTF-8", nil) else {
                Issue.record("no C.UTF-8 locale")
                return
            }
            let old = uselocale(loc)
            defer {
                uselocale(old)
                freelocale(loc)
            }
            var mismatches: [String] = []
            for v in UInt32(0)...0x10FFFF {
                guard let s = Unicode.Scalar(v) else { continue }
                let c = wcwidth(Int32(bitPattern: v))
                let expected = max(0, Int(c))
                if TextWidth.width(of: s) != expected || TextWidth.isPrintable(s) != (c >= 0 && v != 0) {
                    if v == 0 { continue }
                    mismatches.append(String(v, radix: 16))
                }
            }
            #expect(mismatches.isEmpty, "differ from wcwidth: \(mismatches.prefix(20))")
        #endif
    }

    static var hasGlibc236: Bool {
        #if canImport(Glibc)
            // glibc's version, without the non-modular gnu_get_libc_version().
            typealias Version = @convention(c) () -> UnsafePointer<CChar>?
            guard let sym = dlsym(UnsafeMutableRawPointer(bitPattern: 0), "gnu_get_libc_version"),
                let v = unsafeBitCast(sym, to: Version.self)()
            else { return false }
            return String(cString: v) == "2.36"
        #else
            return false
        #endif
    }
}
