import Testing
@testable import Docker

struct DockerIgnoreCase: CustomTestStringConvertible, Sendable {
    let patterns: [String]
    let path: String
    let excluded: Bool

    init(_ patterns: [String], _ path: String, _ excluded: Bool) {
        self.patterns = patterns
        self.path = path
        self.excluded = excluded
    }

    var testDescription: String { "\(patterns) \(path) -> \(excluded)" }
}

/// moby/patternmatcher `TestMatches` (MatchesOrParentMatches), one pattern each.
let patternMatcherTable: [DockerIgnoreCase] = [
    .init(["**"], "file", true),
    .init(["**"], "file/", true),
    .init(["**/"], "file", true),
    .init(["**/"], "file/", true),
    .init(["**"], "/", true),
    .init(["**/"], "/", true),
    .init(["**"], "dir/file", true),
    .init(["**/"], "dir/file", true),
    .init(["**"], "dir/file/", true),
    .init(["**/"], "dir/file/", true),
    .init(["**/**"], "dir/file", true),
    .init(["**/**"], "dir/file/", true),
    .init(["dir/**"], "dir/file", true),
    .init(["dir/**"], "dir/file/", true),
    .init(["dir/**"], "dir/dir2/file", true),
    .init(["dir/**"], "dir/dir2/file/", true),
    .init(["**/dir"], "dir", true),
    .init(["**/dir"], "dir/file", true),
    .init(["**/dir2/*"], "dir/dir2/file", true),
    .init(["**/dir2/*"], "dir/dir2/file/", true),
    .init(["**/dir2/**"], "dir/dir2/dir3/file", true),
    .init(["**/dir2/**"], "dir/dir2/dir3/file/", true),
    .init(["**file"], "file", true),
    .init(["**file"], "dir/file", true),
    .init(["**/file"], "dir/file", true),
    .init(["**file"], "dir/dir/file", true),
    .init(["**/file"], "dir/dir/file", true),
    .init(["**/file*"], "dir/dir/file", true),
    .init(["**/file*"], "dir/dir/file.txt", true),
    .init(["**/file*txt"], "dir/dir/file.txt", true),
    .init(["**/file*.txt"], "dir/dir/file.txt", true),
    .init(["**/file*.txt*"], "dir/dir/file.txt", true),
    .init(["**/**/*.txt"], "dir/dir/file.txt", true),
    .init(["**/**/*.txt2"], "dir/dir/file.txt", false),
    .init(["**/*.txt"], "file.txt", true),
    .init(["**/**/*.txt"], "file.txt", true),
    .init(["a**/*.txt"], "a/file.txt", true),
    .init(["a**/*.txt"], "a/dir/file.txt", true),
    .init(["a**/*.txt"], "a/dir/dir/file.txt", true),
    .init(["a/*.txt"], "a/dir/file.txt", false),
    .init(["a/*.txt"], "a/file.txt", true),
    .init(["a/*.txt**"], "a/file.txt", true),
    .init(["a[b-d]e"], "ae", false),
    .init(["a[b-d]e"], "ace", true),
    .init(["a[b-d]e"], "aae", false),
    .init(["a[^b-d]e"], "aze", true),
    .init([".*"], ".foo", true),
    .init([".*"], "foo", false),
    .init(["abc.def"], "abcdef", false),
    .init(["abc.def"], "abc.def", true),
    .init(["abc.def"], "abcZdef", false),
    .init(["abc?def"], "abcZdef", true),
    .init(["abc?def"], "abcdef", false),
    .init(["a\\\\"], "a\\", true),
    .init(["**/foo/bar"], "foo/bar", true),
    .init(["**/foo/bar"], "dir/foo/bar", true),
    .init(["**/foo/bar"], "dir/dir2/foo/bar", true),
    .init(["abc/**"], "abc", false),
    .init(["abc/**"], "abc/def", true),
    .init(["abc/**"], "abc/def/ghi", true),
    .init(["**/.foo"], ".foo", true),
    .init(["**/.foo"], "bar.foo", false),
    .init(["a(b)c/def"], "a(b)c/def", true),
    .init(["a(b)c/def"], "a(b)c/xyz", false),
    .init(["a.|)$(}+{bc"], "a.|)$(}+{bc", true),
    .init(["dist/proxy.py-2.4.0rc3.dev36+g08acad9-py3-none-any.whl"],
          "dist/proxy.py-2.4.0rc3.dev36+g08acad9-py3-none-any.whl", true),
    .init(["dist/*.whl"], "dist/proxy.py-2.4.0rc3.dev36+g08acad9-py3-none-any.whl", true),
    .init(["a\\*b"], "a*b", true),
    // patternmatcher multi-pattern cases
    .init(["**", "!util/docker/web"], "util/docker/web/foo", false),
    .init(["**", "!util/docker/web", "util/docker/web/foo"], "util/docker/web/foo", true),
    .init(["**", "!dist/proxy.py-2.4.0rc3.dev36+g08acad9-py3-none-any.whl"],
          "dist/proxy.py-2.4.0rc3.dev36+g08acad9-py3-none-any.whl", false),
    .init(["**", "!dist/*.whl"], "dist/proxy.py-2.4.0rc3.dev36+g08acad9-py3-none-any.whl", false),
    // patternmatcher's other tests
    .init(["*"], "fileutils.go", true),
    .init(["*.go"], "fileutils.go", true),
    .init(["!fileutils.go", "*.go"], "fileutils.go", true),
    .init(["docs", "!docs/README.md"], "docs/README.md", false),
    .init(["docs/", "!docs/README.md"], "docs/README.md", false),
    .init(["docs/*", "!docs/README.md"], "docs/README.md", false),
    .init(["*.go", "!fileutils.go"], "fileutils.go", false),
    .init(["*.go"], ".", false),
    .init([], "/any/path/there", false),
]

