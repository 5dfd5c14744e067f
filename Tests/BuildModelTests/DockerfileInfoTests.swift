import BuildModel
import Testing

private typealias Stage = DockerfileInfo.Stage
private typealias Arg = DockerfileInfo.Arg

/// One Dockerfile and what parsing it must give.
struct DockerfileCase: CustomTestStringConvertible, Sendable {
    let label: String
    let text: String
    let stages: [DockerfileInfo.Stage]
    let args: [DockerfileInfo.Arg]
    var testDescription: String { label }
}

private let cases: [DockerfileCase] = [
    DockerfileCase(label: "empty", text: "", stages: [], args: []),
    DockerfileCase(label: "only comments and blanks", text: "# hello\n\n   # indented comment\n\n", stages: [], args: []),
    DockerfileCase(
        label: "no FROM, only ARGs", text: "ARG A\nARG B=2\n",
        stages: [], args: [Arg(name: "A", defaultValue: nil, line: 1, global: true), Arg(name: "B", defaultValue: "2", line: 2, global: true)]),
    DockerfileCase(
        label: "multi-stage",
        text: """
            # syntax=docker/dockerfile:1
            ARG BASE=alpine:3.20
            FROM ${BASE} AS build
            ARG VERSION=0.0.0-dev
            RUN make

            FROM --platform=$BUILDPLATFORM golang:1.22 AS Tools
            FROM scratch
            COPY --from=build /out /
            """,
        stages: [
            Stage(name: "build", index: 0, base: "${BASE}", line: 3),
            Stage(name: "tools", index: 1, base: "golang:1.22", line: 7),
            Stage(name: nil, index: 2, base: "scratch", line: 8),
        ],
        args: [
            Arg(name: "BASE", defaultValue: "alpine:3.20", line: 2, global: true),
            Arg(name: "VERSION", defaultValue: "0.0.0-dev", line: 4, global: false),
        ]),
    DockerfileCase(
        label: "odd casing", text: "from alpine as Base\nArG x=1\nfRoM base aS final\n",
        stages: [Stage(name: "base", index: 0, base: "alpine", line: 1), Stage(name: "final", index: 1, base: "base", line: 3)],
        args: [Arg(name: "x", defaultValue: "1", line: 2, global: false)]),
    DockerfileCase(
        label: "continuations, with comment and blank lines inside",
        text: "FROM alpine \\\n  AS \\\n# a comment\n\n  base\nARG A=1 \\\n    B=2\nRUN echo \\\n  hi\nARG C\n",
        stages: [Stage(name: "base", index: 0, base: "alpine", line: 1)],
        args: [
            Arg(name: "A", defaultValue: "1", line: 6, global: false),
            Arg(name: "B", defaultValue: "2", line: 6, global: false),
            Arg(name: "C", defaultValue: nil, line: 10, global: false),
        ]),
    DockerfileCase(
        label: "escape directive (backtick), backslashes are literal",
        text: "# escape=`\nFROM mcr.microsoft.com/windows/servercore AS win\nARG DIR=C:\\tools `\n  OTHER=x\nRUN dir \\\nARG AFTER=1\n",
        stages: [Stage(name: "win", index: 0, base: "mcr.microsoft.com/windows/servercore", line: 2)],
        args: [
            Arg(name: "DIR", defaultValue: "C:\\tools", line: 3, global: false),
            Arg(name: "OTHER", defaultValue: "x", line: 3, global: false),
            Arg(name: "AFTER", defaultValue: "1", line: 6, global: false),
        ]),
    DockerfileCase(
        label: "escape directive after an instruction is a comment",
        text: "FROM a\n# escape=`\nARG X=a`b\nARG Y=c\\\nd\n",
        stages: [Stage(name: nil, index: 0, base: "a", line: 1)],
        args: [Arg(name: "X", defaultValue: "a`b", line: 3, global: false), Arg(name: "Y", defaultValue: "cd", line: 4, global: false)]),
    DockerfileCase(
        label: "directive with spaces and odd case, after syntax",
        text: "#syntax=docker/dockerfile:1\n#  ESCAPE = `  \nFROM a `\n  AS b\n",
        stages: [Stage(name: "b", index: 0, base: "a", line: 3)], args: []),
    DockerfileCase(
        label: "quoted defaults and several args per line",
        text: """
            ARG X="a b" Y='c d' Z=e\\ f
            ARG Q="say \\"hi\\"" S='it''s' EMPTY= DOLLAR="${HOME}/x" T=plain"mix ed"
            FROM x
            """,
        stages: [Stage(name: nil, index: 0, base: "x", line: 3)],
        args: [
            Arg(name: "X", defaultValue: "a b", line: 1, global: true),
            Arg(name: "Y", defaultValue: "c d", line: 1, global: true),
            Arg(name: "Z", defaultValue: "e f", line: 1, global: true),
            Arg(name: "Q", defaultValue: "say \"hi\"", line: 2, global: true),
            Arg(name: "S", defaultValue: "its", line: 2, global: true),
            Arg(name: "EMPTY", defaultValue: "", line: 2, global: true),
            Arg(name: "DOLLAR", defaultValue: "${HOME}/x", line: 2, global: true),
            Arg(name: "T", defaultValue: "plainmix ed", line: 2, global: true),
        ]),
    DockerfileCase(
        label: "duplicate names: first position, global default wins",
        text: "ARG V=1\nARG V=2\nARG W\nFROM a\nARG V=9\nARG W=stage\nARG U\nFROM b\nARG U=late\nARG W=later\n",
        stages: [Stage(name: nil, index: 0, base: "a", line: 4), Stage(name: nil, index: 1, base: "b", line: 8)],
        args: [
            Arg(name: "V", defaultValue: "2", line: 1, global: true),
            Arg(name: "W", defaultValue: "stage", line: 3, global: true),
            Arg(name: "U", defaultValue: "late", line: 7, global: false),
        ]),
    DockerfileCase(
        label: "heredocs are skipped",
        text: """
            FROM alpine AS a
            RUN <<EOF
            FROM fake AS nope
            ARG NOPE=1
            EOF
            COPY <<-"END" <<OTHER /dst/
            \tFROM also-fake
            \tEND
            ARG STILL_NOPE
            OTHER
            ARG REAL=yes
            RUN echo $((1<<2))
            ARG AFTER_SHIFT
            """,
        stages: [Stage(name: "a", index: 0, base: "alpine", line: 1)],
        args: [
            Arg(name: "REAL", defaultValue: "yes", line: 11, global: false),
            Arg(name: "AFTER_SHIFT", defaultValue: nil, line: 13, global: false),
        ]),
    DockerfileCase(
        label: "CRLF, BOM, indentation, unknown instructions, malformed FROM",
        text: "\u{FEFF}FROM a AS one\r\n  ARG  K=v  \r\nFROM\r\nHEALTHCHECK NONE\r\nfrom b as\r\n",
        stages: [Stage(name: "one", index: 0, base: "a", line: 1), Stage(name: nil, index: 1, base: "b", line: 5)],
        args: [Arg(name: "K", defaultValue: "v", line: 2, global: false)]),
    DockerfileCase(
        label: "the multistage example",
        text: """
            # Two stages that BuildKit runs in parallel.
            #   DOCKER_BUILDKIT=1 docker build --build-arg VERSION=1.2.3 examples/multistage

            FROM localbase AS slow
            RUN echo "slow: starting"

            FROM localbase AS counter
            RUN for i in $(seq 1 20); do echo "counter line $i/20"; done

            FROM localbase
            ARG VERSION=0.0.0-dev
            COPY --from=slow /slow.txt /out/slow.txt
            """,
        stages: [
            Stage(name: "slow", index: 0, base: "localbase", line: 4),
            Stage(name: "counter", index: 1, base: "localbase", line: 7),
            Stage(name: nil, index: 2, base: "localbase", line: 10),
        ],
        args: [Arg(name: "VERSION", defaultValue: "0.0.0-dev", line: 11, global: false)]),
]

struct DockerfileInfoTests {
    /// Each Dockerfile in the table yields the expected stages (names, bases, lines) and build args.
    @Test(arguments: cases)
    func parses(_ c: DockerfileCase) {
        let info = DockerfileInfo.parse(c.text)
        #expect(info.stages == c.stages)
        #expect(info.args == c.args)
        #expect(info == DockerfileInfo(stages: c.stages, args: c.args))
    }

    /// Targets are the named stages in order, lowercased like BuildKit compares them.
    @Test func targets() {
        let info = DockerfileInfo.parse("FROM a AS Build\nFROM b\nFROM c AS test\nFROM build AS final\n")
        #expect(info.targets == ["build", "test", "final"])
        #expect(DockerfileInfo.parse("FROM a\n").targets.isEmpty)
        #expect(DockerfileInfo.parse("").targets.isEmpty)
    }

    /// An escape character at the very end of the file is tolerated.
    @Test func trailingContinuationAtEOF() {
        let info = DockerfileInfo.parse("FROM a\nARG X=1 \\")
        #expect(info.args == [Arg(name: "X", defaultValue: "1", line: 2, global: false)])
    }
}
