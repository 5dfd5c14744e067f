import BuildEvents
import BuildModel
import Foundation
import Testing
import TestSupport

/// Decodes the rawjson that `buildtop build --progress=rawjson` wrote to stderr into a BuildState.
func stateFromRawJSON(_ stderr: String) -> BuildState {
    Fixtures.state(RawJSONDecoder.decodeAll(Array(stderr.utf8)))
}

/// A unique tag so parallel runs and reruns do not collide.
func tag(_ s: String) -> String { "buildtop-test-\(s)-\(UUID().uuidString.prefix(6).lowercased())" }

/// Builds on the private engine, through the real `buildtop` binary.
@Suite(.serialized, .enabled(if: TestEngine.enabled, "needs the private engine: run scripts/test.sh"))
struct EngineBuildTests {
    /// A simple build succeeds, prints BuildKit's plain format and exports an image.
    @Test func simpleBuild() async throws {
        let dir = try TestEngine.tempDir()
        defer { try? FileManager.default.removeItem(at: dir) }
        try TestEngine.write(["Dockerfile": "FROM localbase\nCOPY a.txt /a.txt\nRUN cat /a.txt\n", "a.txt": "hello a \(UUID().uuidString)\n"], in: dir)
        let t = tag("simple")
        let r = try await ChildProcess.buildtop(["build", "--progress=plain", "--network", "none", "-t", t, dir.path])
        #expect(r.status == 0, "\(r.stderr)")
        #expect(r.stderr.contains("#0 building with"))
        #expect(r.stderr.contains("[2/3] COPY a.txt /a.txt"))
        #expect(r.stderr.contains(" hello a "))
        #expect(r.stderr.contains("DONE"))
        let inspect = try await ChildProcess.docker(["image", "inspect", "--format", "{{.Id}}", t])
        #expect(inspect.status == 0)
        #expect(inspect.stdout.hasPrefix("sha256:"))
    }

    /// Two stages run in parallel (their intervals overlap); the final stage copies from both.
    @Test func multiStageRunsInParallel() async throws {
        let dir = try TestEngine.tempDir()
        defer { try? FileManager.default.removeItem(at: dir) }
        let nonce = UUID().uuidString
        try TestEngine.write(["Dockerfile": """
            FROM localbase AS a
            RUN echo "a \(nonce)" && sleep 2 && echo "a done"
            FROM localbase AS b
            RUN for i in 1 2 3 4 5 6 7 8 9 10; do echo "b line $i \(nonce)"; sleep 0.1; done
            FROM localbase
            COPY --from=a /bin/busybox /a-busybox
            COPY --from=b /bin/busybox /b-busybox
            RUN echo final
            """], in: dir)
        let r = try await ChildProcess.buildtop(["build", "--progress=rawjson", "--network", "none", dir.path])
        #expect(r.status == 0, "\(r.stderr.suffix(2000))")
        let st = stateFromRawJSON(r.stderr)
        let a = try #require(st.steps.first { $0.name.hasPrefix("[a 2/2]") })
        let b = try #require(st.steps.first { $0.name.hasPrefix("[b 2/2]") })
        let aStart = try #require(a.intervals.first?.start), aStop = try #require(a.intervals.last?.stop)
        let bStart = try #require(b.intervals.first?.start), bStop = try #require(b.intervals.last?.stop)
        #expect(aStart < bStop && bStart < aStop, "stages did not overlap")
        #expect(b.log.totalLines == 10)
        #expect(st.phase == .succeeded)
        #expect(st.completedSteps == st.totalSteps)
    }