/// Examples from the Docker documentation and the rules listed in the brief.
let documentationTable: [DockerIgnoreCase] = [
    // "*/temp*": one level below the root only.
    .init(["*/temp*"], "somedir/temporary.txt", true),
    .init(["*/temp*"], "somedir/temp", true),
    .init(["*/temp*"], "temp", false),
    .init(["*/temp*"], "a/b/temporary.txt", false),
    .init(["*/*/temp*"], "somedir/subdir/temporary.txt", true),
    .init(["temp?"], "tempa", true),
    .init(["temp?"], "temp", false),
    .init(["temp?"], "tempab", false),
    .init(["**/*.go"], "x.go", true),
    .init(["**/*.go"], "a/b/c.go", true),
    // "*.go" does not cross "/": only root-level files.
    .init(["*.go"], "main.go", true),
    .init(["*.go"], "cmd/main.go", false),
    // Exceptions: last matching pattern wins.
    .init(["*.md", "!README.md"], "README.md", false),
    .init(["*.md", "!README.md"], "CHANGES.md", true),
    .init(["*.md", "!README*.md", "README-secret.md"], "README-secret.md", true),
    .init(["*.md", "!README*.md", "README-secret.md"], "README-public.md", false),
    .init(["*.md", "README-secret.md", "!README*.md"], "README-secret.md", false),
    // A directory pattern excludes everything below it.
    .init(["docs"], "docs/a/b/c.txt", true),
    .init(["node_modules"], "node_modules", true),
    .init(["node_modules"], "src/node_modules", false),
    .init(["**/node_modules"], "src/node_modules/x/y.js", true),
    // Cleaned patterns.
    .init(["foo/../bar"], "bar", true),
    .init(["./baz"], "baz", true),
    .init(["dir//sub/"], "dir/sub/file", true),
    // Character classes: Go regexp semantics, so "[!a]" is the class of "!" and "a", not a negation.
    .init(["[a-c]at"], "bat", true),
    .init(["[a-c]at"], "rat", false),
    .init(["[^a]at"], "bat", true),
    .init(["[^a]at"], "aat", false),
    .init(["[!a]at"], "bat", false),
    .init(["[!a]at"], "!at", true),
    .init(["[[:digit:]]x"], "7x", true),
    // Escapes.
    .init(["a\\*b"], "axb", false),
    .init(["file\\?"], "file?", true),
    .init(["file\\?"], "filea", false),
    // "?" does not match "/".
    .init(["a?b"], "a/b", false),
    // Parent-directory matching applies to exceptions too.
    .init(["*", "!src"], "src/main.swift", false),
    .init(["*", "!src"], "README", true),
    // A pattern never excludes the context root itself.
    .init(["**"], ".", false),
]

@Suite("DockerIgnore")
struct DockerIgnoreTests {
    @Test("patternmatcher table", arguments: patternMatcherTable)
    func patternMatcherCases(_ testCase: DockerIgnoreCase) throws {
        let ignore = try DockerIgnore(patterns: testCase.patterns)
        #expect(ignore.isExcluded(testCase.path) == testCase.excluded)
    }

    @Test("documentation table", arguments: documentationTable)
    func documentationCases(_ testCase: DockerIgnoreCase) throws {
        let ignore = try DockerIgnore(patterns: testCase.patterns)
        #expect(ignore.isExcluded(testCase.path) == testCase.excluded)
    }

