import Foundation
import TerminalKit
import AppModel
import Views
import Yams

/// A theme that could not be loaded, described in one line.
public struct ThemeError: Error, CustomStringConvertible, Equatable, Sendable {
    /// The one-line message, e.g. `theme "x": unknown colour "purplish" for role running`.
    public let message: String

    /// Creates an error with a one-line message.
    public init(_ message: String) {
        self.message = message
    }

    /// The one-line message.
    public var description: String { message }
}

/// Loads themes: buildtop theme files, base16/base24 schemes (tinted-theming, new and legacy format),
/// and the `NO_COLOR` / `BUILDKIT_COLORS` environment overrides.
///
/// buildtop theme file (`themes/NAME.yaml`):
///
///     name: Light
///     base: default          # or mono; the roles not listed below come from it
///     roles:
///       running: {fg: blue, bold: true}
///       error: "bright-red bold"
///       searchMatch: "black on yellow"
///
/// A role entry is the complete style of that role. Colours: `default`, ANSI names (`black`, `red`,
/// `green`, `yellow`, `blue`, `magenta`, `cyan`, `white`, `bright-red` …, `gray` = `bright-black`),
/// `0`–`255`, `#rrggbb`, `#rgb` (quote hex values: a bare `#` starts a YAML comment).
/// Attributes: `bold`, `dim`, `italic`, `underline`, `reverse`, `strikethrough`.
public enum ThemeLoader {
    /// Loads a theme by name (searched as `NAME.yaml` / `NAME.yml` in `searchDirectories`, in order;
    /// `default` and `mono` are built in) or by path (anything containing `/` or ending in `.yaml`/`.yml`).
    public static func load(nameOrPath: String, searchDirectories: [String]) throws -> Theme {
        let isPath = nameOrPath.contains("/") || nameOrPath.hasSuffix(".yaml") || nameOrPath.hasSuffix(".yml")
        if isPath {
            return try parse(yaml: read(path: nameOrPath, label: nameOrPath), name: stem(of: nameOrPath))
        }
        guard !nameOrPath.isEmpty else { throw ThemeError("theme name is empty") }
        for dir in searchDirectories {
            for ext in ["yaml", "yml"] {
                let path = (dir as NSString).appendingPathComponent("\(nameOrPath).\(ext)")
                if FileManager.default.fileExists(atPath: path) {
                    return try parse(yaml: read(path: path, label: nameOrPath), name: nameOrPath)
                }
            }
        }
        switch nameOrPath {
        case "default": return .default
        case "mono": return .mono
        default:
            let available = builtInNames(in: searchDirectories).joined(separator: ", ")
            throw ThemeError("theme \"\(nameOrPath)\": not found (available: \(available))")
        }
    }

    /// The theme names available: `default`, `mono` and the `.yaml`/`.yml` files in `dirs`; sorted, unique.
    public static func builtInNames(in dirs: [String]) -> [String] {
        var names: Set<String> = ["default", "mono"]
        for dir in dirs {
            guard let entries = try? FileManager.default.contentsOfDirectory(atPath: dir) else { continue }
            for entry in entries where entry.hasSuffix(".yaml") || entry.hasSuffix(".yml") {
                guard !entry.hasPrefix(".") else { continue }
                names.insert(stem(of: entry))
            }
        }
        return names.sorted()
    }

    /// Parses a buildtop theme file or a base16/base24 scheme (new `palette:` format or legacy
    /// top-level `baseXX` keys). `name` is used in error messages and when the file names no theme.
    public static func parse(yaml: String, name: String) throws -> Theme {
        let root: Node?
        do {
            root = try Yams.compose(yaml: yaml)
        } catch {
            throw ThemeError("theme \"\(name)\": invalid YAML: \(oneLine(error))")
        }
        guard let root, !isNull(root) else { throw ThemeError("theme \"\(name)\": file is empty") }
        guard let top = root.mapping else { throw ThemeError("theme \"\(name)\": expected a mapping at the top level") }
        let keys = Set(top.keys.compactMap { $0.scalar?.string })
        if keys.contains("palette") || keys.contains("system") || keys.contains("base00") || keys.contains("scheme") {
            return try Base16.theme(top, label: name)
        }
        return try parseBuildtop(top, label: name)
    }

