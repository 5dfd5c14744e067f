import Foundation

// A port of the rules the docker CLI applies to `.dockerignore`:
//   - moby/patternmatcher `ignorefile.ReadAll` (reading the file),
//   - moby/patternmatcher `New`, `Pattern.compile` and `Pattern.match` (compiling and matching),
//   - `MatchesOrParentMatches`, `MatchesUsingParentResults` and the deprecated `Matches`,
//   - Go's `filepath.Match` (used by patternmatcher only to reject malformed patterns),
//   - the subset of Go's RE2 syntax that patternmatcher's generated regular expressions can contain.
// Everything works on bytes (Go strings are byte strings) and on Go-style runes where Go decodes UTF-8.

/// The error thrown for a malformed `.dockerignore` pattern.
public struct DockerIgnoreError: Error, CustomStringConvertible, Sendable, Equatable {
    /// The pattern as it was given.
    public let pattern: String
    /// One line naming the pattern and the problem.
    public let description: String

    init(pattern: String, reason: String) {
        self.pattern = pattern
        self.description = "invalid .dockerignore pattern \"\(pattern)\": \(reason)"
    }
}

/// A compiled `.dockerignore` pattern list that matches paths exactly like the docker CLI.
public struct DockerIgnore: Sendable {
    struct Pattern: Sendable {
        /// The cleaned pattern without its leading `!` (patternmatcher's `cleanedPattern`).
        let cleaned: [UInt8]
        /// Number of `/`-separated parts of `cleaned` (patternmatcher's `len(dirs)`).
        let dirCount: Int
        let exclusion: Bool
        let matcher: IgnoreMatcher
    }

    enum IgnoreMatcher: Sendable {
        case exact
        case prefix([UInt8])
        case suffix([UInt8])
        case regexp(IgnoreRegex)
    }

    /// Per-pattern results of a parent directory (patternmatcher's `MatchInfo`).
    struct ParentMatchInfo: Sendable {
        var parentMatched: [Bool]
    }

    let patterns: [Pattern]

    /// True when at least one pattern is an exception (starts with `!`).
    public let hasExceptions: Bool

    /// Compiles patterns as patternmatcher's `New` does (trim, `filepath.Clean`, `!` exceptions, syntax check).
    public init(patterns: [String]) throws {
        var compiled: [Pattern] = []
        var exceptions = false
        for raw in patterns {
            let trimmed = IgnoreText.trimSpace(raw)
            if trimmed.isEmpty { continue }
            var bytes = IgnorePath.clean(Array(trimmed.utf8))
            var exclusion = false
            if bytes.first == UInt8(ascii: "!") {
                if bytes.count == 1 {
                    throw DockerIgnoreError(pattern: raw, reason: "illegal exclusion pattern: \"!\"")
                }
                exclusion = true
                exceptions = true
                bytes.removeFirst()
            }
            if !GoGlob.isWellFormed(bytes) {
                throw DockerIgnoreError(pattern: raw, reason: "syntax error in pattern")
            }
            let matcher: IgnoreMatcher
            do {
                matcher = try DockerIgnore.compile(bytes)
            } catch {
                throw DockerIgnoreError(pattern: raw, reason: "syntax error in pattern (\(error.message))")
            }
            compiled.append(Pattern(
                cleaned: bytes,
                dirCount: IgnorePath.split(bytes).count,
                exclusion: exclusion,
                matcher: matcher
            ))
        }
        self.patterns = compiled
        self.hasExceptions = exceptions
    }

    /// Reads `.dockerignore` text like `ignorefile.ReadAll`: BOM, `#` comments, trimming, `!`, `filepath.Clean`, leading `/`.
    public static func read(_ text: String) -> [String] {
        let bytes = Array(text.utf8)
        var lines: [[UInt8]] = []
        var start = 0
        var index = 0
        while index < bytes.count {
            if bytes[index] == 0x0A {
                lines.append(Array(bytes[start..<index]))
                start = index + 1
            }
            index += 1
        }
        if start < bytes.count {
            lines.append(Array(bytes[start..<bytes.count]))
        }
        var result: [String] = []
        for (lineNumber, rawLine) in lines.enumerated() {
            var line = rawLine
            // bufio.ScanLines drops a trailing carriage return.
            if line.last == 0x0D { line.removeLast() }
            if lineNumber == 0, line.starts(with: [0xEF, 0xBB, 0xBF]) {
                line.removeFirst(3)
            }
            if line.first == UInt8(ascii: "#") { continue }
            var pattern = IgnoreText.trimSpace(String(decoding: line, as: UTF8.self))
            if pattern.isEmpty { continue }
            let invert = pattern.utf8.first == UInt8(ascii: "!")
            if invert {
                pattern = IgnoreText.trimSpace(String(decoding: pattern.utf8.dropFirst(), as: UTF8.self))
            }
            if !pattern.isEmpty {
                var cleaned = IgnorePath.clean(Array(pattern.utf8))
                if cleaned.count > 1, cleaned.first == UInt8(ascii: "/") {
                    cleaned.removeFirst()
                }
                pattern = String(decoding: cleaned, as: UTF8.self)
            }
            if invert { pattern = "!" + pattern }
            result.append(pattern)
        }
        return result
    }

    /// True when the path (relative to the context, `/`-separated) is excluded, itself or through a parent directory.
    public func isExcluded(_ relativePath: String) -> Bool {
        let file = IgnorePath.clean(Array(relativePath.utf8))
        if file == [UInt8(ascii: ".")] { return false }
        return matchesOrParentMatches(file)
    }

