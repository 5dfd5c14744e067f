import BuildEvents
import BuildModel
@testable import HistoryModel
import Testing
import TestSupport

/// Aligning two builds and explaining the first cache miss (HISTORY.md §5.3).
struct ComparisonTests {
    typealias S = Synthetic

    func row(_ c: BuildComparison, _ name: String) throws -> BuildComparison.Row {
        try #require(c.rows.first { $0.name == name })
    }

    // MARK: - Recorded builds

    /// The same build again: every user step is a hit or was not needed; nothing missed.
    @Test func multistageAgainIsAllCached() throws {
        let previous = BuildSnapshot(state: Fixtures.state(try Fixtures.rawjson("multistage")), buildArgs: ["VERSION": "dev"])
        let current = BuildSnapshot(state: Fixtures.state(try Fixtures.rawjson("multistage-cached")), buildArgs: ["VERSION": "dev"])
        let c = BuildComparison.compare(previous: previous, current: current)
        #expect(c.rows.count == current.state.visibleSteps.count)
        #expect(c.summary == "no cache miss")
        #expect(c.missStarts.isEmpty)
        #expect(c.removed.isEmpty)
        for r in c.rows {
            #expect(r.previousName == r.name, "\(r.name) aligned by name")
            if r.isUserStep { #expect(r.outcome == .hit || r.outcome == .skipped, "\(r.name): \(r.outcome)") }
            #expect(r.outcome != .new)
        }
        #expect(try row(c, "[stage-2 4/4] RUN echo \"version=dev\"").outcome == .hit)
        #expect(try row(c, "[a 2/2] RUN echo \"stage a start\" && sleep 2 && echo \"stage a done\"").outcome == .skipped)
        #expect(c.wallDelta < -2)
        #expect(c.cache == current.state.cache)
    }

    /// The other way round: both parallel RUNs miss on their own (nothing visible changed), the
    /// copies from their stages and the last RUN are cascades named after a first miss.
    @Test func coldAfterCachedCascadesAcrossStages() throws {
        let previous = BuildSnapshot(state: Fixtures.state(try Fixtures.rawjson("multistage-cached")))
        let current = BuildSnapshot(state: Fixtures.state(try Fixtures.rawjson("multistage")))
        let c = BuildComparison.compare(previous: previous, current: current)
        let a = "[a 2/2] RUN echo \"stage a start\" && sleep 2 && echo \"stage a done\""
        let b = "[b 2/2] RUN for i in $(seq 1 20); do echo \"b line $i\"; sleep 0.1; done"
        #expect(try row(c, a).outcome == .firstMiss(.unavailable(previousBuilder: nil, builder: nil)))
        #expect(try row(c, b).outcome == .firstMiss(.unavailable(previousBuilder: nil, builder: nil)))
        #expect(try row(c, "[stage-2 2/4] COPY --from=a /bin/busybox /a-busybox").outcome == .cascade(from: a))
        let last = try row(c, "[stage-2 4/4] RUN echo \"version=dev\"").outcome
        #expect(last == .cascade(from: a) || last == .cascade(from: b))
        #expect(try row(c, "exporting to image").outcome == .ran)
        #expect(c.summary.hasPrefix("first miss: [b 2/2] RUN for i in"))
        #expect(c.summary.hasSuffix("cache unavailable (pruned, other builder) (+1 more)"))
    }

    // MARK: - Synthetic pairs

    /// One file of the context changed: the COPY of it is the first miss and names that file
    /// (not the other changed file it does not copy); the RUN after it is a cascade.
    @Test func changedFileIsTheFirstMiss() throws {
        let before = ContextManifest(entries: [S.entry("app.txt", "sha256:1"), S.entry("other.txt", "sha256:o1"), S.entry("Dockerfile", "sha256:d")])
        let after = ContextManifest(entries: [S.entry("app.txt", "sha256:2"), S.entry("other.txt", "sha256:o2"), S.entry("Dockerfile", "sha256:d")])
        let previous = BuildSnapshot(state: S.copyBuild(tag: "1", copyCached: false, runCached: false), manifest: before)
        let current = BuildSnapshot(state: S.copyBuild(tag: "2", copyCached: false, runCached: false), manifest: after)
        let c = BuildComparison.compare(previous: previous, current: current)
        let copy = try row(c, "[2/3] COPY app.txt /app/")
        #expect(copy.outcome == .firstMiss(.contextFiles([FileChange(path: "app.txt", kind: .modified)])))
        #expect(try row(c, "[3/3] RUN make").outcome == .cascade(from: "[2/3] COPY app.txt /app/"))
        #expect(try row(c, "[internal] load build context").outcome == .ran)
        #expect(try row(c, "exporting to image").outcome == .ran)
        #expect(c.summary == "first miss: [2/3] COPY app.txt /app/ — context changed: app.txt (modified)")
        #expect(copy.previousDuration.map { abs($0 - 0.3) < 1e-6 } == true)
        #expect(abs(c.wallDelta) < 1e-6)
    }

    /// A COPY hit and only the RUN after it missed: the RUN is the first miss, not a cascade.
    @Test func hitBreaksTheCascade() throws {
        let previous = BuildSnapshot(state: S.copyBuild(tag: "1", copyCached: false, runCached: false))
        let current = BuildSnapshot(state: S.copyBuild(tag: "2", copyCached: true, runCached: false))
        let c = BuildComparison.compare(previous: previous, current: current)
        #expect(try row(c, "[2/3] COPY app.txt /app/").outcome == .hit)
        #expect(try row(c, "[3/3] RUN make").outcome == .firstMiss(.unavailable(previousBuilder: nil, builder: nil)))
    }

    /// `COPY . .`, a folder and a glob: the files under them, added and removed ones too.
    @Test func contextSourcesLimitTheFiles() {
        let before = ContextManifest(entries: [
            S.entry("a.txt", nil, size: 1, mtime: 5), S.entry("b.go", "sha256:b"), S.folder("lib"), S.entry("lib/x", "sha256:x"),
            S.entry("gone", "sha256:g"),
        ])
        let after = ContextManifest(entries: [
            S.entry("a.txt", nil, size: 1, mtime: 6), S.entry("b.go", "sha256:b2"), S.folder("lib"), S.entry("lib/x", "sha256:x"),
            S.folder("new"), S.entry("new/y", "sha256:y"),
        ])
        #expect(after.changes(since: before, within: [""]) == [
            FileChange(path: "a.txt", kind: .modified), FileChange(path: "b.go", kind: .modified),
            FileChange(path: "gone", kind: .removed), FileChange(path: "new/y", kind: .added),
        ])
        #expect(after.changes(since: before, within: ["lib/"]).isEmpty)
        #expect(after.changes(since: before, within: ["./new"]) == [FileChange(path: "new/y", kind: .added)])
        #expect(after.changes(since: before, within: ["*.go"]) == [FileChange(path: "b.go", kind: .modified)])
        #expect(StepName("[2/3] COPY app.txt lib/ /app/").contextSources == ["app.txt", "lib"])
        #expect(StepName("[2/3] COPY --chown=1:1 . .").contextSources == [""])
        #expect(StepName("[2/3] COPY [\"a b\", \"c\", \"/d/\"]").contextSources == ["a b", "c"])
        #expect(StepName("[2/3] COPY --from=build /out /app").contextSources == nil)
        #expect(StepName("[2/3] ADD https://example.com/x.tgz /x").contextSources == nil)
    }

    /// The same digests, different sizes or times: modified only when the digests are unknown.
    @Test func digestsDecideWhenKnown() {
        let a = ContextManifest(entries: [S.entry("f", "sha256:1", size: 1, mtime: 1), S.entry("g", nil, size: 1, mtime: 1)])
        let b = ContextManifest(entries: [S.entry("f", "sha256:1", size: 1, mtime: 2), S.entry("g", nil, size: 1, mtime: 2)])
        #expect(b.changes(since: a) == [FileChange(path: "g", kind: .modified)])
    }

    /// Without both manifests the reason says the context is unknown instead of guessing.
    @Test func missingManifestSaysSo() throws {
        let previous = BuildSnapshot(state: S.copyBuild(tag: "1", copyCached: false, runCached: false))
        let current = BuildSnapshot(
            state: S.copyBuild(tag: "2", copyCached: false, runCached: false), manifest: ContextManifest(entries: []))
        let c = BuildComparison.compare(previous: previous, current: current)
        #expect(try row(c, "[2/3] COPY app.txt /app/").outcome == .firstMiss(.contextUnknown))
        #expect(c.summary.hasSuffix("— context unknown: a build has no context manifest recorded"))
    }

    /// A build argument changed and the RUN shows its value expanded (as BuildKit names it).
    @Test func changedBuildArgExpanded() throws {
        let previous = BuildSnapshot(state: S.runBuild("[2/3] RUN echo \"version=1.2.3\""), buildArgs: ["VERSION": "1.2.3", "OTHER": "x"])
        let current = BuildSnapshot(state: S.runBuild("[2/3] RUN echo \"version=1.2.4\""), buildArgs: ["VERSION": "1.2.4", "OTHER": "x"])
        let c = BuildComparison.compare(previous: previous, current: current)
        let r = try row(c, "[2/3] RUN echo \"version=1.2.4\"")
        #expect(r.previousName == "[2/3] RUN echo \"version=1.2.3\"")
        #expect(r.outcome == .firstMiss(.buildArg(name: "VERSION", old: "1.2.3", new: "1.2.4")))
        #expect(try row(c, "[3/3] RUN make").outcome == .cascade(from: "[2/3] RUN echo \"version=1.2.4\""))
        #expect(c.summary == "first miss: [2/3] RUN echo \"version=1.2.4\" — build arg VERSION: 1.2.3 → 1.2.4")
    }

    /// A build argument given in one build and left to its Dockerfile default in the other:
    /// BuildKit shows the default expanded (`v1`), the given value in the other (`v2`).
    @Test func changedBuildArgFromDefault() throws {
        let previous = BuildSnapshot(state: S.runBuild("[2/3] RUN cat /app/app.txt && echo v1"), buildArgs: [:])
        let current = BuildSnapshot(state: S.runBuild("[2/3] RUN cat /app/app.txt && echo v2"), buildArgs: ["VERSION": "v2"])
        let c = BuildComparison.compare(previous: previous, current: current)
        let r = try row(c, "[2/3] RUN cat /app/app.txt && echo v2")
        #expect(r.outcome == .firstMiss(.buildArg(name: "VERSION", old: "v1 (Dockerfile default)", new: "v2")))
        // And back: the arg no longer given.
        let back = BuildComparison.compare(previous: current, current: previous)
        #expect(try row(back, "[2/3] RUN cat /app/app.txt && echo v1").outcome == .firstMiss(.buildArg(name: "VERSION", old: "v2", new: "v1 (Dockerfile default)")))
        // A value that does not stand where the instructions differ is not blamed.
        let other = BuildSnapshot(state: S.runBuild("[2/3] RUN echo v1 && make x"), buildArgs: ["X": "zzz"])
        let c2 = BuildComparison.compare(previous: BuildSnapshot(state: S.runBuild("[2/3] RUN echo v1 && make y")), current: other)
        #expect(try row(c2, "[2/3] RUN echo v1 && make x").outcome == .firstMiss(.instructionChanged(old: "RUN echo v1 && make y", new: "RUN echo v1 && make x")))
    }

    /// A `--no-cache` build canceled while its RUN ran: the RUN missed (it ran), for --no-cache.
    @Test func canceledStepStillMissed() throws {
        let previous = BuildSnapshot(state: S.runBuild("[2/3] RUN sleep 5", cached: true))
        let canceled = S.state([
            S.v("from", "[1/3] FROM docker.io/library/alpine:3.19@sha256:aaaa", 0, 0.1, cached: true),
            S.v("r1x", "[2/3] RUN sleep 5", inputs: ["from"], 0.1, nil),
        ], result: .canceled)
        let current = BuildSnapshot(state: canceled, noCache: true)
        let c = BuildComparison.compare(previous: previous, current: current)
        #expect(try row(c, "[2/3] RUN sleep 5").outcome == .canceled)
        #expect(c.summary == "first miss: [2/3] RUN sleep 5 — --no-cache", "\(c.summary)")
    }

    /// The export step pairs whatever it exports to (`-o type=local` gives `exporting to client`).
    @Test func exportStepsPair() throws {
        let previous = BuildSnapshot(state: S.runBuild("[2/3] RUN make a", cached: true))
        var vs = [
            S.v("from", "[1/3] FROM docker.io/library/alpine:3.19@sha256:aaaa", 0, 0.1, cached: true),
            S.v("r1", "[2/3] RUN make a", inputs: ["from"], 0.1, 0.1001, cached: true),
            S.v("r2", "[3/3] RUN make", inputs: ["r1"], 0.1001, 0.1002, cached: true),
        ]
        vs.append(S.v("exp", "exporting to client", 0.2, 0.3))
        let current = BuildSnapshot(state: S.state(vs))
        let c = BuildComparison.compare(previous: previous, current: current)
        #expect(try row(c, "exporting to client").previousName == "exporting to image")
        #expect(c.removed.isEmpty, "\(c.removed)")
    }

    /// A build argument changed and the step names it (`$VERSION`).
    @Test func changedBuildArgReferenced() throws {
        let previous = BuildSnapshot(state: S.runBuild("RUN echo $VERSION"), buildArgs: ["VERSION": "1.2.3"])
        let current = BuildSnapshot(state: S.runBuild("RUN echo $VERSION"), buildArgs: ["VERSION": "1.2.4"])
        let c = BuildComparison.compare(previous: previous, current: current)
        #expect(c.summary == "first miss: RUN echo $VERSION — build arg VERSION: 1.2.3 → 1.2.4")
        #expect(BuildComparison.references("echo ${VERSION:-x}", "VERSION"))
        #expect(!BuildComparison.references("echo $VERSIONS", "VERSION"))
    }

    /// A changed argument no step names: blamed on the RUN that missed (ARG values reach every
    /// later RUN's environment), never on a COPY from the context whose files did not change.
    @Test func changedBuildArgUnnamed() throws {
        let m = ContextManifest(entries: [S.entry("app.txt", "sha256:1")])
        let previous = BuildSnapshot(state: S.copyBuild(tag: "1", copyCached: true, runCached: true), buildArgs: ["V": "1"], manifest: m)
        let current = BuildSnapshot(state: S.copyBuild(tag: "2", copyCached: true, runCached: false), buildArgs: ["V": "2"], manifest: m)
        let c = BuildComparison.compare(previous: previous, current: current)
        #expect(try row(c, "[3/3] RUN make").outcome == .firstMiss(.buildArg(name: "V", old: "1", new: "2")))
        let copyMissed = BuildSnapshot(state: S.copyBuild(tag: "3", copyCached: false, runCached: false), buildArgs: ["V": "2"], manifest: m)
        let c2 = BuildComparison.compare(previous: previous, current: copyMissed)
        #expect(try row(c2, "[2/3] COPY app.txt /app/").outcome == .firstMiss(.unavailable(previousBuilder: nil, builder: nil)))
    }

    /// A masked argument: compared by fingerprint, printed as `(masked)`, never in clear.
    @Test func maskedArgNeverPrinted() throws {
        let name = "[2/3] RUN ./deploy --token=$TOKEN"
        let previous = BuildSnapshot(state: S.runBuild(name), buildArgs: ["TOKEN": "masked:f1nger1"])
        let current = BuildSnapshot(state: S.runBuild(name), buildArgs: ["TOKEN": "masked:f1nger2"])
        let c = BuildComparison.compare(previous: previous, current: current)
        #expect(try row(c, name).outcome == .firstMiss(.buildArg(name: "TOKEN", old: "masked:f1nger1", new: "masked:f1nger2")))
        let text = ([c.summary] + ComparisonText.lines(c, previous: previous, current: current, width: 120)
            + Timeline.lines(Timeline.Model(current.state, comparison: c), width: 120)).joined(separator: "\n")
        #expect(text.contains("build arg TOKEN: (masked) → (masked)"))
        #expect(!text.contains("masked:"))
        #expect(!text.contains("f1nger"))
    }

    /// The RUN text changed at the same position: paired by position, "instruction changed".
    @Test func changedRunText() throws {
        let previous = BuildSnapshot(state: S.runBuild("[2/3] RUN echo 1"))
        let current = BuildSnapshot(state: S.runBuild("[2/3] RUN   echo 2"))
        let c = BuildComparison.compare(previous: previous, current: current)
        let r = try row(c, "[2/3] RUN   echo 2")
        #expect(r.previousName == "[2/3] RUN echo 1")
        #expect(r.outcome == .firstMiss(.instructionChanged(old: "RUN echo 1", new: "RUN echo 2")))
        #expect(try row(c, "[3/3] RUN make").outcome == .cascade(from: "[2/3] RUN   echo 2"))
        #expect(c.removed.isEmpty)
    }

    /// An inserted step has no counterpart: `new`; what follows it cascades from it.
    @Test func insertedStepIsNew() throws {
        let previous = BuildSnapshot(state: S.runBuild("[2/3] RUN a", "[3/3] RUN b"))
        let current = BuildSnapshot(
            state: S.state([
                S.v("from", "[1/4] FROM docker.io/library/alpine:3.19@sha256:aaaa", 0, 0.1, cached: true),
                S.v("a", "[2/4] RUN a", inputs: ["from"], 0.1, 0.1001, cached: true),
                S.v("x", "[3/4] RUN x", inputs: ["a"], 0.2, 1),
                S.v("b", "[4/4] RUN b", inputs: ["x"], 1, 2),
            ]))
        let c = BuildComparison.compare(previous: previous, current: current)
        #expect(try row(c, "[2/4] RUN a").outcome == .hit)
        #expect(try row(c, "[3/4] RUN x").outcome == .new)
        #expect(try row(c, "[4/4] RUN b").outcome == .cascade(from: "[3/4] RUN x"))
        #expect(c.removed == ["exporting to image"])
    }

    /// `--no-cache`: the first step that ran says so, the rest cascade.
    @Test func noCache() throws {
        let previous = BuildSnapshot(state: S.runBuild("[2/3] RUN a"))
        let current = BuildSnapshot(state: S.runBuild("[2/3] RUN a"), noCache: true)
        let c = BuildComparison.compare(previous: previous, current: current)
        #expect(try row(c, "[2/3] RUN a").outcome == .firstMiss(.noCache))
        #expect(try row(c, "[3/3] RUN make").outcome == .cascade(from: "[2/3] RUN a"))
        #expect(c.summary == "first miss: [2/3] RUN a — --no-cache")
    }

    /// A new `@sha256:` pin of the base image.
    @Test func baseImageChanged() throws {
        let previous = BuildSnapshot(state: S.runBuild("[2/3] RUN a"))
        let current = BuildSnapshot(state: S.runBuild("[2/3] RUN a", from: "[1/3] FROM docker.io/library/alpine:3.19@sha256:bbbb"))
        let c = BuildComparison.compare(previous: previous, current: current)
        #expect(
            try row(c, "[2/3] RUN a").outcome
                == .firstMiss(.baseImageChanged(old: "docker.io/library/alpine:3.19@sha256:aaaa", new: "docker.io/library/alpine:3.19@sha256:bbbb")))
        #expect(try row(c, "[1/3] FROM docker.io/library/alpine:3.19@sha256:bbbb").previousName != nil)
    }

    /// Nothing changed but the builder.
    @Test func otherBuilder() throws {
        let previous = BuildSnapshot(state: S.runBuild("[2/3] RUN a", cached: true), builder: "default")
        let current = BuildSnapshot(state: S.runBuild("[2/3] RUN a"), builder: "remote")
        let c = BuildComparison.compare(previous: previous, current: current)
        #expect(c.summary == "first miss: [2/3] RUN a — nothing visible changed: cache unavailable (other builder: default → remote)")
    }

    /// The failing fixture against itself: the failed step is an error row, and says where the
    /// miss started.
    @Test func failingBuild() throws {
        let st = Fixtures.state(try Fixtures.rawjson("failing"))
        let c = BuildComparison.compare(previous: BuildSnapshot(state: st), current: BuildSnapshot(state: st))
        let failed = try #require(c.rows.first { $0.outcome == .failed })
        #expect(failed.name.hasPrefix("[2/2] RUN echo \"compiling...\""))
        #expect(failed.reason == .unavailable(previousBuilder: nil, builder: nil))
    }

    // MARK: - Text

    /// `history diff`: header, summary, one row per step, the reason under the first miss; every
    /// line fits and carries no control character, even for a hostile step name.
    @Test func diffText() throws {
        let before = ContextManifest(entries: [S.entry("app.txt", "sha256:1")])
        let after = ContextManifest(entries: [S.entry("app.txt", "sha256:2")])
        let previous = BuildSnapshot(state: S.copyBuild(tag: "1", copyCached: false, runCached: false), manifest: before)
        let hostile = "[3/3] RUN \u{1b}[31mred\u{07} 漢字漢字 \u{202e}evil"
        let current = BuildSnapshot(state: S.copyBuild(tag: "2", run: hostile, copyCached: false, runCached: false), manifest: after)
        let c = BuildComparison.compare(previous: previous, current: current)
        let lines = ComparisonText.lines(c, previous: previous, current: current, width: 100)
        #expect(lines[0] == "previous  2.2s  done  0/2 cached (0%)  builder default")
        #expect(lines[1] == "current   2.2s  done  0/2 cached (0%)  builder default  (+0.0s)")
        #expect(lines[2] == "first miss: [2/3] COPY app.txt /app/ — context changed: app.txt (modified)")
        #expect(lines.contains { $0.hasPrefix("MISS     [2/3] COPY app.txt /app/") && $0.hasSuffix("0.3s → 0.3s (+0.0s)") })
        #expect(lines.contains("         ↳ context changed: app.txt (modified)"))
        #expect(lines.contains { $0.hasPrefix("cascade  [3/3] RUN ?[31mred? 漢字漢字 ?evil") })
        for w in [20, 40, 80, 200] {
            for line in ComparisonText.lines(c, previous: previous, current: current, width: w) {
                #expect(Cells.width(line) <= w, "\(w): \(line)")
                #expect(!line.unicodeScalars.contains { Cells.isUnsafe($0) }, "\(line)")
            }
        }
    }

    /// Names are cut from the left with `..`, by display width.
    @Test func truncation() {
        #expect(Cells.truncateLeft("[stage-2 4/4] RUN echo hello", to: 12) == "..echo hello")
        #expect(Cells.truncateLeft("RUN 漢字漢字", to: 7) == "..漢字")
        #expect(Cells.width("漢字a") == 5)
        #expect(Cells.width("e\u{301}") == 1)
    }
}