    /// Applies the environment: `BUILDKIT_COLORS` (as BuildKit parses it) sets the foreground of the
    /// `running` (`run=`), `error`, `canceled` (`cancel=`) and `warning` roles; a non-empty `NO_COLOR`
    /// strips all colours (`Theme.monochrome()`), including those from `BUILDKIT_COLORS`.
    public static func applyEnvironment(_ theme: Theme, environment: [String: String]) -> Theme {
        if let noColor = environment["NO_COLOR"], !noColor.isEmpty {
            return theme.monochrome()
        }
        guard let spec = environment["BUILDKIT_COLORS"] else { return theme }
        var out = theme
        for (role, colour) in BuildKitColors.parse(spec) {
            var s = out.style(role)
            s.fg = colour
            out.styles[role] = s
        }
        return out
    }

    // MARK: - buildtop format

    private static let buildtopKeys: Set<String> = ["name", "base", "roles", "author", "description", "variant"]

    private static func parseBuildtop(_ top: Node.Mapping, label: String) throws -> Theme {
        var theme = Theme.default
        var themeName = label
        var roles: Node.Mapping?
        for (keyNode, value) in top {
            let key = keyNode.scalar?.string ?? ""
            guard buildtopKeys.contains(key) else {
                throw ThemeError("theme \"\(label)\": unknown top-level key \"\(key)\" (expected name, base, roles)")
            }
            switch key {
            case "name":
                if let s = value.scalar?.string, !isNull(value), !s.isEmpty { themeName = s }
            case "base":
                let b = value.scalar?.string ?? ""
                switch b.lowercased() {
                case "default": theme = .default
                case "mono": theme = .mono
                default: throw ThemeError("theme \"\(label)\": unknown base \"\(b)\" (expected default or mono)")
                }
            case "roles":
                if isNull(value) { continue }
                guard let m = value.mapping else { throw ThemeError("theme \"\(label)\": roles must be a mapping") }
                roles = m
            default:
                continue
            }
        }
        theme.name = themeName
        for (keyNode, value) in roles ?? [:] {
            let key = keyNode.scalar?.string ?? ""
            guard let role = role(named: key) else {
                throw ThemeError("theme \"\(label)\": unknown role \"\(key)\"")
            }
            theme.styles[role] = try style(value, role: role, label: label)
        }
        return theme
    }

    /// Finds a role by its raw value, ignoring case, `-` and `_`.
    static func role(named key: String) -> ThemeRole? {
        let folded = key.lowercased().filter { $0 != "-" && $0 != "_" }
        return ThemeRole.allCases.first { $0.rawValue.lowercased() == folded }
    }

    private static let attributeNames: [String: Attributes] = [
        "bold": .bold, "dim": .dim, "italic": .italic, "underline": .underline, "reverse": .reverse,
        "strikethrough": .strikethrough,
    ]

    private static func style(_ node: Node, role: ThemeRole, label: String) throws -> Style {
        if isNull(node) { return .plain }
        if let text = node.scalar?.string {
            return try shortStyle(text, role: role, label: label)
        }
        guard let m = node.mapping else {
            throw ThemeError("theme \"\(label)\": role \(role.rawValue) must be a mapping or a string like \"red bold\"")
        }
        var s = Style()
        for (keyNode, value) in m {
            let key = (keyNode.scalar?.string ?? "").lowercased()
            switch key {
            case "fg", "bg":
                guard !isNull(value), let text = value.scalar?.string, !text.isEmpty else {
                    throw ThemeError(
                        "theme \"\(label)\": empty colour for role \(role.rawValue) (quote \"#rrggbb\": a bare # starts a YAML comment)")
                }
                let c = try colour(text, role: role, label: label)
                if key == "fg" { s.fg = c } else { s.bg = c }
            default:
                guard let attr = attributeNames[key] else {
                    throw ThemeError("theme \"\(label)\": unknown key \"\(key)\" for role \(role.rawValue)")
                }
                guard let on = value.bool else {
                    throw ThemeError("theme \"\(label)\": \(key) must be true or false for role \(role.rawValue)")
                }
                if on { s.attributes.insert(attr) } else { s.attributes.remove(attr) }
            }
        }
        return s
    }