    /// True when the directory is excluded and no exception pattern could re-include anything below it.
    public func canSkipDirectory(_ relativeDir: String) -> Bool {
        let dir = IgnorePath.clean(Array(relativeDir.utf8))
        if dir == [UInt8(ascii: ".")] { return false }
        guard matchesOrParentMatches(dir) else { return false }
        return !exceptionMayReinclude(underDirectory: dir)
    }

    // MARK: - Matching (internal, byte based)

    /// archive.go's check: an exception pattern that starts with `dir/` keeps an excluded directory walked.
    func exceptionMayReinclude(underDirectory dir: [UInt8]) -> Bool {
        guard hasExceptions else { return false }
        let dirSlash = dir + [UInt8(ascii: "/")]
        for pattern in patterns where pattern.exclusion {
            if (pattern.cleaned + [UInt8(ascii: "/")]).starts(with: dirSlash) {
                return true
            }
        }
        return false
    }

    /// patternmatcher's `MatchesOrParentMatches`.
    func matchesOrParentMatches(_ file: [UInt8]) -> Bool {
        let subject = MatchSubject(file)
        let parentPath = IgnorePath.dir(file)
        let parentIsDot = parentPath == [UInt8(ascii: ".")]
        let parentDirs = IgnorePath.split(parentPath)
        var matched = false
        for pattern in patterns {
            if pattern.exclusion != matched { continue }
            var match = pattern.matches(subject)
            if !match && !parentIsDot {
                for count in 1...parentDirs.count {
                    if pattern.matches(MatchSubject(IgnorePath.join(parentDirs[0..<count]))) {
                        match = true
                        break
                    }
                }
            }
            if match { matched = !pattern.exclusion }
        }
        return matched
    }

    /// patternmatcher's `MatchesUsingParentResults`, as used by the archive walk.
    func matchesUsingParentResults(_ file: [UInt8], parent: ParentMatchInfo?) -> (Bool, ParentMatchInfo) {
        let parentMatched = parent?.parentMatched ?? []
        let subject = MatchSubject(file)
        var matched = false
        var info = ParentMatchInfo(parentMatched: Array(repeating: false, count: patterns.count))
        for (index, pattern) in patterns.enumerated() {
            var match = false
            if !parentMatched.isEmpty { match = parentMatched[index] }
            if !match {
                if pattern.exclusion != matched { continue }
                match = pattern.matches(subject)
                if !match && parentMatched.isEmpty {
                    let parentPath = IgnorePath.dir(file)
                    if parentPath != [UInt8(ascii: ".")] {
                        let parentDirs = IgnorePath.split(parentPath)
                        for count in 1...parentDirs.count {
                            if pattern.matches(MatchSubject(IgnorePath.join(parentDirs[0..<count]))) {
                                match = true
                                break
                            }
                        }
                    }
                }
            }
            info.parentMatched[index] = match
            if match { matched = !pattern.exclusion }
        }
        return (matched, info)
    }

    /// patternmatcher's deprecated package-level `Matches`, which `TrimBuildFilesFromExcludes` uses.
    func legacyMatches(_ path: [UInt8]) -> Bool {
        let file = IgnorePath.clean(path)
        if file == [UInt8(ascii: ".")] { return false }
        let subject = MatchSubject(file)
        let parentPath = IgnorePath.dir(file)
        let parentDirs = IgnorePath.split(parentPath)
        var matched = false
        for pattern in patterns {
            if pattern.exclusion != matched { continue }
            var match = pattern.matches(subject)
            if !match && parentPath != [UInt8(ascii: ".")] && pattern.dirCount <= parentDirs.count {
                match = pattern.matches(MatchSubject(IgnorePath.join(parentDirs[0..<pattern.dirCount])))
            }
            if match { matched = !pattern.exclusion }
        }
        return matched
    }

    // MARK: - Compiling (patternmatcher's Pattern.compile)

    private enum MatchType { case exact, prefix, suffix, regexp }

    static func compile(_ cleaned: [UInt8]) throws(IgnoreRegexError) -> IgnoreMatcher {
        let runes = GoUTF8.runes(cleaned)
        let star = UInt32(UInt8(ascii: "*"))
        let slash = UInt32(UInt8(ascii: "/"))
        let backslash = UInt32(UInt8(ascii: "\\"))
        var reg: [UInt32] = [UInt32(UInt8(ascii: "^"))]
        var type = MatchType.exact
        var position = 0
        var iteration = 0
        func append(_ text: String) { reg.append(contentsOf: text.unicodeScalars.map(\.value)) }
        while position < runes.count {
            let ch = runes[position]
            position += 1
            defer { iteration += 1 }
            if ch == star {
                if position < runes.count, runes[position] == star {
                    position += 1
                    if position < runes.count, runes[position] == slash { position += 1 }
                    if position >= runes.count {
                        if type == .exact {
                            type = .prefix
                        } else {
                            append(".*")
                            type = .regexp
                        }
                    } else {
                        append("(.*/)?")
                        type = .regexp
                    }
                    if iteration == 0 { type = .suffix }
                } else {
                    append("[^/]*")
                    type = .regexp
                }
            } else if ch == UInt32(UInt8(ascii: "?")) {
                append("[^/]")
                type = .regexp
            } else if ch < 0x80, ".+()|{}$".unicodeScalars.contains(where: { $0.value == ch }) {
                reg.append(backslash)
                reg.append(ch)
            } else if ch == backslash {
                if position < runes.count {
                    reg.append(backslash)
                    reg.append(runes[position])
                    position += 1
                    type = .regexp
                } else {
                    reg.append(backslash)
                }
            } else if ch == UInt32(UInt8(ascii: "[")) || ch == UInt32(UInt8(ascii: "]")) {
                reg.append(ch)
                type = .regexp
            } else {
                reg.append(ch)
            }
        }
        switch type {
        case .exact:
            return .exact
        case .prefix:
            return .prefix(Array(cleaned.dropLast(2)))
        case .suffix:
            return .suffix(Array(cleaned.dropFirst(2)))
        case .regexp:
            reg.append(UInt32(UInt8(ascii: "$")))
            return .regexp(try IgnoreRegex(reg))
        }
    }
}

