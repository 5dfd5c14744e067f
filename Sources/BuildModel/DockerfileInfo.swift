/// The stages and build arguments of a Dockerfile, for target pickers and build-arg editors.
///
/// Parsing follows BuildKit's Dockerfile parser (`frontend/dockerfile/parser`) closely enough for that
/// purpose: parser directives (`# escape=`), case-insensitive instructions, line continuations with the
/// escape character (comment and blank lines inside a continuation are skipped), whole-line comments,
/// quote-aware word splitting, and heredoc bodies of `RUN`/`COPY`/`ADD` (skipped). Variables are not
/// expanded; nothing is validated, malformed instructions are skipped.
public struct DockerfileInfo: Sendable, Equatable {
    /// A build stage (`FROM`).
    public struct Stage: Sendable, Equatable {
        /// The stage name from `AS name`, lowercased as BuildKit does; nil for unnamed stages.
        public var name: String?
        /// Position among the stages, from 0.
        public var index: Int
        /// The base image or stage as written (variables not expanded).
        public var base: String
        /// 1-based line of the `FROM` instruction.
        public var line: Int

        /// Creates a stage.
        public init(name: String?, index: Int, base: String, line: Int) {
            self.name = name
            self.index = index
            self.base = base
            self.line = line
        }
    }

    /// A build argument, one per distinct name.
    public struct Arg: Sendable, Equatable {
        /// Argument name.
        public var name: String
        /// Default value with quotes removed (variables not expanded); nil when none is declared.
        /// With several declarations: the last global one with a value (the one BuildKit uses for
        /// `FROM` lines), else the first one with a value.
        public var defaultValue: String?
        /// 1-based line of the first declaration.
        public var line: Int
        /// Whether the first declaration is before the first `FROM`.
        public var global: Bool

        /// Creates a build argument.
        public init(name: String, defaultValue: String?, line: Int, global: Bool) {
            self.name = name
            self.defaultValue = defaultValue
            self.line = line
            self.global = global
        }
    }

    /// Stages in file order.
    public var stages: [Stage]
    /// Build arguments in order of first declaration.
    public var args: [Arg]
    /// Why there is nothing to show (the context folder or the Dockerfile does not exist).
    public var problem: String?

    /// Creates an info value.
    public init(stages: [Stage] = [], args: [Arg] = []) {
        self.stages = stages
        self.args = args
    }

    /// An info value that says why the Dockerfile could not be read.
    public init(problem: String) {
        self.stages = []
        self.args = []
        self.problem = problem
    }

    /// Names of the named stages, in order (the values `--target` accepts).
    public var targets: [String] { stages.compactMap(\.name) }

    /// Parses Dockerfile text. Never fails: what cannot be understood is skipped.
    public static func parse(_ text: String) -> DockerfileInfo {
        var parser = DockerfileScanner(text: text)
        return parser.run()
    }
}

// MARK: - Implementation

private struct DockerfileScanner {
    var lines: [Substring]
    var escape: Unicode.Scalar = "\\"
    var stages: [DockerfileInfo.Stage] = []
    var order: [String] = []
    var decls: [String: [(value: String?, line: Int, global: Bool)]] = [:]

    init(text: String) {
        var body = Substring(text).unicodeScalars
        if body.first == "\u{FEFF}" { body = body.dropFirst() }
        // Split on scalars: "\r\n" is a single Character.
        var pieces = body.split(separator: "\n", omittingEmptySubsequences: false).map { piece in
            Substring(piece.last == "\r" ? piece.dropLast() : piece)
        }
        if pieces.last?.isEmpty == true { pieces.removeLast() }
        lines = pieces
    }