    /// `"red bold"`, `"black on yellow underline"`, `"#ff8800"`, `"plain"`.
    private static func shortStyle(_ text: String, role: ThemeRole, label: String) throws -> Style {
        var s = Style()
        var haveFg = false
        var nextIsBg = false
        for token in text.split(whereSeparator: { $0 == " " || $0 == "\t" || $0 == "," }).map(String.init) {
            let t = token.lowercased()
            if nextIsBg {
                s.bg = try colour(token, role: role, label: label)
                nextIsBg = false
            } else if t == "on" {
                nextIsBg = true
            } else if t == "plain" || t == "none" {
                continue
            } else if let attr = attributeNames[t] {
                s.attributes.insert(attr)
            } else if !haveFg {
                s.fg = try colour(token, role: role, label: label)
                haveFg = true
            } else {
                throw ThemeError(
                    "theme \"\(label)\": unexpected \"\(token)\" for role \(role.rawValue) (write \"FG on BG\" for a background)")
            }
        }
        if nextIsBg {
            throw ThemeError("theme \"\(label)\": missing colour after \"on\" for role \(role.rawValue)")
        }
        return s
    }

    private static let ansiNames = ["black", "red", "green", "yellow", "blue", "magenta", "cyan", "white"]

    /// Parses a colour: `default`, ANSI names, `bright-NAME`, `0`–`255`, `#rrggbb`, `#rgb`.
    static func parseColour(_ text: String) -> Color? {
        let t = text.lowercased()
        if t == "default" || t == "terminal" { return .terminalDefault }
        if t == "gray" || t == "grey" { return .ansi(8) }
        if let i = ansiNames.firstIndex(of: t) { return .ansi(UInt8(i)) }
        for prefix in ["bright-", "bright_", "bright", "light-"] where t.hasPrefix(prefix) {
            if let i = ansiNames.firstIndex(of: String(t.dropFirst(prefix.count))) { return .ansi(UInt8(8 + i)) }
        }
        if t.allSatisfy(\.isASCII), t.allSatisfy(\.isNumber), let n = Int(t), (0...255).contains(n) {
            return n < 16 ? .ansi(UInt8(n)) : .indexed(UInt8(n))
        }
        if t.hasPrefix("#") { return hexColour(String(t.dropFirst())) }
        return nil
    }

    /// `rrggbb` or `rgb` hex digits, no `#`.
    static func hexColour(_ hex: String) -> Color? {
        guard hex.allSatisfy(\.isHexDigit), hex.allSatisfy(\.isASCII) else { return nil }
        let digits = hex.count == 3 ? hex.map { "\($0)\($0)" }.joined() : hex
        guard digits.count == 6, let v = UInt32(digits, radix: 16) else { return nil }
        return .rgb(UInt8((v >> 16) & 0xFF), UInt8((v >> 8) & 0xFF), UInt8(v & 0xFF))
    }

    private static func colour(_ text: String, role: ThemeRole, label: String) throws -> Color {
        guard let c = parseColour(text) else {
            throw ThemeError("theme \"\(label)\": unknown colour \"\(text)\" for role \(role.rawValue)")
        }
        return c
    }

    // MARK: - helpers

    /// A YAML error as `line:column: problem`, without the multi-line snippet Yams adds.
    private static func oneLine(_ error: any Error) -> String {
        if let y = error as? YamlError {
            switch y {
            case let .scanner(_, problem, mark, _), let .parser(_, problem, mark, _),
                let .composer(_, problem, mark, _):
                return "line \(mark.line), column \(mark.column): \(problem)"
            case let .duplicatedKeysInMapping(duplicates, context):
                return "line \(context.mark.line): duplicate key \(duplicates.sorted().joined(separator: ", "))"
            default:
                break
            }
        }
        return String(describing: error).split(separator: "\n").first.map(String.init) ?? "unreadable"
    }

    static func isNull(_ node: Node) -> Bool {
        guard let s = node.scalar, s.style == .plain || s.style == .any else { return false }
        return ["", "~", "null", "Null", "NULL"].contains(s.string)
    }

    private static func stem(of path: String) -> String {
        let base = (path as NSString).lastPathComponent
        for ext in [".yaml", ".yml"] where base.hasSuffix(ext) {
            return String(base.dropLast(ext.count))
        }
        return base
    }