/// A path prepared for matching: its bytes, and its runes decoded once when a regular expression needs them.
final class MatchSubject {
    let bytes: [UInt8]
    private var decoded: [UInt32]?

    init(_ bytes: [UInt8]) {
        self.bytes = bytes
    }

    var runes: [UInt32] {
        if let decoded { return decoded }
        let runes = GoUTF8.runes(bytes)
        decoded = runes
        return runes
    }
}

extension DockerIgnore.Pattern {
    /// patternmatcher's `Pattern.match`.
    func matches(_ subject: MatchSubject) -> Bool {
        let path = subject.bytes
        switch matcher {
        case .exact:
            return path == cleaned
        case .prefix(let prefix):
            return path.starts(with: prefix)
        case .suffix(let suffix):
            if path.count >= suffix.count, path.suffix(suffix.count).elementsEqual(suffix) {
                return true
            }
            return suffix.first == UInt8(ascii: "/") && path == Array(suffix.dropFirst())
        case .regexp(let regex):
            return regex.matches(subject.runes)
        }
    }
}

// MARK: - Go string helpers

enum IgnoreText {
    /// Go's `strings.TrimSpace` (Unicode White_Space at both ends).
    static func trimSpace(_ text: String) -> String {
        let scalars = text.unicodeScalars
        guard let first = scalars.firstIndex(where: { !$0.properties.isWhitespace }),
              let last = scalars.lastIndex(where: { !$0.properties.isWhitespace }) else {
            return ""
        }
        return String(scalars[first...last])
    }
}

/// Go's `utf8.DecodeRune`, producing U+FFFD for each invalid byte.
enum GoUTF8 {
    static let runeError: UInt32 = 0xFFFD

    static func decode(_ bytes: [UInt8], at index: Int) -> (rune: UInt32, size: Int) {
        guard index < bytes.count else { return (runeError, 0) }
        let b0 = bytes[index]
        if b0 < 0x80 { return (UInt32(b0), 1) }
        func continuation(_ offset: Int, _ low: UInt8 = 0x80, _ high: UInt8 = 0xBF) -> UInt8? {
            let position = index + offset
            guard position < bytes.count, bytes[position] >= low, bytes[position] <= high else { return nil }
            return bytes[position]
        }
        switch b0 {
        case 0xC2...0xDF:
            guard let b1 = continuation(1) else { return (runeError, 1) }
            return (UInt32(b0 & 0x1F) << 6 | UInt32(b1 & 0x3F), 2)
        case 0xE0...0xEF:
            let low: UInt8 = b0 == 0xE0 ? 0xA0 : 0x80
            let high: UInt8 = b0 == 0xED ? 0x9F : 0xBF
            guard let b1 = continuation(1, low, high), let b2 = continuation(2) else { return (runeError, 1) }
            return (UInt32(b0 & 0x0F) << 12 | UInt32(b1 & 0x3F) << 6 | UInt32(b2 & 0x3F), 3)
        case 0xF0...0xF4:
            let low: UInt8 = b0 == 0xF0 ? 0x90 : 0x80
            let high: UInt8 = b0 == 0xF4 ? 0x8F : 0xBF
            guard let b1 = continuation(1, low, high), let b2 = continuation(2), let b3 = continuation(3) else {
                return (runeError, 1)
            }
            let value = UInt32(b0 & 0x07) << 18 | UInt32(b1 & 0x3F) << 12 | UInt32(b2 & 0x3F) << 6 | UInt32(b3 & 0x3F)
            return (value, 4)
        default:
            return (runeError, 1)
        }
    }

    static func runes(_ bytes: [UInt8]) -> [UInt32] {
        var result: [UInt32] = []
        result.reserveCapacity(bytes.count)
        var index = 0
        while index < bytes.count {
            let (rune, size) = decode(bytes, at: index)
            result.append(rune)
            index += max(size, 1)
        }
        return result
    }
}

/// Go's `path/filepath` functions for Unix paths, on bytes.
enum IgnorePath {
    static let slash = UInt8(ascii: "/")
    static let dot = UInt8(ascii: ".")

    /// Go's `filepath.Clean`.
    static func clean(_ path: [UInt8]) -> [UInt8] {
        if path.isEmpty { return [dot] }
        let rooted = path[0] == slash
        let count = path.count
        var out: [UInt8] = []
        out.reserveCapacity(count)
        var read = 0
        var dotdot = 0
        if rooted {
            out.append(slash)
            read = 1
            dotdot = 1
        }
        while read < count {
            if path[read] == slash {
                read += 1
            } else if path[read] == dot && (read + 1 == count || path[read + 1] == slash) {
                read += 1
            } else if path[read] == dot && read + 1 < count && path[read + 1] == dot
                        && (read + 2 == count || path[read + 2] == slash) {
                read += 2
                if out.count > dotdot {
                    // Go: w--; for w > dotdot && buf[w] != '/' { w-- }
                    var write = out.count - 1
                    while write > dotdot && out[write] != slash { write -= 1 }
                    out.removeSubrange(write...)
                } else if !rooted {
                    if !out.isEmpty { out.append(slash) }
                    out.append(dot)
                    out.append(dot)
                    dotdot = out.count
                }
            } else {
                if (rooted && out.count != 1) || (!rooted && !out.isEmpty) {
                    out.append(slash)
                }
                while read < count && path[read] != slash {
                    out.append(path[read])
                    read += 1
                }
            }
        }
        if out.isEmpty { return [dot] }
        return out
    }