    /// Building the same thing again serves every instruction from the cache (ratio 100 %).
    @Test func rebuildIsFullyCached() async throws {
        let dir = try TestEngine.tempDir()
        defer { try? FileManager.default.removeItem(at: dir) }
        try TestEngine.write(["Dockerfile": "FROM localbase\nCOPY f /f\nRUN echo \(UUID().uuidString) > /g\nRUN cat /g\n", "f": UUID().uuidString], in: dir)
        let first = try await ChildProcess.buildtop(["build", "--progress=rawjson", "--network", "none", dir.path])
        #expect(first.status == 0, "\(first.stderr.suffix(800))")
        #expect(stateFromRawJSON(first.stderr).cacheHitRatio == 0)
        let second = try await ChildProcess.buildtop(["build", "--progress=rawjson", "--network", "none", dir.path])
        #expect(second.status == 0, "\(second.stderr.suffix(800))")
        let st = stateFromRawJSON(second.stderr)
        // BuildKit serves the last step from the cache and marks the ones before it cached without
        // loading them (zero-width records): those are skipped, not hits.
        #expect(st.cache.ratio == 1.0)
        let counted = st.steps.filter(\.countsForCache)
        #expect(counted.count == 3)
        for step in counted { #expect(step.state == .cached || step.state == .skipped, "\(step.name)") }
        #expect(st.cache.hits == counted.count { $0.state == .cached })
        #expect(st.cache.hits >= 1)
        let plain = try await ChildProcess.buildtop(["build", "--progress=plain", "--network", "none", dir.path])
        let ends = plain.stderr.components(separatedBy: " CACHED\n").count - 1 + plain.stderr.components(separatedBy: " SKIPPED\n").count - 1
        #expect(ends >= 3)
        #expect(plain.stderr.contains("buildtop: done in "))
        #expect(plain.stderr.contains("\(st.cache.text)"))
    }

    /// A failing step: exit code 1, the error text, and the step's stdout and stderr lines.
    @Test func failingStep() async throws {
        let dir = try TestEngine.tempDir()
        defer { try? FileManager.default.removeItem(at: dir) }
        try TestEngine.write(["Dockerfile": "FROM localbase\nRUN echo \"compiling \(UUID().uuidString.prefix(4))\" && echo \"main.c:3: error\" >&2 && exit 3\n"], in: dir)
        let r = try await ChildProcess.buildtop(["build", "--progress=plain", "--network", "none", dir.path])
        #expect(r.status == 1)
        let lines = r.stderr.split(separator: "\n").map(String.init)
        #expect(lines.contains { $0.hasPrefix("#") && $0.contains("ERROR: ") && $0.contains("exit code: 3") })
        let block = try #require(lines.firstIndex(of: "------"))
        #expect(lines[block + 1].hasPrefix(" > [2/2] RUN echo"))
        #expect(lines[(block + 2)...].prefix(3).contains { $0.hasSuffix("main.c:3: error") })
        #expect(lines[(block + 2)...].prefix(3).contains { $0.contains("compiling") })
        #expect(lines.last?.hasPrefix("ERROR: ") == true)
        #expect(lines.last?.contains("exit code: 3") == true)
    }

    /// `--build-arg K=V` and `--build-arg K` (from the environment) reach RUN.
    @Test func buildArgsReachRun() async throws {
        let dir = try TestEngine.tempDir()
        defer { try? FileManager.default.removeItem(at: dir) }
        try TestEngine.write(["Dockerfile": "FROM localbase\nARG GREETING=hello\nARG FROMENV=unset\nARG UNSET=default-kept\nRUN echo \"g=$GREETING e=$FROMENV u=$UNSET \(UUID().uuidString.prefix(4))\"\n"], in: dir)
        let r = try await ChildProcess.buildtop(
            ["build", "--progress=plain", "--network", "none", "--build-arg", "GREETING=hi there", "--build-arg", "FROMENV", "--build-arg", "UNSET", dir.path],
            environment: ["FROMENV": "from-env"])
        #expect(r.status == 0, "\(r.stderr)")
        #expect(r.stderr.contains("g=hi there e=from-env u=default-kept"))
    }

    /// Ctrl-C cancels the build on the engine: the step ends CANCELED quickly and the exit is non-zero.
    @Test func interruptCancelsOnEngine() async throws {
        let dir = try TestEngine.tempDir()
        defer { try? FileManager.default.removeItem(at: dir) }
        try TestEngine.write(["Dockerfile": "FROM localbase\nRUN echo start-\(UUID().uuidString.prefix(4)) && sleep 60 && echo nev\"\"er-reached\n"], in: dir)
        let p = try ChildProcess(TestEngine.binary, ["build", "--progress=plain", "--network", "none", dir.path])
        let started = await p.waitForStderr(timeout: 60) { $0.contains(" start-") }
        #expect(started, "the RUN step never started: \(p.stderrSoFar)")
        let t0 = Date()
        p.signal(SIGINT)
        let r = await p.wait(timeout: 60)
        #expect(Date().timeIntervalSince(t0) < 20, "cancel took too long")
        #expect(r.status == 130)
        #expect(r.stderr.contains("CANCELED"))
        #expect(r.stderr.contains("ERROR: build canceled"))
        #expect(!r.stderr.contains("never-reached"))
    }

    /// A 60 MB context streams without growing memory: peak RSS stays near a tiny build's.
    @Test func largeContextKeepsMemoryFlat() async throws {
        let small = try TestEngine.tempDir("small")
        let big = try TestEngine.tempDir("big")
        defer {
            try? FileManager.default.removeItem(at: small)
            try? FileManager.default.removeItem(at: big)
        }
        let dockerfile = "FROM localbase\nCOPY . /ctx\nRUN du -sk /ctx && echo \(UUID().uuidString.prefix(4))\n"
        try TestEngine.write(["Dockerfile": dockerfile, "x": "x"], in: small)
        try TestEngine.write(["Dockerfile": dockerfile], in: big)
        var rng = SystemRandomNumberGenerator()
        for i in 0..<6 {
            var chunk = [UInt8](repeating: 0, count: 10 * 1024 * 1024)
            for k in stride(from: 0, to: chunk.count, by: 8) {
                let v = rng.next()
                withUnsafeBytes(of: v) { raw in for j in 0..<8 { chunk[k + j] = raw[j] } }
            }
            try Data(chunk).write(to: big.appendingPathComponent("blob\(i).bin"))
        }
        let rs = try await ChildProcess.buildtop(["build", "--progress=plain", "--network", "none", small.path], measureRSS: true)
        let rb = try await ChildProcess.buildtop(["build", "--progress=plain", "--network", "none", big.path], measureRSS: true)
        #expect(rs.status == 0)
        #expect(rb.status == 0, "\(rb.stderr.suffix(1500))")
        // `du -sk` inside the image: the whole 60 MB arrived.
        let du = try #require(rb.stderr.split(separator: "\n").first { $0.hasSuffix("\t/ctx") })
        let kib = Int(du.split(separator: "\t").first?.split(separator: " ").last ?? "") ?? 0
        #expect(kib >= 60 * 1024, "\(du)")
        let smallRSS = try #require(rs.maxRSSKiB), bigRSS = try #require(rb.maxRSSKiB)
        print("peak RSS: tiny context \(smallRSS) KiB, 60 MB context \(bigRSS) KiB")
        #expect(bigRSS < smallRSS + 16 * 1024, "memory grew with the context: \(smallRSS) → \(bigRSS) KiB")
    }

    /// `.dockerignore` parity: /usr/bin/docker build (BuildKit, session upload) and buildtop put the
    /// same files in the image, on BuildKit's API (fsutil rules) and on the legacy tar upload.
    @Test(arguments: ["native", "legacy"]) func dockerignoreParity(_ enginePath: String) async throws {
        let dir = try TestEngine.tempDir("ignore")
        defer { try? FileManager.default.removeItem(at: dir) }
        try TestEngine.write([
            "Dockerfile": "FROM localbase\nCOPY . /ctx\n",
            ".dockerignore": """
                # comment line
                *.log
                !keep.log
                build/
                **/node_modules
                /docs/**/*.tmp
                src/*/secret?.txt
                [ab]*.bak
                !build/keep/**
                  spaced.txt  
                """,
            "a.log": "x", "keep.log": "x", "main.c": "x", "spaced.txt": "x", "a1.bak": "x", "c1.bak": "x",
            "build/out.o": "x", "build/keep/yes.txt": "x", "build/keep/deep/also.txt": "x",
            "web/node_modules/pkg/index.js": "x", "node_modules/top.js": "x", "web/app.js": "x",
            "docs/a/b/c.tmp": "x", "docs/a/b/c.md": "x", "docs/x.tmp": "x",
            "src/one/secret1.txt": "x", "src/one/secret10.txt": "x", "src/one/public.txt": "x",
            "dir with space/f i le.txt": "x", "ünïcode/файл.txt": "x",
        ], in: dir)
        try FileManager.default.createSymbolicLink(atPath: dir.appendingPathComponent("link-out").path, withDestinationPath: "/etc/passwd")
        try FileManager.default.createSymbolicLink(atPath: dir.appendingPathComponent("web/link-in").path, withDestinationPath: "../main.c")
        let td = tag("ignore-docker"), tb = tag("ignore-bt")
        let d = try await ChildProcess.docker(["build", "--network", "none", "-q", "-t", td, dir.path])
        #expect(d.status == 0, "\(d.stderr)")
        let b = try await ChildProcess.buildtop(
            ["build", "--progress=quiet", "--network", "none", "-t", tb, dir.path], environment: ["BUILDTOP_ENGINE_PATH": enginePath])
        #expect(b.status == 0, "\(b.stderr)")
        func listing(_ image: String) async throws -> [String] {
            let r = try await ChildProcess.docker(["run", "--rm", "--network", "none", image, "sh", "-c", "cd /ctx && find . | sort && ls -l link-out web/link-in"])
            #expect(r.status == 0, "\(r.stderr)")
            return r.stdout.split(separator: "\n").map { line in
                // Keep the link targets of `ls -l`, drop sizes and dates.
                line.contains(" -> ") ? String(line.split(separator: " ").suffix(3).joined(separator: " ")) : String(line)
            }
        }
        let fromDocker = try await listing(td)
        let fromBuildtop = try await listing(tb)
        #expect(fromDocker.count > 10)
        #expect(fromBuildtop == fromDocker)
        #expect(fromBuildtop.contains("./keep.log"))
        #expect(!fromBuildtop.contains("./a.log"))
        #expect(fromBuildtop.contains("./build/keep/deep/also.txt"))
        #expect(!fromBuildtop.contains("./build/out.o"))
        _ = try await ChildProcess.docker(["rmi", "-f", td, tb])
    }
}