    mutating func run() -> DockerfileInfo {
        var i = 0
        var directivesDone = false
        while i < lines.count {
            let lineNumber = i + 1
            let trimmed = lines[i].drop { $0 == " " || $0 == "\t" }
            i += 1
            if !directivesDone {
                if let (key, value) = Self.directive(trimmed) {
                    if key == "escape", value == "\\" || value == "`", let s = value.unicodeScalars.first {
                        escape = s
                    }
                    continue
                }
                directivesDone = true
            }
            if trimmed.isEmpty || trimmed.hasPrefix("#") { continue }
            var (logical, ended) = trimContinuation(trimmed)
            while !ended, i < lines.count {
                let next = lines[i]
                i += 1
                let nextTrimmed = next.drop { $0 == " " || $0 == "\t" }
                if nextTrimmed.hasPrefix("#") || nextTrimmed.isEmpty { continue }
                let (part, end) = trimContinuation(next)
                logical += part
                ended = end
            }
            instruction(logical, line: lineNumber, next: &i)
        }
        var args: [DockerfileInfo.Arg] = []
        for name in order {
            guard let all = decls[name], let first = all.first else { continue }
            let value = all.last { $0.global && $0.value != nil }?.value ?? all.first { $0.value != nil }?.value
            args.append(DockerfileInfo.Arg(name: name, defaultValue: value, line: first.line, global: first.global))
        }
        return DockerfileInfo(stages: stages, args: args)
    }