    private static func read(path: String, label: String) throws -> String {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw ThemeError("theme \"\(label)\": cannot read \(path)")
        }
        guard let text = String(data: data, encoding: .utf8) else {
            throw ThemeError("theme \"\(label)\": \(path) is not UTF-8")
        }
        return text
    }
}

// MARK: - base16 / base24

/// Maps tinted-theming base16/base24 schemes onto roles.
enum Base16 {
    static let base16Slots = (0..<16).map { slotName($0) }
    static let base24Slots = (16..<24).map { slotName($0) }

    /// `base00` … `base0F`, `base10` … `base17`.
    static func slotName(_ i: Int) -> String {
        let hex = String(i, radix: 16, uppercase: true)
        return "base" + (hex.count == 1 ? "0" + hex : hex)
    }

    static func theme(_ top: Node.Mapping, label: String) throws -> Theme {
        var name: String?
        var paletteNode: Node.Mapping = top
        for (keyNode, value) in top {
            switch keyNode.scalar?.string ?? "" {
            case "name", "scheme":
                if let s = value.scalar?.string, !ThemeLoader.isNull(value), !s.isEmpty { name = name ?? s }
            case "system":
                let system = value.scalar?.string ?? ""
                guard system == "base16" || system == "base24" else {
                    throw ThemeError("theme \"\(label)\": unsupported system \"\(system)\" (expected base16 or base24)")
                }
            case "palette":
                guard let m = value.mapping else { throw ThemeError("theme \"\(label)\": palette must be a mapping") }
                paletteNode = m
            default:
                continue
            }
        }
        var palette: [String: Color] = [:]
        for (keyNode, value) in paletteNode {
            // Slot names are case-insensitive in practice (`base0a` appears in the wild).
            guard let raw = keyNode.scalar?.string, raw.lowercased().hasPrefix("base"), raw.count == 6 else { continue }
            let slot = "base" + raw.dropFirst(4).uppercased()
            guard base16Slots.contains(slot) || base24Slots.contains(slot) else { continue }
            let text = value.scalar?.string ?? ""
            let hex = text.hasPrefix("#") ? String(text.dropFirst()) : text
            guard hex.count == 6, let c = ThemeLoader.hexColour(hex) else {
                throw ThemeError("theme \"\(label)\": \(slot) is \"\(text)\", expected a hex colour like \"#1d1f21\"")
            }
            palette[slot] = c
        }
        for slot in base16Slots where palette[slot] == nil {
            throw ThemeError("theme \"\(label)\": base16 scheme is missing \(slot)")
        }
        return Theme(name: name ?? label, styles: styles(palette))
    }

    /// The role mapping. Every role gets `base00` as background unless it has its own.
    static func styles(_ p: [String: Color]) -> [ThemeRole: Style] {
        func c(_ slot: String) -> Color { p[slot] ?? .terminalDefault }
        /// A base24 bright slot when present, else the base16 one.
        func c(_ slot: String, or24 bright: String) -> Color { p[bright] ?? c(slot) }
        let bg = c("base00")
        func s(_ fg: Color, _ background: Color? = nil, _ attributes: Attributes = []) -> Style {
            Style(fg: fg, bg: background ?? bg, attributes: attributes)
        }
        let bar = c("base01")
        return [
            .text: s(c("base05")),
            .dim: s(c("base03")),
            .title: s(c("base0E", or24: "base17"), nil, .bold),
            .border: s(c("base03")),
            .borderFocused: s(c("base0E", or24: "base17"), nil, .bold),
            .selection: s(c("base05"), c("base02")),
            .selectionInactive: s(c("base05"), bar),
            .running: s(c("base0D")),
            .done: s(c("base0B")),
            .cached: s(c("base0C")),
            .error: s(c("base08"), nil, .bold),
            .warning: s(c("base0A")),
            .canceled: s(c("base0A")),
            .pending: s(c("base04")),
            .info: s(c("base0C", or24: "base15")),
            .progressBar: s(c("base0D", or24: "base16")),
            .progressTrack: s(c("base02")),
            .duration: s(c("base04")),
            .logStdout: s(c("base05")),
            .logStderr: s(c("base09")),
            .logTimestamp: s(c("base03")),
            .searchMatch: s(c("base00"), c("base0A", or24: "base13")),
            .header: s(c("base05"), bar, .bold),
            .footer: s(c("base04"), bar),
            .footerKey: s(c("base0D", or24: "base16"), bar, .bold),
            .statusBar: s(c("base04"), bar),
            .input: s(c("base05"), bar),
            .inputFocused: s(c("base06"), c("base02")),
            .masked: s(c("base03")),
        ]
    }
}