    /// Go's `filepath.Dir`.
    static func dir(_ path: [UInt8]) -> [UInt8] {
        var index = path.count - 1
        while index >= 0 && path[index] != slash { index -= 1 }
        return clean(Array(path[0..<(index + 1)]))
    }

    /// Go's `strings.Split(path, "/")` (empty parts kept).
    static func split(_ path: [UInt8]) -> [[UInt8]] {
        var parts: [[UInt8]] = []
        var current: [UInt8] = []
        for byte in path {
            if byte == slash {
                parts.append(current)
                current = []
            } else {
                current.append(byte)
            }
        }
        parts.append(current)
        return parts
    }

    static func join(_ parts: ArraySlice<[UInt8]>) -> [UInt8] {
        var result: [UInt8] = []
        for (offset, part) in parts.enumerated() {
            if offset > 0 { result.append(slash) }
            result.append(contentsOf: part)
        }
        return result
    }
}

// MARK: - Go's filepath.Match, used only to reject malformed patterns

enum GoGlob {
    private static let star = UInt8(ascii: "*")
    private static let backslash = UInt8(ascii: "\\")

    /// True when Go's `filepath.Match(pattern, ".")` returns no error.
    static func isWellFormed(_ pattern: [UInt8]) -> Bool {
        switch match(pattern[...], [UInt8(ascii: ".")][...]) {
        case .success: return true
        case .failure: return false
        }
    }

    struct BadPattern: Error {}

    static func match(_ patternIn: ArraySlice<UInt8>, _ nameIn: ArraySlice<UInt8>) -> Result<Bool, BadPattern> {
        var pattern = patternIn
        var name = nameIn
        patternLoop: while !pattern.isEmpty {
            let (star, chunk, rest) = scanChunk(pattern)
            pattern = rest
            if star && chunk.isEmpty {
                return .success(!name.contains(IgnorePath.slash))
            }
            switch matchChunk(chunk, name) {
            case .failure(let error):
                return .failure(error)
            case .success(let value):
                if let remaining = value, remaining.isEmpty || !pattern.isEmpty {
                    name = remaining
                    continue patternLoop
                }
            }
            if star {
                var index = name.startIndex
                while index < name.endIndex && name[index] != IgnorePath.slash {
                    switch matchChunk(chunk, name[(index + 1)...]) {
                    case .failure(let error):
                        return .failure(error)
                    case .success(let value):
                        if let remaining = value {
                            if pattern.isEmpty && !remaining.isEmpty {
                                index += 1
                                continue
                            }
                            name = remaining
                            continue patternLoop
                        }
                    }
                    index += 1
                }
            }
            while !pattern.isEmpty {
                let (_, nextChunk, nextRest) = scanChunk(pattern)
                pattern = nextRest
                if case .failure(let error) = matchChunk(nextChunk, ArraySlice<UInt8>()) { return .failure(error) }
            }
            return .success(false)
        }
        return .success(name.isEmpty)
    }

    private static func scanChunk(_ patternIn: ArraySlice<UInt8>) -> (Bool, ArraySlice<UInt8>, ArraySlice<UInt8>) {
        var pattern = patternIn
        var star = false
        while let first = pattern.first, first == GoGlob.star {
            pattern = pattern.dropFirst()
            star = true
        }
        var inRange = false
        var index = pattern.startIndex
        scan: while index < pattern.endIndex {
            switch pattern[index] {
            case backslash:
                if index + 1 < pattern.endIndex { index += 1 }
            case UInt8(ascii: "["):
                inRange = true
            case UInt8(ascii: "]"):
                inRange = false
            case GoGlob.star:
                if !inRange { break scan }
            default:
                break
            }
            index += 1
        }
        return (star, pattern[pattern.startIndex..<index], pattern[index...])
    }

    /// Returns `.success(rest)` when the chunk matches the start of `s`, `.success(nil)` when not.
    private static func matchChunk(
        _ chunkIn: ArraySlice<UInt8>, _ sIn: ArraySlice<UInt8>
    ) -> Result<ArraySlice<UInt8>?, BadPattern> {
        var chunk = chunkIn
        var s = sIn
        var failed = false
        while let head = chunk.first {
            if !failed && s.isEmpty { failed = true }
            switch head {
            case UInt8(ascii: "["):
                var rune: UInt32 = 0
                if !failed {
                    let (decoded, size) = GoUTF8.decode(Array(s), at: 0)
                    rune = decoded
                    s = s.dropFirst(size)
                }
                chunk = chunk.dropFirst()
                var negated = false
                if chunk.first == UInt8(ascii: "^") {
                    negated = true
                    chunk = chunk.dropFirst()
                }
                var matched = false
                var ranges = 0
                while true {
                    if chunk.first == UInt8(ascii: "]") && ranges > 0 {
                        chunk = chunk.dropFirst()
                        break
                    }
                    guard let (low, afterLow) = getEsc(chunk) else { return .failure(BadPattern()) }
                    chunk = afterLow
                    var high = low
                    if chunk.first == UInt8(ascii: "-") {
                        guard let (value, afterHigh) = getEsc(chunk.dropFirst()) else { return .failure(BadPattern()) }
                        high = value
                        chunk = afterHigh
                    }
                    if low <= rune && rune <= high { matched = true }
                    ranges += 1
                }
                if matched == negated { failed = true }
            case UInt8(ascii: "?"):
                if !failed {
                    if s.first == IgnorePath.slash { failed = true }
                    let (_, size) = GoUTF8.decode(Array(s), at: 0)
                    s = s.dropFirst(size)
                }
                chunk = chunk.dropFirst()
            default:
                if head == backslash {
                    chunk = chunk.dropFirst()
                    if chunk.isEmpty { return .failure(BadPattern()) }
                }
                if !failed {
                    if chunk.first != s.first { failed = true }
                    s = s.dropFirst()
                }
                chunk = chunk.dropFirst()
            }
        }
        if failed { return .success(nil) }
        return .success(s)
    }