    @Test("malformed patterns throw one clear line", arguments: ["[", "a[", "[]a]", "a\\", "!", "[z-a]", "a\\q"])
    func malformed(_ pattern: String) {
        #expect {
            _ = try DockerIgnore(patterns: ["ok", pattern])
        } throws: { error in
            let text = "\(error)"
            return text.contains("\"\(pattern)\"") && !text.contains("\n")
        }
    }

    @Test func goRegexpQuirksAreKept() throws {
        // patternmatcher hands "\d" to Go's regexp, where it is a digit class.
        let ignore = try DockerIgnore(patterns: ["a\\d"])
        #expect(ignore.isExcluded("a7"))
        #expect(!ignore.isExcluded("ad"))
        // "^" is not escaped: in a regexp pattern it anchors and so never matches mid-text.
        #expect(try !DockerIgnore(patterns: ["a^b*"]).isExcluded("a^bc"))
        // …but a pattern without wildcards is a plain string comparison.
        #expect(try DockerIgnore(patterns: ["a^b"]).isExcluded("a^b"))
    }

    @Test func unicodeIsComparedBytewise() throws {
        let precomposed = "caf\u{E9}"
        let decomposed = "cafe\u{301}"
        let ignore = try DockerIgnore(patterns: [precomposed])
        #expect(ignore.isExcluded(precomposed))
        #expect(!ignore.isExcluded(decomposed))
        #expect(try DockerIgnore(patterns: ["caf?"]).isExcluded(precomposed))
    }

    @Test func canSkipDirectory() throws {
        #expect(try DockerIgnore(patterns: ["dir"]).canSkipDirectory("dir"))
        #expect(try !DockerIgnore(patterns: ["dir", "!dir/keep.txt"]).canSkipDirectory("dir"))
        #expect(try DockerIgnore(patterns: ["dir", "!other/keep.txt"]).canSkipDirectory("dir"))
        #expect(try !DockerIgnore(patterns: ["dir"]).canSkipDirectory("other"))
        #expect(try !DockerIgnore(patterns: ["*", "!dir/sub/file"]).canSkipDirectory("dir"))
        #expect(try DockerIgnore(patterns: ["*", "!dir/sub/file"]).canSkipDirectory("else"))
    }

    @Test func archiveWalkUsesParentResults() throws {
        // moby's archive walk uses MatchesUsingParentResults, which differs from MatchesOrParentMatches here.
        let ignore = try DockerIgnore(patterns: ["x", "!x/y", "x"])
        #expect(ignore.isExcluded("x/y/z"))
        let (dirSkipped, dirInfo) = ignore.matchesUsingParentResults(Array("x".utf8), parent: nil)
        let (subSkipped, subInfo) = ignore.matchesUsingParentResults(Array("x/y".utf8), parent: dirInfo)
        let (fileSkipped, _) = ignore.matchesUsingParentResults(Array("x/y/z".utf8), parent: subInfo)
        #expect(dirSkipped)
        #expect(!subSkipped)
        #expect(!fileSkipped)
    }

    @Test func legacyMatchesChecksOneParentLevel() throws {
        // The deprecated Matches used by TrimBuildFilesFromExcludes only looks at one parent prefix.
        let ignore = try DockerIgnore(patterns: ["**/b"])
        #expect(!ignore.legacyMatches(Array("x/y/b/Dockerfile".utf8)))
        #expect(ignore.isExcluded("x/y/b/Dockerfile"))
    }

    // MARK: - read

    @Test func readMatchesIgnorefileTest() {
        let content = "test1\n/test2\n/a/file/here\n\nlastfile\n# this is a comment\n! /inverted/abs/path\n!\n! "
        #expect(DockerIgnore.read(content) == [
            "test1", "test2", "a/file/here", "lastfile", "!inverted/abs/path", "!", "!",
        ])
    }

    @Test func readStripsBOMOnlyOnFirstLine() {
        #expect(DockerIgnore.read("\u{FEFF}foo\n\u{FEFF}bar") == ["foo", "\u{FEFF}bar"])
    }

    @Test func readComments() {
        // "#" only starts a comment in the first column, before trimming.
        #expect(DockerIgnore.read("#comment\n  #not-a-comment\nx # y") == ["#not-a-comment", "x # y"])
    }

    @Test func readWhitespaceAndLineEndings() {
        #expect(DockerIgnore.read("  a  \r\n\tb\t\n\r\n   \nc") == ["a", "b", "c"])
    }

    @Test func readExceptionsWithSpaces() {
        #expect(DockerIgnore.read("!  foo/bar \n! /abs\n!./x/../y") == ["!foo/bar", "!abs", "!y"])
    }

    @Test func readCleansPaths() {
        #expect(DockerIgnore.read("a//b/./c/\n/\n../up\n./\nx/..") == ["a/b/c", "/", "../up", ".", "."])
    }

    @Test func readThenMatch() throws {
        let patterns = DockerIgnore.read("# ignore build output\n/build\n*.log\n!keep.log\n")
        let ignore = try DockerIgnore(patterns: patterns)
        #expect(ignore.isExcluded("build/x.o"))
        #expect(ignore.isExcluded("debug.log"))
        #expect(!ignore.isExcluded("keep.log"))
        #expect(!ignore.isExcluded("src/build"))
    }

    // MARK: - Go helpers

    @Test("filepath.Clean", arguments: [
        ("", "."), ("abc", "abc"), ("a/b/../c", "a/c"), ("/../a", "/a"), ("a/../..", ".."),
        ("../../a", "../../a"), ("//a//b//", "/a/b"), ("./a/./b/.", "a/b"), ("/", "/"), ("a/b/..", "a"),
    ])
    func clean(_ input: String, _ expected: String) {
        #expect(String(decoding: IgnorePath.clean(Array(input.utf8)), as: UTF8.self) == expected)
    }
}
