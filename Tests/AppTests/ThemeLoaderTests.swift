import App
import AppModel
import Foundation
import TerminalKit
import Testing
import Views

/// The repository's `themes/` folder, found from this file's path.
private let themesDir: String = {
    let url = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("themes")
    return url.path
}()

private let shippedThemes: [String] = {
    let entries = (try? FileManager.default.contentsOfDirectory(atPath: themesDir)) ?? []
    return entries.filter { $0.hasSuffix(".yaml") }.sorted()
}()

private func rgb(_ hex: UInt32) -> Color {
    .rgb(UInt8((hex >> 16) & 0xFF), UInt8((hex >> 8) & 0xFF), UInt8(hex & 0xFF))
}

/// Parses a buildtop theme with one role entry and returns that role's style.
private func roleStyle(_ entry: String, role: ThemeRole = .running) throws -> Style {
    try ThemeLoader.parse(yaml: "roles:\n  \(role.rawValue): \(entry)\n", name: "t").style(role)
}

/// The error message a parse throws, or nil.
private func parseError(_ yaml: String, name: String = "x") -> String? {
    do {
        _ = try ThemeLoader.parse(yaml: yaml, name: name)
        return nil
    } catch {
        return String(describing: error)
    }
}

struct ThemeLoaderTests {
    // MARK: shipped themes

    /// The required theme files ship in themes/.
    @Test func requiredThemesShip() {
        for file in ["default.yaml", "light.yaml", "high-contrast.yaml", "mono.yaml", "base16-tomorrow-night.yaml"] {
            #expect(shippedThemes.contains(file), "missing themes/\(file)")
        }
    }

    /// Every shipped theme loads by path and by name and defines every role.
    @Test(arguments: shippedThemes)
    func shippedThemeLoads(_ file: String) throws {
        let byPath = try ThemeLoader.load(nameOrPath: themesDir + "/" + file, searchDirectories: [])
        let byName = try ThemeLoader.load(nameOrPath: String(file.dropLast(5)), searchDirectories: [themesDir])
        #expect(byPath == byName)
        #expect(Set(byPath.styles.keys) == Set(ThemeRole.allCases))
        #expect(!byPath.name.isEmpty)
    }

    /// default.yaml and mono.yaml spell out exactly the built-in themes (so they can be copied as templates).
    @Test func templatesMatchBuiltIns() throws {
        let d = try ThemeLoader.load(nameOrPath: "default", searchDirectories: [themesDir])
        #expect(d.styles == Theme.default.styles)
        let m = try ThemeLoader.load(nameOrPath: "mono", searchDirectories: [themesDir])
        #expect(m.styles == Theme.mono.styles)
    }

    /// The built-in mono theme and mono.yaml use no colours at all.
    @Test func monoHasNoColours() throws {
        let m = try ThemeLoader.load(nameOrPath: "mono", searchDirectories: [themesDir])
        for role in ThemeRole.allCases {
            #expect(m.style(role).fg == .terminalDefault && m.style(role).bg == .terminalDefault, "\(role)")
            #expect(Theme.mono.style(role).fg == .terminalDefault && Theme.mono.style(role).bg == .terminalDefault)
        }
    }

    /// The light theme never draws yellow or white text on the terminal's own background.
    @Test func lightThemeAvoidsPaleText() throws {
        let light = try ThemeLoader.load(nameOrPath: "light", searchDirectories: [themesDir])
        let pale: Set<Color> = [.yellow, .white, .brightYellow, .brightWhite, .indexed(11), .indexed(15)]
        for role in ThemeRole.allCases {
            let s = light.style(role)
            #expect(!(pale.contains(s.fg) && s.bg == .terminalDefault), "\(role) uses \(s.fg) on the default background")
        }
    }

    /// `default` and `mono` are built in even when no directory provides them; names list directories' files.
    @Test func builtInsAndNames() throws {
        #expect(try ThemeLoader.load(nameOrPath: "default", searchDirectories: []) == Theme.default)
        #expect(try ThemeLoader.load(nameOrPath: "mono", searchDirectories: ["/nonexistent"]) == Theme.mono)
        let names = ThemeLoader.builtInNames(in: [themesDir, "/nonexistent"])
        #expect(names == names.sorted())
        #expect(Set(names).isSuperset(of: ["default", "mono", "light", "high-contrast", "base16-tomorrow-night"]))
        #expect(ThemeLoader.builtInNames(in: []) == ["default", "mono"])
    }

