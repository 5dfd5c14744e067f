import BuildEvents
import BuildModel
import Testing
import TestSupport

struct EngineStreamTests {
    /// The image ID, errors and cancellation are recognised in recorded streams.
    @Test func resultMessages() throws {
        let simple = try Fixtures.engine("simple")
        #expect(simple.contains { if case .imageID(let id) = $0 { id.hasPrefix("sha256:") } else { false } })
        let failing = try Fixtures.engine("failing")
        #expect(failing.last == .error("executor failed running [/bin/sh -c echo \"compiling...\" && sleep 1 && echo \"main.c:3: error: expected ';'\" >&2 && exit 3]: exit code: 3"))
        let cancel = Fixtures.state(try Fixtures.engine("cancel"))
        #expect(cancel.phase == .canceled)
        #expect(cancel.visibleSteps.last?.state == .canceled)
        let bad = Fixtures.state(try Fixtures.engine("badsyntax"))
        #expect(bad.phase == .failed)
        #expect(bad.errorMessage?.contains("unknown instruction: RUNN") == true)
    }

    /// A stream cut in the middle of a line reports the cut line as malformed.
    @Test func truncatedStream() throws {
        let bytes = try Fixtures.bytes("engine/simple.stream")
        let cut = Array(bytes[0..<(bytes.count / 2)])
        let items = EngineStreamDecoder.decodeAll(cut)
        #expect(items.dropLast().allSatisfy { if case .status = $0 { true } else { false } })
        guard case .malformed = items.last else { Issue.record("cut line not reported"); return }
    }

    /// The states built from the recordings have the expected shape.
    @Test func fixtureStates() throws {
        let multi = Fixtures.state(try Fixtures.engine("multistage"))
        #expect(multi.phase == .succeeded)
        #expect(multi.totalSteps == 10)
        #expect(multi.completedSteps == 10)
        let b = try #require(multi.steps.first { $0.name.hasPrefix("[b 2/2]") })
        #expect(b.log.totalLines == 20)
        let cached = Fixtures.state(try Fixtures.engine("multistage-cached"))
        // One real hit ([stage-2 4/4]); the four steps before it BuildKit marked cached only
        // because they were not needed (zero-width records): skipped, counted nowhere.
        #expect(cached.cache == CacheFigure(hits: 1, of: 1))
        #expect(cached.skippedSteps == 4)
        #expect(cached.steps.filter { $0.state == .skipped }.map { String($0.name.prefix(13)) }.sorted()
            == ["[a 2/2] RUN e", "[b 2/2] RUN f", "[stage-2 2/4]", "[stage-2 3/4]"])
        let failing = Fixtures.state(try Fixtures.engine("failing"))
        let failed = try #require(failing.failedStep)
        #expect(failed.name.hasPrefix("[2/2] RUN"))
        let lines = failed.log.lines()
        #expect(lines.map { String(decoding: $0.text, as: UTF8.self) } == ["compiling...", "main.c:3: error: expected ';'"])
        #expect(lines.map(\.stream) == [1, 2])
        let chatty = Fixtures.state(try Fixtures.engine("chatty"))
        let seq = try #require(chatty.steps.first { $0.name.contains("seq 1 400000") })
        #expect(seq.log.lines().last.map { String(decoding: $0.text, as: UTF8.self) }?.contains("output clipped") == true)
    }
}

/// Replay pacing: waits shrink with the speed, long pauses are capped, `max` does not wait.
struct ReplayPacingTests {
    @Test func waits() {
        let offsets: [Double] = [0, 0, 0.5, 0.5, 2.3, 62.3, 62.4]
        let one = ReplayPacing.waits(offsets: offsets, speed: 1)
        let expectedOne: [Double] = [0, 0, 0.5, 0, 1.8, 10, 0.1]
        for (a, b) in zip(one, expectedOne) { #expect(abs(a - b) < 1e-9) }
        let quarter = ReplayPacing.waits(offsets: offsets, speed: 4)
        let expectedQuarter: [Double] = [0, 0, 0.125, 0, 0.45, 10, 0.025]
        for (a, b) in zip(quarter, expectedQuarter) { #expect(abs(a - b) < 1e-9) }
        let none = ReplayPacing.waits(offsets: offsets, speed: 0)
        #expect(none.allSatisfy { $0 == 0 })
    }
}