    /// `# name = value` parser directives (`syntax`, `escape`, `check`); nil for anything else.
    static func directive(_ line: Substring) -> (String, String)? {
        guard line.hasPrefix("#") else { return nil }
        let body = line.dropFirst()
        guard let eq = body.firstIndex(of: "=") else { return nil }
        let key = body[..<eq].trimmingBlanks()
        let value = body[body.index(after: eq)...].trimmingBlanks()
        guard let first = key.first, first.isASCII, first.isLetter,
            key.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber) }), !value.isEmpty
        else { return nil }
        let k = key.lowercased()
        guard k == "syntax" || k == "escape" || k == "check" else { return nil }
        return (k, String(value))
    }

    /// Strips a trailing escape character (plus trailing blanks); `ended` is false when it was there.
    func trimContinuation(_ line: Substring) -> (String, ended: Bool) {
        var scalars = line.unicodeScalars[...]
        while let last = scalars.last, last == " " || last == "\t" { scalars = scalars.dropLast() }
        if scalars.last == escape {
            return (String(String.UnicodeScalarView(scalars.dropLast())), false)
        }
        return (String(line), true)
    }

    mutating func instruction(_ logical: String, line: Int, next i: inout Int) {
        let text = Substring(logical).trimmingBlanks()
        guard let split = text.firstIndex(where: { $0 == " " || $0 == "\t" }) else { return }
        let keyword = text[..<split].lowercased()
        let words = Self.dropFlags(Self.words(String(text[split...]), escape: escape))
        switch keyword {
        case "from":
            guard let base = words.first else { return }
            var name: String?
            if words.count >= 3, words[1].lowercased() == "as" { name = words[2].lowercased() }
            stages.append(DockerfileInfo.Stage(name: name, index: stages.count, base: base, line: line))
        case "arg":
            for word in words {
                let name: String
                var value: String?
                if let eq = word.firstIndex(of: "=") {
                    name = String(word[..<eq])
                    value = Self.unquote(String(word[word.index(after: eq)...]), escape: escape)
                } else {
                    name = word
                }
                guard !name.isEmpty else { continue }
                if decls[name] == nil { order.append(name) }
                decls[name, default: []].append((value, line, stages.isEmpty))
            }
        case "run", "copy", "add":
            skipHeredocs(words, next: &i)
        default:
            return
        }
    }

    /// Skips the bodies of `<<WORD` / `<<-WORD` heredocs, in order.
    func skipHeredocs(_ words: [String], next i: inout Int) {
        for word in words {
            guard let (name, chomp) = Self.heredoc(word, escape: escape) else { continue }
            while i < lines.count {
                var candidate = lines[i]
                i += 1
                if chomp { candidate = candidate.drop { $0 == "\t" } }
                if candidate == name { break }
            }
        }
    }

    /// A heredoc word `[digits]<<[-]NAME` (NAME possibly quoted): the terminator and whether tabs are stripped.
    static func heredoc(_ word: String, escape: Unicode.Scalar) -> (String, Bool)? {
        var rest = Substring(word).drop { $0.isASCII && $0.isNumber }
        guard rest.hasPrefix("<<") else { return nil }
        rest = rest.dropFirst(2)
        let chomp = rest.hasPrefix("-")
        if chomp { rest = rest.dropFirst() }
        guard !rest.contains("<") else { return nil }
        let name = unquote(String(rest), escape: escape)
        return name.isEmpty ? nil : (name, chomp)
    }

    /// Drops leading `--flag[=value]` words (BuildKit's builder flags); `--` ends them.
    static func dropFlags(_ words: [String]) -> [String] {
        var rest = words[...]
        while let first = rest.first, first.hasPrefix("--") {
            rest = rest.dropFirst()
            if first == "--" { break }
        }
        return Array(rest)
    }

    /// BuildKit's `parseWords`: splits on whitespace outside quotes; quotes and escapes stay in the words.
    static func words(_ text: String, escape: Unicode.Scalar) -> [String] {
        let s = Array(text.unicodeScalars)
        var words: [String] = []
        var word = String.UnicodeScalarView()
        var inWord = false
        var quote: Unicode.Scalar?
        var blankOK = false
        var i = 0
        func flush() {
            if blankOK || !word.isEmpty { words.append(String(word)) }
            word = String.UnicodeScalarView()
            blankOK = false
        }
        while i < s.count {
            let ch = s[i]
            if let q = quote {
                if ch == q {
                    quote = nil
                } else if ch == escape, q != "'" {
                    if i + 1 == s.count {
                        quote = nil
                        i += 1
                        continue
                    }
                    word.append(ch)
                    i += 1
                }
                word.append(s[i])
                i += 1
                continue
            }
            if !inWord {
                if ch.properties.isWhitespace {
                    i += 1
                    continue
                }
                inWord = true
            }
            if ch.properties.isWhitespace {
                inWord = false
                flush()
                i += 1
                continue
            }
            if ch == "'" || ch == "\"" {
                quote = ch
                blankOK = true
            } else if ch == escape {
                if i + 1 == s.count {
                    i += 1
                    continue
                }
                word.append(ch)
                i += 1
            }
            word.append(s[i])
            i += 1
        }
        if inWord || quote != nil { flush() }
        return words
    }

    /// Removes shell quoting: single quotes are literal, double quotes allow escaping `"`, `$`, the escape
    /// character and a backtick; outside quotes the escape character takes the next character literally.
    /// `$` expressions are kept as written.
    static func unquote(_ text: String, escape: Unicode.Scalar) -> String {
        let s = Array(text.unicodeScalars)
        var out = String.UnicodeScalarView()
        var i = 0
        while i < s.count {
            let ch = s[i]
            if ch == "'" {
                i += 1
                while i < s.count, s[i] != "'" {
                    out.append(s[i])
                    i += 1
                }
                i += 1
            } else if ch == "\"" {
                i += 1
                while i < s.count, s[i] != "\"" {
                    if s[i] == escape, i + 1 < s.count, ["\"", "$", "`", escape].contains(s[i + 1]) {
                        i += 1
                    }
                    out.append(s[i])
                    i += 1
                }
                i += 1
            } else if ch == escape {
                if i + 1 < s.count { out.append(s[i + 1]) }
                i += 2
            } else {
                out.append(ch)
                i += 1
            }
        }
        return String(out)
    }
}

extension Substring {
    /// This text without leading and trailing spaces and tabs.
    fileprivate func trimmingBlanks() -> Substring {
        var s = self
        while let f = s.first, f == " " || f == "\t" { s = s.dropFirst() }
        while let l = s.last, l == " " || l == "\t" { s = s.dropLast() }
        return s
    }
}