    /// The default theme uses the terminal's 16 colours as specified.
    @Test func defaultThemeShape() {
        let d = Theme.default
        #expect(d.style(.running).fg == .blue)
        #expect(d.style(.error).fg == .red)
        #expect(d.style(.warning).fg == .yellow && d.style(.canceled).fg == .yellow)
        #expect(d.style(.cached).fg == .cyan)
        #expect(d.style(.selection).attributes.contains(.reverse))
        #expect(d.style(.dim).attributes == .dim)
        #expect(d.style(.border) == .plain)
        #expect(d.style(.borderFocused).attributes.contains(.bold))
        for role in ThemeRole.allCases {
            for c in [d.style(role).fg, d.style(role).bg] {
                if case .ansi(let n) = c { #expect(n < 16) } else { #expect(c == .terminalDefault, "\(role)") }
            }
        }
    }

    /// A role missing from a theme falls back along ThemeRole.fallback, ending at plain.
    @Test func roleFallback() {
        let t = Theme(name: "partial", styles: [.selection: Style(attributes: .reverse), .dim: Style(attributes: .dim)])
        #expect(t.style(.selectionInactive) == Style(attributes: .reverse))
        #expect(t.style(.logTimestamp) == Style(attributes: .dim))
        #expect(t.style(.running) == .plain)
    }

    // MARK: role parsing

    /// Short string forms: colour names, attributes, `on` backgrounds, numbers and hex.
    @Test(arguments: [
        ("red bold", Style(fg: .red, attributes: .bold)),
        ("\"bold red\"", Style(fg: .red, attributes: .bold)),
        ("black on yellow underline", Style(fg: .black, bg: .yellow, attributes: .underline)),
        ("bright-red", Style(fg: .brightRed)),
        ("BRIGHT_Blue italic", Style(fg: .brightBlue, attributes: .italic)),
        ("gray", Style(fg: .brightBlack)),
        ("default on blue", Style(bg: .blue)),
        ("208", Style(fg: .indexed(208))),
        ("9", Style(fg: .ansi(9))),
        ("\"#ff8800 reverse\"", Style(fg: .rgb(255, 136, 0), attributes: .reverse)),
        ("\"#FfF on #000\"", Style(fg: .rgb(255, 255, 255), bg: .rgb(0, 0, 0))),
        ("dim strikethrough", Style(attributes: [.dim, .strikethrough])),
        ("plain", Style()),
        ("", Style()),
    ])
    func shortForm(_ entry: String, _ expected: Style) throws {
        #expect(try roleStyle(entry) == expected)
    }

    /// Mapping forms: fg/bg with names, numbers and quoted hex; boolean attributes.
    @Test(arguments: [
        ("{fg: green, bold: true}", Style(fg: .green, attributes: .bold)),
        ("{fg: \"#1d1f21\", bg: 236, reverse: yes, dim: true}", Style(fg: .rgb(0x1D, 0x1F, 0x21), bg: .indexed(236), attributes: [.reverse, .dim])),
        ("{bold: false, reverse: no}", Style()),
        ("{fg: default, bg: bright-white, underline: true, italic: true}", Style(bg: .brightWhite, attributes: [.underline, .italic])),
        ("{}", Style()),
    ])
    func mappingForm(_ entry: String, _ expected: Style) throws {
        #expect(try roleStyle(entry) == expected)
    }

    /// Role keys accept camelCase, kebab-case and snake_case; `base` picks the starting theme; name is read.
    @Test func roleKeysBaseAndName() throws {
        let yaml = """
            name: Mine
            base: mono
            roles:
              border-focused: red
              search_match: blue
              logStderr: yellow
            """
        let t = try ThemeLoader.parse(yaml: yaml, name: "file")
        #expect(t.name == "Mine")
        #expect(t.style(.borderFocused) == Style(fg: .red))
        #expect(t.style(.searchMatch) == Style(fg: .blue))
        #expect(t.style(.logStderr) == Style(fg: .yellow))
        #expect(t.style(.running) == Theme.mono.style(.running))
        let unnamed = try ThemeLoader.parse(yaml: "roles:\n  text: red\n", name: "file")
        #expect(unnamed.name == "file")
        #expect(unnamed.style(.error) == Theme.default.style(.error))
    }

    // MARK: base16 / base24

    /// The shipped Tomorrow Night scheme (new tinted-theming format) maps slots onto roles.
    @Test func base16NewFormat() throws {
        let t = try ThemeLoader.load(nameOrPath: "base16-tomorrow-night", searchDirectories: [themesDir])
        #expect(t.name == "Tomorrow Night")
        let bg = rgb(0x1D1F21)
        #expect(t.style(.text) == Style(fg: rgb(0xC5C8C6), bg: bg))
        #expect(t.style(.dim) == Style(fg: rgb(0x969896), bg: bg))
        #expect(t.style(.error) == Style(fg: rgb(0xCC6666), bg: bg, attributes: .bold))
        #expect(t.style(.warning).fg == rgb(0xF0C674))
        #expect(t.style(.canceled).fg == rgb(0xF0C674))
        #expect(t.style(.done).fg == rgb(0xB5BD68))
        #expect(t.style(.cached).fg == rgb(0x8ABEB7))
        #expect(t.style(.running).fg == rgb(0x81A2BE))
        #expect(t.style(.borderFocused) == Style(fg: rgb(0xB294BB), bg: bg, attributes: .bold))
        #expect(t.style(.title).fg == rgb(0xB294BB))
        #expect(t.style(.selection) == Style(fg: rgb(0xC5C8C6), bg: rgb(0x373B41)))
        #expect(t.style(.statusBar) == Style(fg: rgb(0xB4B7B4), bg: rgb(0x282A2E)))
        #expect(t.style(.searchMatch) == Style(fg: bg, bg: rgb(0xF0C674)))
        #expect(t.style(.logStderr).fg == rgb(0xDE935F))
        #expect(t.style(.progressBar).fg == rgb(0x81A2BE))
        // Every role draws on base00 unless it has its own background.
        for role in ThemeRole.allCases { #expect(t.style(role).bg != .terminalDefault, "\(role)") }
    }

    /// A legacy scheme (top-level `scheme` and `baseXX` without `#`, any hex case) loads the same way.
    @Test func base16LegacyFormat() throws {
        let slots = [
            "181818", "282828", "383838", "585858", "b8b8b8", "D8D8D8", "e8e8e8", "f8f8f8",
            "ab4642", "dc9656", "f7ca88", "a1b56c", "86c1b9", "7cafc2", "ba8baf", "a16946",
        ]
        var yaml = "scheme: \"Default Dark\"\nauthor: \"Chris Kempson\"\n"
        for (i, v) in slots.enumerated() { yaml += "base0\(String(i, radix: 16, uppercase: true)): \"\(v)\"\n" }
        let t = try ThemeLoader.parse(yaml: yaml, name: "legacy")
        #expect(t.name == "Default Dark")
        #expect(t.style(.text) == Style(fg: rgb(0xD8D8D8), bg: rgb(0x181818)))
        #expect(t.style(.error).fg == rgb(0xAB4642))
        #expect(t.style(.done).fg == rgb(0xA1B56C))
        #expect(t.style(.running).fg == rgb(0x7CAFC2))
        #expect(t.style(.cached).fg == rgb(0x86C1B9))
        #expect(t.style(.borderFocused).fg == rgb(0xBA8BAF))
        // Unquoted legacy values (YAML would read 282828 as a number) keep their digits.
        let unquoted = yaml.replacingOccurrences(of: "\"282828\"", with: "282828")
        #expect(try ThemeLoader.parse(yaml: unquoted, name: "legacy") == t)
    }

    /// base24 schemes use their bright slots for accents; base16 schemes fall back to the normal ones.
    @Test func base24UsesBrightSlots() throws {
        var yaml = "system: base24\nname: B24\nvariant: dark\npalette:\n"
        for i in 0..<24 {
            let slot = String(format: "base%02X", i)
            yaml += "  \(slot): \"#0000\(String(format: "%02x", i))\"\n"
        }
        let t = try ThemeLoader.parse(yaml: yaml, name: "b24")
        func slot(_ i: UInt8) -> Color { .rgb(0, 0, i) }
        #expect(t.name == "B24")
        #expect(t.style(.text) == Style(fg: slot(0x05), bg: slot(0x00)))
        #expect(t.style(.searchMatch).bg == slot(0x13))
        #expect(t.style(.progressBar).fg == slot(0x16))
        #expect(t.style(.footerKey).fg == slot(0x16))
        #expect(t.style(.title).fg == slot(0x17))
        #expect(t.style(.borderFocused).fg == slot(0x17))
        #expect(t.style(.info).fg == slot(0x15))
        #expect(t.style(.error).fg == slot(0x08))
        #expect(t.style(.running).fg == slot(0x0D))
        // The same palette declared as base16 without the extra slots: base16 accents.
        let b16 = yaml.split(separator: "\n").filter { !$0.contains("base1") }.joined(separator: "\n")
            .replacingOccurrences(of: "base24", with: "base16")
        let u = try ThemeLoader.parse(yaml: b16, name: "b16")
        #expect(u.style(.searchMatch).bg == slot(0x0A))
        #expect(u.style(.title).fg == slot(0x0E))
        #expect(u.style(.progressBar).fg == slot(0x0D))
    }

    // MARK: environment

    /// A non-empty NO_COLOR strips colours but keeps roles distinguishable; an empty one changes nothing.
    @Test func noColor() throws {
        let t = try ThemeLoader.load(nameOrPath: "base16-tomorrow-night", searchDirectories: [themesDir])
        #expect(ThemeLoader.applyEnvironment(t, environment: ["NO_COLOR": ""]) == t)
        let mono = ThemeLoader.applyEnvironment(
            t, environment: ["NO_COLOR": "1", "BUILDKIT_COLORS": "run=green:error=255,0,0"])
        for role in ThemeRole.allCases {
            #expect(mono.style(role).fg == .terminalDefault && mono.style(role).bg == .terminalDefault, "\(role)")
        }
        #expect(mono.style(.error).attributes == .bold)  // kept its own attribute
        #expect(mono.style(.selection).attributes == .reverse)  // colour-only: takes mono's
        #expect(mono.style(.searchMatch).attributes == Theme.mono.style(.searchMatch).attributes)
        #expect(mono.name == t.name)
        let d = Theme.default.monochrome()
        #expect(d.style(.running).attributes == .bold)
        #expect(d.style(.dim).attributes == .dim)
        #expect(d.style(.text) == .plain)
        #expect(Theme.mono.monochrome() == Theme.mono)
    }

    /// BUILDKIT_COLORS entries set the fg of running/error/canceled/warning; invalid entries are ignored
    /// the way BuildKit ignores them.
    @Test(arguments: [
        ("run=green:error=255,0,0:cancel=yellow:warning=light-magenta",
         [ThemeRole.running: Color.green, .error: .indexed(196), .canceled: .yellow, .warning: .brightMagenta]),
        ("RUN=Light-Cyan:Error=DEFAULT", [.running: .brightCyan, .error: .terminalDefault]),
        ("run=123,20,245", [.running: .indexed(16 + 36 * 2 + 0 + 5)]),
        ("run=+1,-0,042", [.running: .indexed(16)]),
        ("run=red:run=blue", [.running: .blue]),
        ("\"run=1,2,3\":error=red", [.running: .indexed(16), .error: .red]),
        ("run=green:", [.running: .green]),
        // invalid parts, each ignored on its own
        ("run:error=red", [.error: .red]),
        ("run=green=1:error=red", [.error: .red]),
        ("run=purplish:error=red", [.error: .red]),
        ("run=1,2:error=red", [.error: .red]),
        ("run=1,2,256:error=red", [.error: .red]),
        ("run=a,b,c:error=red", [.error: .red]),
        ("run= 1,2,3:error=red", [.error: .red]),
        ("run=:error=red", [.error: .red]),
        ("done=green:error=red", [.error: .red]),
        (" run=green:error=red", [.error: .red]),
        ("run=bright-green:error=red", [.error: .red]),
        // CSV syntax errors discard the whole value
        ("run=gr\"een:error=red", [:]),
        ("\"run=green\"x:error=red", [:]),
        ("", [:]),
    ] as [(String, [ThemeRole: Color])])
    func buildkitColors(_ spec: String, _ expected: [ThemeRole: Color]) {
        let base = Theme.default
        let t = ThemeLoader.applyEnvironment(base, environment: ["BUILDKIT_COLORS": spec])
        for role in ThemeRole.allCases {
            var want = base.style(role)
            if let c = expected[role] { want.fg = c }
            #expect(t.style(role) == want, "\(role)")
        }
    }

    /// Without the variables the theme is unchanged; BUILDKIT_COLORS keeps the role's bg and attributes.
    @Test func environmentKeepsRest() throws {
        let t = try ThemeLoader.load(nameOrPath: "base16-tomorrow-night", searchDirectories: [themesDir])
        #expect(ThemeLoader.applyEnvironment(t, environment: ["TERM": "xterm"]) == t)
        let e = ThemeLoader.applyEnvironment(t, environment: ["BUILDKIT_COLORS": "error=blue"])
        #expect(e.style(.error) == Style(fg: .blue, bg: rgb(0x1D1F21), attributes: .bold))
    }

    // MARK: errors

    /// Bad input fails with one clear line naming the theme and the problem.
    @Test(arguments: [
        ("roles:\n  running: purplish\n", "theme \"x\": unknown colour \"purplish\" for role running"),
        ("roles:\n  running: {fg: 256}\n", "theme \"x\": unknown colour \"256\" for role running"),
        ("roles:\n  running: {fg: \"#12345\"}\n", "theme \"x\": unknown colour \"#12345\" for role running"),
        ("roles:\n  runing: red\n", "theme \"x\": unknown role \"runing\""),
        ("roles:\n  running: {fg: red, blink: true}\n", "theme \"x\": unknown key \"blink\" for role running"),
        ("roles:\n  running: {bold: maybe}\n", "theme \"x\": bold must be true or false for role running"),
        ("roles:\n  running: red green\n",
         "theme \"x\": unexpected \"green\" for role running (write \"FG on BG\" for a background)"),
        ("roles:\n  running: red on\n", "theme \"x\": missing colour after \"on\" for role running"),
        ("roles:\n  running:\n    fg: #ff0000\n",
         "theme \"x\": empty colour for role running (quote \"#rrggbb\": a bare # starts a YAML comment)"),
        ("roles:\n  running: [red]\n",
         "theme \"x\": role running must be a mapping or a string like \"red bold\""),
        ("base: solarized\n", "theme \"x\": unknown base \"solarized\" (expected default or mono)"),
        ("role:\n  running: red\n", "theme \"x\": unknown top-level key \"role\" (expected name, base, roles)"),
        ("roles: red\n", "theme \"x\": roles must be a mapping"),
        ("- a\n- b\n", "theme \"x\": expected a mapping at the top level"),
        ("", "theme \"x\": file is empty"),
        ("# nothing\n", "theme \"x\": file is empty"),
        ("system: base32\npalette: {}\n", "theme \"x\": unsupported system \"base32\" (expected base16 or base24)"),
        ("system: base16\npalette: {base00: \"#000000\"}\n", "theme \"x\": base16 scheme is missing base01"),
        ("scheme: s\nbase00: \"zz0000\"\n", "theme \"x\": base00 is \"zz0000\", expected a hex colour like \"#1d1f21\""),
    ])
    func errors(_ yaml: String, _ message: String) {
        #expect(parseError(yaml) == message)
    }

    /// YAML syntax errors become one line too.
    @Test func yamlSyntaxErrorIsOneLine() throws {
        let message = try #require(parseError("roles:\n  running: {fg: red\n"))
        #expect(message.hasPrefix("theme \"x\": invalid YAML: line "))
        #expect(!message.contains("\n"))
        let dup = try #require(parseError("roles:\n  running: red\n  running: blue\n"))
        #expect(dup == "theme \"x\": invalid YAML: line 2: duplicate key running")
    }

    /// Unknown names list what is available; unreadable paths say so.
    @Test func loadErrors() {
        #expect(throws: ThemeError.self) { try ThemeLoader.load(nameOrPath: "nope", searchDirectories: [themesDir]) }
        do {
            _ = try ThemeLoader.load(nameOrPath: "nope", searchDirectories: [themesDir])
        } catch {
            let m = String(describing: error)
            #expect(m.hasPrefix("theme \"nope\": not found (available: base16-tomorrow-night, default, "))
            #expect(!m.contains("\n"))
        }
        do {
            _ = try ThemeLoader.load(nameOrPath: "/nonexistent/t.yaml", searchDirectories: [])
            Issue.record("expected an error")
        } catch {
            #expect(String(describing: error) == "theme \"/nonexistent/t.yaml\": cannot read /nonexistent/t.yaml")
        }
    }
}