    private static func getEsc(_ chunkIn: ArraySlice<UInt8>) -> (UInt32, ArraySlice<UInt8>)? {
        var chunk = chunkIn
        guard let first = chunk.first, first != UInt8(ascii: "-"), first != UInt8(ascii: "]") else { return nil }
        if first == backslash {
            chunk = chunk.dropFirst()
            if chunk.isEmpty { return nil }
        }
        let (rune, size) = GoUTF8.decode(Array(chunk), at: 0)
        if rune == GoUTF8.runeError && size == 1 { return nil }
        let rest = chunk.dropFirst(size)
        if rest.isEmpty { return nil }
        return (rune, rest)
    }
}

// MARK: - The RE2 subset behind patternmatcher's regular expressions

struct IgnoreRegexError: Error {
    let message: String
}

/// A regular expression in Go's RE2 syntax (Perl flags), matched like Go's `Regexp.MatchString`.
struct IgnoreRegex: Sendable {
    enum Assertion: Sendable { case beginText, endText, wordBoundary, notWordBoundary }

    enum Instruction: Sendable {
        case rune(IgnoreCharSet, next: Int)
        case split(Int, Int)
        case assert(Assertion, next: Int)
        case match
    }

    indirect enum Node {
        case set(IgnoreCharSet)
        case assert(Assertion)
        case empty
        case concat([Node])
        case alternate([Node])
        case star(Node)
        case plus(Node)
        case quest(Node)
    }

    let program: [Instruction]
    let start: Int

    init(_ expression: [UInt32]) throws(IgnoreRegexError) {
        var parser = IgnoreRegexParser(expression)
        let node = try parser.parse()
        var program: [Instruction] = [.match]
        let start = IgnoreRegex.emit(node, next: 0, into: &program)
        self.program = program
        self.start = start
    }

    private static func emit(_ node: Node, next: Int, into program: inout [Instruction]) -> Int {
        switch node {
        case .set(let set):
            program.append(.rune(set, next: next))
            return program.count - 1
        case .assert(let assertion):
            program.append(.assert(assertion, next: next))
            return program.count - 1
        case .empty:
            return next
        case .concat(let nodes):
            var target = next
            for item in nodes.reversed() {
                target = emit(item, next: target, into: &program)
            }
            return target
        case .alternate(let nodes):
            guard var target = nodes.last.map({ emit($0, next: next, into: &program) }) else { return next }
            for item in nodes.dropLast().reversed() {
                let branch = emit(item, next: next, into: &program)
                program.append(.split(branch, target))
                target = program.count - 1
            }
            return target
        case .star(let sub):
            program.append(.split(0, 0))
            let loop = program.count - 1
            let body = emit(sub, next: loop, into: &program)
            program[loop] = .split(body, next)
            return loop
        case .plus(let sub):
            program.append(.split(0, 0))
            let loop = program.count - 1
            let body = emit(sub, next: loop, into: &program)
            program[loop] = .split(body, next)
            return body
        case .quest(let sub):
            let body = emit(sub, next: next, into: &program)
            program.append(.split(body, next))
            return program.count - 1
        }
    }

    /// Unanchored search, like Go's `MatchString` (patternmatcher's expressions are anchored by `^…$`).
    func matches(_ input: [UInt32]) -> Bool {
        var seen = [Int](repeating: -1, count: program.count)
        var current: [Int] = []
        var next: [Int] = []
        var generation = 0
        func add(_ pc: Int, at position: Int, to list: inout [Int]) {
            if seen[pc] == generation { return }
            seen[pc] = generation
            switch program[pc] {
            case .split(let first, let second):
                add(first, at: position, to: &list)
                add(second, at: position, to: &list)
            case .assert(let assertion, let target):
                if holds(assertion, at: position, in: input) { add(target, at: position, to: &list) }
            case .rune, .match:
                list.append(pc)
            }
        }
        var position = 0
        while true {
            add(start, at: position, to: &current)
            for pc in current {
                if case .match = program[pc] { return true }
            }
            if position == input.count { return false }
            generation += 1
            next.removeAll(keepingCapacity: true)
            let rune = input[position]
            for pc in current {
                if case .rune(let set, let target) = program[pc], set.contains(rune) {
                    add(target, at: position + 1, to: &next)
                }
            }
            swap(&current, &next)
            position += 1
        }
    }

    private func holds(_ assertion: Assertion, at position: Int, in input: [UInt32]) -> Bool {
        switch assertion {
        case .beginText:
            return position == 0
        case .endText:
            return position == input.count
        case .wordBoundary, .notWordBoundary:
            let before = position > 0 && IgnoreCharSet.isWordRune(input[position - 1])
            let after = position < input.count && IgnoreCharSet.isWordRune(input[position])
            return (before != after) == (assertion == .wordBoundary)
        }
    }
}

/// A character class of Go's RE2 syntax.
struct IgnoreCharSet: Sendable {
    enum Perl: Sendable { case digit, space, word }

    enum Posix: String, Sendable {
        case alnum, alpha, ascii, blank, cntrl, digit, graph, lower, print, punct, space, upper, word, xdigit
    }

    enum Item: Sendable {
        case range(UInt32, UInt32)
        case perl(Perl, negated: Bool)
        case posix(Posix, negated: Bool)
        case category(String, negated: Bool)
    }