// MARK: - BUILDKIT_COLORS

/// `BUILDKIT_COLORS` parsing, following BuildKit's `util/progress/progressui/colors.go`.
enum BuildKitColors {
    /// BuildKit's colour names (`aec` foreground colours).
    static let names: [String: Color] = {
        var m: [String: Color] = ["default": .terminalDefault]
        let base = ["black", "red", "green", "yellow", "blue", "magenta", "cyan", "white"]
        for (i, n) in base.enumerated() {
            m[n] = .ansi(UInt8(i))
            m["light-" + n] = .ansi(UInt8(8 + i))
        }
        return m
    }()

    /// The recognised entries in order (later entries for the same key win when applied in order).
    /// Like BuildKit: the value is split into `:`-separated CSV fields (a CSV syntax error discards the
    /// whole value); an entry without exactly one `=`, with an unknown key, an unknown name, or an RGB value
    /// that is not three integers 0–255 is ignored. Keys and names are case-insensitive. RGB values become
    /// the 256-colour index BuildKit's `aec.NewRGB8Bit` picks (16 + 36·(r/43) + 6·(g/43) + b/43).
    static func parse(_ spec: String) -> [(ThemeRole, Color)] {
        guard let fields = csvFields(spec, separator: ":") else { return [] }
        var out: [(ThemeRole, Color)] = []
        for field in fields {
            guard let eq = field.firstIndex(of: "=") else { continue }
            let key = field[..<eq].lowercased()
            let value = String(field[field.index(after: eq)...])
            guard !value.contains("=") else { continue }
            let colour: Color
            if let named = names[value.lowercased()] {
                colour = named
            } else if value.contains(","), let rgb = readRGB(value) {
                colour = rgb
            } else {
                continue
            }
            let role: ThemeRole
            switch key {
            case "run": role = .running
            case "cancel": role = .canceled
            case "error": role = .error
            case "warning": role = .warning
            default: continue
            }
            out.append((role, colour))
        }
        return out
    }

    static func readRGB(_ value: String) -> Color? {
        guard let parts = csvFields(value, separator: ","), parts.count == 3 else { return nil }
        var v: [UInt8] = []
        for p in parts {
            // Go's strconv.Atoi: optional sign, decimal digits, nothing else.
            guard let n = Int(p), (0...255).contains(n) else { return nil }
            v.append(UInt8(n))
        }
        return .indexed(16 + 36 * (v[0] / 43) + 6 * (v[1] / 43) + v[2] / 43)
    }

    /// One CSV line as `github.com/tonistiigi/go-csvvalue` parses it (no lazy quotes, no trimming): fields split
    /// on `separator`; a field that starts with `"` is quoted (`""` is a literal quote) and must end at a
    /// separator or the end; a `"` inside an unquoted field is an error. One trailing `\n` or `\r\n` is
    /// allowed. Returns nil on a syntax error or an empty input.
    static func csvFields(_ text: String, separator: Unicode.Scalar) -> [String]? {
        var s = Array(text.unicodeScalars)
        if s.last == "\n" {
            s.removeLast()
            if s.last == "\r" { s.removeLast() }
        }
        guard !s.isEmpty else { return nil }
        var fields: [String] = []
        var i = 0
        while true {
            var field = String.UnicodeScalarView()
            if i < s.count, s[i] == "\"" {
                i += 1
                while true {
                    guard i < s.count else { return nil }  // unterminated quote
                    if s[i] == "\"" {
                        i += 1
                        if i < s.count, s[i] == "\"" {
                            field.append("\"")
                            i += 1
                            continue
                        }
                        break
                    }
                    field.append(s[i])
                    i += 1
                }
                if i < s.count, s[i] != separator { return nil }  // text after the closing quote
            } else {
                while i < s.count, s[i] != separator {
                    if s[i] == "\"" { return nil }  // bare quote
                    field.append(s[i])
                    i += 1
                }
            }
            fields.append(String(field))
            if i >= s.count { return fields }
            i += 1  // the separator
        }
    }
}
