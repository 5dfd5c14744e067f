import BuildEvents
import BuildModel
import Testing
import TestSupport

/// Prints a recorded stream with the plain printer, using stream time as the clock.
func printPlain(_ items: [StreamItem], description: String? = nil) -> String {
    var trace = PlainTrace(name: "test", description: description)
    var out = ""
    var now = Timestamp.zero
    var error: String?
    var image: String?
    for item in items {
        switch item {
        case .status(let s):
            for v in s.vertexes { for t in [v.started, v.completed].compactMap({ $0 }) where t > now { now = t } }
            for l in s.logs where l.timestamp > now { now = l.timestamp }
            out += trace.apply(.status(s), now: now).text
        case .error(let e): error = e
        case .imageID(let i): image = i
        default: break
        }
    }
    return out + trace.apply(StreamItem.ending(error: error, imageID: image), now: now).text
}

/// The structure of plain output for Dockerfile steps: name, log texts, and how it ended.
func plainStructure(_ text: String) -> [String: [String]] {
    var names: [Int: String] = [:]
    var out: [String: [String]] = [:]
    for line in text.split(separator: "\n", omittingEmptySubsequences: false) {
        guard line.hasPrefix("#"), let sp = line.firstIndex(of: " "), let n = Int(line.dropFirst().prefix(upTo: sp)) else { continue }
        let rest = String(line[line.index(after: sp)...])
        if names[n] == nil {
            names[n] = rest
            continue
        }
        guard let name = names[n], Step.splitStagePrefix(name) != nil else { continue }
        if rest.hasPrefix("sha256:") || rest == "..." || rest == name { continue }
        if rest.hasPrefix("DONE ") {
            out[name, default: []].append("DONE")
        } else if let sp2 = rest.firstIndex(of: " "), Double(rest[..<sp2]) != nil {
            out[name, default: []].append("log " + rest[rest.index(after: sp2)...])
        } else {
            out[name, default: []].append(rest)
        }
    }
    return out
}

struct PlainPrinterTests {
    /// Our plain output has the structure the docker CLI printed for the same Dockerfiles, but
    /// for one deliberate difference: a step BuildKit marks cached only because it was not needed
    /// (a zero-width record) ends `SKIPPED`, where the docker CLI says `CACHED`.
    /// (`multistage.plain.txt` was recorded with a warm cache, so it pairs with `multistage-cached`.)
    @Test(arguments: [("failing", "failing"), ("multistage-cached", "multistage")])
    func matchesRecordedPlainStructure(_ stream: String, _ plain: String) throws {
        let ours = plainStructure(printPlain(try Fixtures.engine(stream)))
        let theirs = plainStructure(try Fixtures.text("engine/\(plain).plain.txt"))
        #expect(ours.mapValues { $0.map { $0 == "SKIPPED" ? "CACHED" : $0 } } == theirs)
    }

    /// The exact text for the failing build, including the closing error block with log lines.
    @Test func failingBuildText() throws {
        let text = printPlain(try Fixtures.engine("failing"), description: "building with \"default\" instance using docker driver")
        let lines = text.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        #expect(lines.first == "#0 building with \"default\" instance using docker driver")
        #expect(lines.contains("#4 [1/2] FROM docker.io/library/localbase"))
        #expect(lines.contains("#4 CACHED"))
        let run = try #require(lines.firstIndex { $0.hasPrefix("#5 [2/2] RUN echo") })
        #expect(lines[run + 1].hasPrefix("#5 0.0"))
        #expect(lines[run + 1].hasSuffix(" compiling..."))
        #expect(lines[run + 2].hasSuffix(" main.c:3: error: expected ';'"))
        #expect(lines[run + 3].hasPrefix("#5 ERROR: executor failed running"))
        let block = try #require(lines.firstIndex(of: "------"))
        #expect(lines[block + 1].hasPrefix(" > [2/2] RUN echo"))
        #expect(lines[block + 2].hasSuffix(" compiling..."))
        #expect(lines[block + 3].hasSuffix(" main.c:3: error: expected ';'"))
        #expect(lines[block + 4] == "------")
    }

    /// The cached rebuild: the step BuildKit served from the cache prints CACHED, the ones it
    /// marked cached without needing them SKIPPED (what the dashboard shows for the same stream);
    /// status lines carry byte counts; the last line is the summary with the same cache figure.
    @Test func cachedAndStatuses() throws {
        let items = try Fixtures.engine("multistage-cached")
        let text = printPlain(items)
        let structure = plainStructure(text)
        let state = Fixtures.state(items)
        for (name, events) in structure where !name.contains("FROM") {
            let step = try #require(state.steps.first { $0.name == name })
            #expect(events == [step.state == .skipped ? "SKIPPED" : "CACHED"], "\(name)")
        }
        #expect(structure["[stage-2 4/4] RUN echo \"version=dev\""] == ["CACHED"])
        #expect(structure.values.count { $0 == ["SKIPPED"] } == 4)
        let simple = printPlain(try Fixtures.engine("simple"))
        #expect(simple.contains("exporting layers"))
        #expect(simple.contains(" done\n"))
    }

    /// Canceled steps print CANCELED and no error block.
    @Test func canceled() throws {
        let text = printPlain(try Fixtures.engine("cancel"))
        #expect(text.contains("CANCELED"))
        #expect(!text.contains("------"))
    }

    /// Byte units as BuildKit prints them.
    @Test func byteUnits() {
        #expect(ByteUnits.format(123) == "123B")
        #expect(ByteUnits.format(1234) == "1.23kB")
        #expect(ByteUnits.format(12_345_678) == "12.35MB")
        #expect(ByteUnits.fixed(0.0519, 3) == "0.052")
        #expect(ByteUnits.fixed(1.25, 1) == "1.2")
    }
}