    var items: [Item]
    var negated: Bool

    static func single(_ rune: UInt32) -> IgnoreCharSet { IgnoreCharSet(items: [.range(rune, rune)], negated: false) }

    static let anyButNewline = IgnoreCharSet(items: [.range(0x0A, 0x0A)], negated: true)

    static func isWordRune(_ rune: UInt32) -> Bool {
        (rune >= 0x30 && rune <= 0x39) || (rune >= 0x41 && rune <= 0x5A) || (rune >= 0x61 && rune <= 0x7A) || rune == 0x5F
    }

    func contains(_ rune: UInt32) -> Bool {
        var found = false
        for item in items where IgnoreCharSet.itemContains(item, rune) {
            found = true
            break
        }
        return found != negated
    }

    private static func itemContains(_ item: Item, _ rune: UInt32) -> Bool {
        switch item {
        case .range(let low, let high):
            return low <= rune && rune <= high
        case .perl(let kind, let negated):
            let inside: Bool
            switch kind {
            case .digit: inside = rune >= 0x30 && rune <= 0x39
            case .space: inside = rune == 0x09 || rune == 0x0A || rune == 0x0C || rune == 0x0D || rune == 0x20
            case .word: inside = isWordRune(rune)
            }
            return inside != negated
        case .posix(let kind, let negated):
            return posixContains(kind, rune) != negated
        case .category(let name, let negated):
            return categoryContains(name, rune) != negated
        }
    }

    private static func posixContains(_ kind: Posix, _ rune: UInt32) -> Bool {
        let upper = rune >= 0x41 && rune <= 0x5A
        let lower = rune >= 0x61 && rune <= 0x7A
        let digit = rune >= 0x30 && rune <= 0x39
        switch kind {
        case .alnum: return upper || lower || digit
        case .alpha: return upper || lower
        case .ascii: return rune <= 0x7F
        case .blank: return rune == 0x09 || rune == 0x20
        case .cntrl: return rune <= 0x1F || rune == 0x7F
        case .digit: return digit
        case .graph: return rune >= 0x21 && rune <= 0x7E
        case .lower: return lower
        case .print: return rune >= 0x20 && rune <= 0x7E
        case .punct:
            return (rune >= 0x21 && rune <= 0x2F) || (rune >= 0x3A && rune <= 0x40)
                || (rune >= 0x5B && rune <= 0x60) || (rune >= 0x7B && rune <= 0x7E)
        case .space: return rune == 0x09 || rune == 0x0A || rune == 0x0B || rune == 0x0C || rune == 0x0D || rune == 0x20
        case .upper: return upper
        case .word: return isWordRune(rune)
        case .xdigit: return digit || (rune >= 0x41 && rune <= 0x46) || (rune >= 0x61 && rune <= 0x66)
        }
    }

    static let categoryNames: Set<String> = [
        "Any", "C", "Cc", "Cf", "Co", "Cs", "L", "Ll", "Lm", "Lo", "Lt", "Lu", "M", "Mc", "Me", "Mn",
        "N", "Nd", "Nl", "No", "P", "Pc", "Pd", "Pe", "Pf", "Pi", "Po", "Ps", "S", "Sc", "Sk", "Sm", "So",
        "Z", "Zl", "Zp", "Zs",
    ]

    private static func categoryContains(_ name: String, _ rune: UInt32) -> Bool {
        if name == "Any" { return rune <= 0x10FFFF }
        guard let scalar = Unicode.Scalar(rune) else {
            // Surrogate code points: Go's tables put them in Cs.
            return name == "C" || name == "Cs"
        }
        let code: String
        switch scalar.properties.generalCategory {
        case .uppercaseLetter: code = "Lu"
        case .lowercaseLetter: code = "Ll"
        case .titlecaseLetter: code = "Lt"
        case .modifierLetter: code = "Lm"
        case .otherLetter: code = "Lo"
        case .nonspacingMark: code = "Mn"
        case .spacingMark: code = "Mc"
        case .enclosingMark: code = "Me"
        case .decimalNumber: code = "Nd"
        case .letterNumber: code = "Nl"
        case .otherNumber: code = "No"
        case .connectorPunctuation: code = "Pc"
        case .dashPunctuation: code = "Pd"
        case .openPunctuation: code = "Ps"
        case .closePunctuation: code = "Pe"
        case .initialPunctuation: code = "Pi"
        case .finalPunctuation: code = "Pf"
        case .otherPunctuation: code = "Po"
        case .mathSymbol: code = "Sm"
        case .currencySymbol: code = "Sc"
        case .modifierSymbol: code = "Sk"
        case .otherSymbol: code = "So"
        case .spaceSeparator: code = "Zs"
        case .lineSeparator: code = "Zl"
        case .paragraphSeparator: code = "Zp"
        case .control: code = "Cc"
        case .format: code = "Cf"
        case .surrogate: code = "Cs"
        case .privateUse: code = "Co"
        case .unassigned: code = "Cn"
        @unknown default: code = "Cn"
        }
        if name.count == 1 { return code != "Cn" && code.hasPrefix(name) }
        return code == name
    }
}

/// A parser for Go's RE2 syntax with the `Perl` flags (`ClassNL | OneLine | PerlX | UnicodeGroups`).
struct IgnoreRegexParser {
    private let text: [UInt32]
    private var position = 0

    init(_ text: [UInt32]) {
        self.text = text
    }

    private static func ascii(_ character: Character) -> UInt32 {
        UInt32(character.asciiValue ?? 0)
    }

    private func peek(_ offset: Int = 0) -> UInt32? {
        let index = position + offset
        return index < text.count ? text[index] : nil
    }

