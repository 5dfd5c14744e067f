/// Hostile inputs for tests: byte strings a build could print to attack or break a terminal
/// (controls, escape sequences that set titles, write the clipboard, open links, ask the terminal
/// to answer, invalid UTF-8, BiDi overrides, truncated and very long sequences).
///
/// Whatever goes through ``Sanitizer``, ``ANSIText`` or ``Screen`` must come out with no control,
/// no escape and no BiDi control (``Sanitizer/isSafe(_:)-(String)``). Deterministic: the same
/// samples in every run.
public enum HostileCorpus {
    /// All samples (more than 600).
    public static let samples: [[UInt8]] = build()

    private static func b(_ s: String) -> [UInt8] { Array(s.utf8) }

    private static func build() -> [[UInt8]] {
        var out: [[UInt8]] = []
        let esc: UInt8 = 0x1B

        // Every byte alone, and every C0, DEL and raw high byte inside text.
        for v in 0...255 { out.append([UInt8(v)]) }
        for v in Array(0...0x1F) + Array(0x7F...0xFF) { out.append(b("ab") + [UInt8(v)] + b("cd")) }
        // C1 controls as UTF-8 (U+0080–U+009F) alone and embedded.
        for v in 0x80...0x9F {
            out.append([0xC2, UInt8(v)])
            out.append(b("x") + [0xC2, UInt8(v)] + b("31m;title\u{07}y"))
        }

        // CSI with every final byte, with parameters, private markers and intermediates.
        for f in 0x40...0x7E {
            out.append(b("a\u{1B}[1;2") + [UInt8(f)] + b("b"))
            out.append(b("\u{1B}[?25") + [UInt8(f)])
        }
        let csi = [
            "\u{1B}[6n", "\u{1B}[c", "\u{1B}[>c", "\u{1B}[21t", "\u{1B}[8;100;300t", "\u{1B}[3J", "\u{1B}[2J\u{1B}[H",
            "\u{1B}[1000;1000H", "\u{1B}[?1049h", "\u{1B}[?1000h\u{1B}[?1006h", "\u{1B}[?2004h",
            "\u{1B}[200~rm -rf /\u{1B}[201~",
            "\u{1B}[>4;2m", "\u{1B}[2 q", "\u{1B}[!p", "\u{1B}[4i", "\u{1B}[5i", "\u{1B}[?5W", "\u{1B}[=5u",
            "\u{1B}[1;31;$m",
            "\u{1B}[38;2;255;0;0mred\u{1B}[0m", "\u{1B}[38:2::255:0:0mred", "\u{1B}[5;8mhidden", "\u{1B}[2Kline",
            "\u{1B}[1$p", "\u{1B}[0 @", "\u{1B}[?1;2;3;4;5;6;7;8;9;10;11;12$y",
        ]
        out += csi.map(b)

        // OSC: titles, clipboard, hyperlinks, palette, notifications, queries.
        let osc = [
            "\u{1B}]0;pwned\u{07}", "\u{1B}]2;title\u{1B}\\", "\u{1B}]1;icon\u{07}",
            "\u{1B}]52;c;ZWNobyBoYWNrZWQ=\u{07}", "\u{1B}]52;c;?\u{07}", "\u{1B}]52;p;ZXZpbA==\u{1B}\\",
            "\u{1B}]8;;http://evil.example/\u{1B}\\click me\u{1B}]8;;\u{1B}\\",
            "\u{1B}]8;id=1;file:///etc/passwd\u{07}link\u{1B}]8;;\u{07}", "\u{1B}]4;1;rgb:ff/00/00\u{07}",
            "\u{1B}]10;?\u{07}", "\u{1B}]11;?\u{1B}\\", "\u{1B}]7;file://host/tmp\u{07}", "\u{1B}]9;notify\u{07}",
            "\u{1B}]777;notify;title;body\u{07}", "\u{1B}]1337;File=name=eA==;inline=1:AAAA\u{07}",
            "\u{1B}]133;A\u{07}", "\u{1B}]50;?\u{07}", "\u{1B}]104\u{07}", "\u{1B}]0;title with \u{1F680} emoji\u{07}",
        ]
        out += osc.map(b)

        // DCS, SOS, PM, APC (terminal replies, sixel, kitty graphics, tmux passthrough).
        let strings = [
            "\u{1B}P$q m\u{1B}\\", "\u{1B}P+q544e\u{1B}\\", "\u{1B}Pq#0;2;0;0;0#1;2;100;100;0#1~~@@vv@@~~\u{1B}\\",
            "\u{1B}Ptmux;\u{1B}\u{1B}]52;c;ZXZpbA==\u{07}\u{1B}\\", "\u{1B}P1;1|17/ab\u{1B}\\",
            "\u{1B}_Gf=100,a=T;iVBORw0KGgo=\u{1B}\\", "\u{1B}^private message\u{1B}\\",
            "\u{1B}Xstart of string\u{1B}\\",
            "\u{1B}_APC with BEL\u{07}after",
        ]
        out += strings.map(b)

        // 8-bit C1 introducers (as UTF-8 and as raw bytes).
        let c1 = [
            "\u{9B}31mred", "\u{9B}2J", "\u{9B}6n", "\u{9D}0;title\u{9C}", "\u{9D}52;c;ZXZpbA==\u{07}",
            "\u{90}$q m\u{9C}", "\u{98}sos\u{9C}", "\u{9E}pm\u{9C}", "\u{9F}apc\u{9C}", "a\u{9C}b",
            "\u{9D}8;;http://x\u{9C}l\u{9D}8;;\u{9C}",
        ]
        out += c1.map(b)
        out += [[0x9B] + b("31m"), [0x9D] + b("0;t") + [0x07], [0x90] + b("q") + [0x9C], b("a") + [0x9B, 0x36, 0x6E]]

        // Truncated sequences at the end of a line.
        let truncated = [
            "\u{1B}", "text\u{1B}", "\u{1B}[", "\u{1B}[3", "\u{1B}[38;2;1", "\u{1B}[?", "\u{1B}]", "\u{1B}]0;ti",
            "\u{1B}]52;c;ZXZp", "\u{1B}]8;;http://x", "\u{1B}P", "\u{1B}P$q", "\u{1B}_G", "\u{1B}^", "\u{1B}X",
            "\u{1B}(",
            "\u{1B}#", "\u{1B} ", "\u{1B}]0;t\u{1B}", "\u{9B}", "\u{9B}3", "\u{9D}0;x", "\u{90}", "\u{1B}[1;",
            "\u{1B}\u{1B}",
        ]
        out += truncated.map(b)

        // Nested or interrupted sequences.
        let nested = [
            "\u{1B}]0;a\u{1B}[31mred\u{07}", "\u{1B}]0;\u{1B}]0;x\u{07}\u{07}", "\u{1B}]8;;\u{1B}]52;c;x\u{07}\u{1B}\\",
            "\u{1B}[3\u{1B}[31m", "\u{1B}[3\u{0A}1m", "\u{1B}]0;a\u{18}visible", "\u{1B}P\u{1A}visible",
            "\u{1B}[\u{9B}31m",
            "\u{1B}\u{9D}0;x\u{07}", "\u{1B}[31\u{7F}m", "\u{1B}[31\u{E9}m", "\u{1B}\u{7F}", "\u{1B}\u{E9}",
            "\u{1B}\u{0}",
        ]
        out += nested.map(b)
        for v in 0...0x1F {
            out.append(b("\u{1B}[3") + [UInt8(v)] + b("1m"))
            out.append(b("\u{1B}]0;a") + [UInt8(v)] + b("b\u{07}c"))
        }

        // BiDi controls and other invisible troublemakers.
        let bidi = [
            "\u{202E}evil.exe", "abc\u{2066}def\u{2069}", "\u{200F}\u{200E}\u{061C}",
            "\u{202A}\u{202B}\u{202C}\u{202D}",
            "if (isAdmin\u{202E} \u{2066}// check\u{2069} \u{2066}) {", "\u{2067}\u{2068}x", "a\u{2028}b\u{2029}c",
            "\u{206A}\u{206B}\u{206C}\u{206D}\u{206E}\u{206F}", "\u{FFF9}a\u{FFFA}b\u{FFFB}", "\u{200D}\u{200D}",
            "a\u{200D}",
            "\u{FEFF}bom", "\u{E0001}\u{E0041}", "\u{10FFFF}\u{FFFE}\u{FFFF}", "\u{1FAE8}", "\u{0378}",
        ]
        out += bidi.map(b)

        // Carriage returns mixed with sequences and wide text (progress bars gone wrong).
        let cr = [
            "10%\r20%\r30%", "ok\r\u{1B}[2K\u{1B}[1Gdone", "漢字\rx\u{1B}]52;c;eA==\u{07}", "10%\r\u{202E}20%",
            "\u{1B}[31mabc\r\u{1B}[", "a\r\u{9B}31m", "\u{1B}]0;a\rb\u{07}", "abc\r\u{1B}", "\r\r\u{0}\r",
            "\u{1B}[38;5;1mred\r\u{1B}[48;2;1;2;3mbg\r\u{1B}[0m", "👍🏽\rx", "x\r\u{301}y", "\u{1B}[1m\t\ra\tb",
            "🇯🇵🇯🇵\r🇯", "a\u{200D}\r漢", "\r\n", "a\r\nb\r\n",
        ]
        out += cr.map(b)

        // NUL.
        out += [[0], b("a") + [0] + b("b"), [0, 0, 0], b("\u{1B}[") + [0] + b("m")]

        // Invalid UTF-8.
        let invalid: [[UInt8]] = [
            [0xC0, 0xAF], [0xE0, 0x80, 0xAF], [0xF0, 0x80, 0x80, 0xAF], [0xC0, 0x9B], [0xC1, 0x9B], [0xC0, 0x80],
            [0xE0, 0x80, 0x9B], [0xED, 0xA0, 0x80], [0xED, 0xBF, 0xBF], [0xED, 0xA0, 0xBD, 0xED, 0xB8, 0x80],
            [0xE2, 0x82], [0xF0, 0x9F, 0x98], [0xFF], [0xFE], [0xF5, 0x80, 0x80, 0x80], [0xF4, 0x90, 0x80, 0x80],
            [0x80], [0xBF, 0x80], [0xC2], [0xE2, 0x82, 0x1B, 0x5B, 0x33, 0x31, 0x6D],
            [0xC2, 0x1B, 0x5D, 0x30, 0x3B, 0x07],
            [0xF8, 0x88, 0x80, 0x80, 0x80], [0xFC, 0x84, 0x80, 0x80, 0x80, 0x80],
        ]
        for bytes in invalid {
            out.append(bytes)
            out.append(b("ok ") + bytes + b(" ok"))
        }

        // Very long sequences and floods.
        out.append(b("\u{1B}[") + Array(repeating: b("1;"), count: 5000).flatMap { $0 } + b("m"))
        out.append(b("\u{1B}]0;") + Array(repeating: 0x41, count: 100_000) + [0x07])
        out.append(b("\u{1B}]0;") + Array(repeating: 0x41, count: 100_000))
        out.append(Array(repeating: esc, count: 10_000))
        out.append(Array(repeating: b("\u{1B}]"), count: 5000).flatMap { $0 })
        out.append(Array(repeating: b("\u{9D}"), count: 5000).flatMap { $0 })
        out.append(Array(repeating: b("\u{9B}"), count: 5000).flatMap { $0 })
        out.append(
            b("\u{1B}[99999999999999999999999m\u{1B}[38;5;999m\u{1B}[38;2;300;300;300m\u{1B}[38;2m\u{1B}[48;5mx"))
        out.append(b("a") + Array(repeating: b("\u{301}"), count: 1000).flatMap { $0 })
        out.append(Array(repeating: b("\u{1F469}\u{200D}"), count: 500).flatMap { $0 })
        out.append(Array(repeating: 0x09, count: 1000))
        out.append(Array(repeating: b("x\r"), count: 1000).flatMap { $0 } + b("\u{1B}[31m"))
        out.append(Array(repeating: 0x0D, count: 1000) + b("\u{1B}"))
        var seen = Set<[UInt8]>()
        return out.filter { seen.insert($0).inserted }
    }
}