    private func describe(_ runes: ArraySlice<UInt32>) -> String {
        String(String.UnicodeScalarView(runes.compactMap { Unicode.Scalar($0) }))
    }

    mutating func parse() throws(IgnoreRegexError) -> IgnoreRegex.Node {
        let node = try parseAlternation()
        if position < text.count {
            throw IgnoreRegexError(message: "unexpected ): `\(describe(text[...]))`")
        }
        return node
    }

    private mutating func parseAlternation() throws(IgnoreRegexError) -> IgnoreRegex.Node {
        var branches = [try parseConcatenation()]
        while peek() == Self.ascii("|") {
            position += 1
            branches.append(try parseConcatenation())
        }
        return branches.count == 1 ? branches[0] : .alternate(branches)
    }

    private mutating func parseConcatenation() throws(IgnoreRegexError) -> IgnoreRegex.Node {
        var items: [IgnoreRegex.Node] = []
        var lastWasRepeat = false
        while let character = peek(), character != Self.ascii("|"), character != Self.ascii(")") {
            var isRepeat = false
            switch character {
            case Self.ascii("("):
                position += 1
                if peek() == Self.ascii("?") {
                    throw IgnoreRegexError(message: "unsupported group syntax")
                }
                let inner = try parseAlternation()
                guard peek() == Self.ascii(")") else {
                    throw IgnoreRegexError(message: "missing closing ): `\(describe(text[...]))`")
                }
                position += 1
                items.append(inner)
            case Self.ascii("^"):
                position += 1
                items.append(.assert(.beginText))
            case Self.ascii("$"):
                position += 1
                items.append(.assert(.endText))
            case Self.ascii("."):
                position += 1
                items.append(.set(.anyButNewline))
            case Self.ascii("["):
                items.append(.set(try parseClass()))
            case Self.ascii("*"), Self.ascii("+"), Self.ascii("?"):
                let operatorStart = position
                position += 1
                if peek() == Self.ascii("?") { position += 1 }
                if lastWasRepeat {
                    throw IgnoreRegexError(
                        message: "invalid nested repetition operator: `\(describe(text[operatorStart..<position]))`")
                }
                guard let operand = items.popLast() else {
                    throw IgnoreRegexError(
                        message: "missing argument to repetition operator: `\(describe(text[operatorStart..<position]))`")
                }
                switch character {
                case Self.ascii("*"): items.append(.star(operand))
                case Self.ascii("+"): items.append(.plus(operand))
                default: items.append(.quest(operand))
                }
                isRepeat = true
            case Self.ascii("\\"):
                try parseBackslash(into: &items)
            default:
                position += 1
                items.append(.set(.single(character)))
            }
            lastWasRepeat = isRepeat
        }
        if items.isEmpty { return .empty }
        return items.count == 1 ? items[0] : .concat(items)
    }

    private mutating func parseBackslash(into items: inout [IgnoreRegex.Node]) throws(IgnoreRegexError) {
        if let next = peek(1) {
            switch next {
            case Self.ascii("A"):
                position += 2
                items.append(.assert(.beginText))
                return
            case Self.ascii("b"):
                position += 2
                items.append(.assert(.wordBoundary))
                return
            case Self.ascii("B"):
                position += 2
                items.append(.assert(.notWordBoundary))
                return
            case Self.ascii("z"):
                position += 2
                items.append(.assert(.endText))
                return
            case Self.ascii("C"):
                throw IgnoreRegexError(message: "invalid escape sequence: `\\C`")
            case Self.ascii("Q"):
                position += 2
                while position < text.count {
                    if text[position] == Self.ascii("\\"), peek(1) == Self.ascii("E") {
                        position += 2
                        return
                    }
                    items.append(.set(.single(text[position])))
                    position += 1
                }
                return
            case Self.ascii("p"), Self.ascii("P"):
                items.append(.set(IgnoreCharSet(items: [try parseUnicodeClass()], negated: false)))
                return
            default:
                if let perl = parsePerlClass() {
                    items.append(.set(IgnoreCharSet(items: [perl], negated: false)))
                    return
                }
            }
        }
        items.append(.set(.single(try parseEscape())))
    }

    /// `\d \D \s \S \w \W` at the current position.
    private mutating func parsePerlClass() -> IgnoreCharSet.Item? {
        guard peek() == Self.ascii("\\"), let letter = peek(1) else { return nil }
        let item: IgnoreCharSet.Item
        switch letter {
        case Self.ascii("d"): item = .perl(.digit, negated: false)
        case Self.ascii("D"): item = .perl(.digit, negated: true)
        case Self.ascii("s"): item = .perl(.space, negated: false)
        case Self.ascii("S"): item = .perl(.space, negated: true)
        case Self.ascii("w"): item = .perl(.word, negated: false)
        case Self.ascii("W"): item = .perl(.word, negated: true)
        default: return nil
        }
        position += 2
        return item
    }

    /// `\pL`, `\p{Lu}`, `\PL`, `\p{^L}` at the current position.
    private mutating func parseUnicodeClass() throws(IgnoreRegexError) -> IgnoreCharSet.Item {
        let start = position
        var negated = peek(1) == Self.ascii("P")
        position += 2
        guard let first = peek() else {
            throw IgnoreRegexError(message: "invalid character class range: `\(describe(text[start...]))`")
        }
        var name: [UInt32]
        if first != Self.ascii("{") {
            name = [first]
            position += 1
        } else {
            guard let end = text[position...].firstIndex(of: Self.ascii("}")) else {
                throw IgnoreRegexError(message: "invalid character class range: `\(describe(text[start...]))`")
            }
            name = Array(text[(position + 1)..<end])
            position = end + 1
        }
        if name.first == Self.ascii("^") {
            negated.toggle()
            name.removeFirst()
        }
        let nameString = describe(name[...])
        guard IgnoreCharSet.categoryNames.contains(nameString) else {
            throw IgnoreRegexError(message: "invalid character class range: `\(describe(text[start..<position]))`")
        }
        return .category(nameString, negated: negated)
    }

    /// Go's `parseEscape`: the single rune of an escape sequence at the current position.
    private mutating func parseEscape() throws(IgnoreRegexError) -> UInt32 {
        let start = position
        position += 1
        guard let character = peek() else {
            throw IgnoreRegexError(message: "trailing backslash at end of expression")
        }
        position += 1
        func invalid(_ position: Int) -> IgnoreRegexError {
            IgnoreRegexError(message: "invalid escape sequence: `\(describe(text[start..<min(position, text.count)]))`")
        }
        func isOctal(_ rune: UInt32?) -> Bool {
            guard let rune else { return false }
            return rune >= Self.ascii("0") && rune <= Self.ascii("7")
        }
        func hexValue(_ rune: UInt32?) -> UInt32? {
            guard let rune else { return nil }
            switch rune {
            case 0x30...0x39: return rune - 0x30
            case 0x41...0x46: return rune - 0x41 + 10
            case 0x61...0x66: return rune - 0x61 + 10
            default: return nil
            }
        }
        switch character {
        case Self.ascii("1")...Self.ascii("7"), Self.ascii("0"):
            if character != Self.ascii("0") && !isOctal(peek()) { throw invalid(position) }
            var value = character - Self.ascii("0")
            for _ in 1..<3 {
                guard isOctal(peek()), let digit = peek() else { break }
                value = value * 8 + digit - Self.ascii("0")
                position += 1
            }
            return value
        case Self.ascii("x"):
            guard let next = peek() else { throw invalid(position) }
            position += 1
            if next == Self.ascii("{") {
                var value: UInt32 = 0
                var digits = 0
                while true {
                    guard let digit = peek() else { throw invalid(position) }
                    position += 1
                    if digit == Self.ascii("}") { break }
                    guard let hex = hexValue(digit) else { throw invalid(position) }
                    value = value * 16 + hex
                    if value > 0x10FFFF { throw invalid(position) }
                    digits += 1
                }
                if digits == 0 { throw invalid(position) }
                return value
            }
            let high = hexValue(next)
            let lowRune = peek()
            if lowRune != nil { position += 1 }
            guard let high, let low = hexValue(lowRune) else { throw invalid(position) }
            return high * 16 + low
        case Self.ascii("a"): return 0x07
        case Self.ascii("f"): return 0x0C
        case Self.ascii("n"): return 0x0A
        case Self.ascii("r"): return 0x0D
        case Self.ascii("t"): return 0x09
        case Self.ascii("v"): return 0x0B
        default:
            if character < 0x80, !IgnoreCharSet.isWordRune(character) || character == Self.ascii("_") {
                return character
            }
            throw invalid(position)
        }
    }

    /// Go's `parseClass` at a `[`.
    private mutating func parseClass() throws(IgnoreRegexError) -> IgnoreCharSet {
        let start = position
        position += 1
        var set = IgnoreCharSet(items: [], negated: false)
        if peek() == Self.ascii("^") {
            set.negated = true
            position += 1
        }
        var first = true
        while peek() != Self.ascii("]") || first {
            first = false
            guard peek() != nil else {
                throw IgnoreRegexError(message: "missing closing ]: `\(describe(text[start...]))`")
            }
            // POSIX class such as [:alpha:].
            if peek() == Self.ascii("["), peek(1) == Self.ascii(":"), let item = try parseNamedClass() {
                set.items.append(item)
                continue
            }
            if peek() == Self.ascii("\\"), peek(1) == Self.ascii("p") || peek(1) == Self.ascii("P") {
                set.items.append(try parseUnicodeClass())
                continue
            }
            if let perl = parsePerlClass() {
                set.items.append(perl)
                continue
            }
            let rangeStart = position
            let low = try parseClassCharacter(classStart: start)
            var high = low
            if peek() == Self.ascii("-"), let after = peek(1), after != Self.ascii("]") {
                position += 1
                high = try parseClassCharacter(classStart: start)
                if high < low {
                    throw IgnoreRegexError(
                        message: "invalid character class range: `\(describe(text[rangeStart..<position]))`")
                }
            }
            set.items.append(.range(low, high))
        }
        position += 1
        return set
    }

    private mutating func parseNamedClass() throws(IgnoreRegexError) -> IgnoreCharSet.Item? {
        // Find ":]" after "[:".
        var index = position + 2
        var end: Int?
        while index + 1 < text.count {
            if text[index] == Self.ascii(":") && text[index + 1] == Self.ascii("]") {
                end = index
                break
            }
            index += 1
        }
        guard let end else { return nil }
        var name = describe(text[(position + 2)..<end])
        let whole = describe(text[position..<(end + 2)])
        var negated = false
        if name.hasPrefix("^") {
            negated = true
            name.removeFirst()
        }
        guard let kind = IgnoreCharSet.Posix(rawValue: name) else {
            throw IgnoreRegexError(message: "invalid character class range: `\(whole)`")
        }
        position = end + 2
        return .posix(kind, negated: negated)
    }

    private mutating func parseClassCharacter(classStart: Int) throws(IgnoreRegexError) -> UInt32 {
        guard let character = peek() else {
            throw IgnoreRegexError(message: "missing closing ]: `\(describe(text[classStart...]))`")
        }
        if character == Self.ascii("\\") {
            return try parseEscape()
        }
        position += 1
        return character
    }
}
