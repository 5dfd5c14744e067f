import Foundation
import Testing
import TestSupport

/// BuildKit's own API on the real engine (`/grpc` + `/session`), through `buildtop build`: the
/// incremental context upload, secrets, ssh forwarding, outputs, inline cache and cancel.
@Suite(.serialized, .enabled(if: TestEngine.enabled, "needs the private engine: run scripts/test.sh"))
struct NativeBuildTests {
    func build(_ args: [String], environment: [String: String] = [:]) async throws -> ProcessResult {
        try await ChildProcess.buildtop(["build", "--progress=plain", "--network", "none"] + args, environment: environment)
    }

    /// Bytes the daemon reported for `transferring context:` (the upload of the build context).
    static func contextBytes(_ plain: String) -> Double? {
        var last: Double?
        for line in plain.split(separator: "\n") where line.contains("transferring context: ") && line.hasSuffix("done") {
            let words = line.split(separator: " ")
            guard let i = words.firstIndex(of: "context:"), i + 1 < words.count else { continue }
            let size = words[i + 1]
            let number = Double(size.prefix { $0.isNumber || $0 == "." }) ?? 0
            let unit = size.drop { $0.isNumber || $0 == "." }
            let factor: Double = unit == "kB" ? 1e3 : unit == "MB" ? 1e6 : unit == "GB" ? 1e9 : 1
            last = number * factor
        }
        return last
    }

    /// An unchanged context uploads (almost) nothing the second time; one changed file uploads
    /// about that file.
    @Test func incrementalContextUpload() async throws {
        let dir = try TestEngine.tempDir("incr")
        defer { try? FileManager.default.removeItem(at: dir) }
        try TestEngine.write(["Dockerfile": "FROM localbase\nCOPY . /ctx\nRUN du -sk /ctx\n", "small.txt": "a"], in: dir)
        var big = [UInt8](repeating: 0, count: 2_000_000)
        for i in big.indices { big[i] = UInt8.random(in: 0...255) }
        try Data(big).write(to: dir.appendingPathComponent("big.bin"))
        let first = try await build([dir.path])
        #expect(first.status == 0, "\(first.stderr.suffix(1000))")
        let sent1 = try #require(Self.contextBytes(first.stderr))
        #expect(sent1 >= 2_000_000, "first upload \(sent1)")
        let second = try await build([dir.path])
        #expect(second.status == 0)
        let sent2 = try #require(Self.contextBytes(second.stderr))
        #expect(sent2 < 10_000, "unchanged context uploaded \(sent2) bytes")
        try Data("changed \(UUID().uuidString)".utf8).write(to: dir.appendingPathComponent("small.txt"))
        let third = try await build([dir.path])
        #expect(third.status == 0)
        let sent3 = try #require(Self.contextBytes(third.stderr))
        #expect(sent3 < 10_000, "one small changed file uploaded \(sent3) bytes")
    }

    /// A secret reaches `RUN --mount=type=secret` and nothing else: not the log, not rawjson, not
    /// the image; a missing optional secret is skipped, a missing required one fails the build.
    @Test func secrets() async throws {
        let dir = try TestEngine.tempDir("secret")
        let state = try TestEngine.tempDir("secret-out")
        defer {
            try? FileManager.default.removeItem(at: dir)
            try? FileManager.default.removeItem(at: state)
        }
        let value = "s3cr3t-\(UUID().uuidString)"
        let file = state.appendingPathComponent("tok.txt")
        try Data(value.utf8).write(to: file)
        try TestEngine.write([
            "Dockerfile": """
                FROM localbase
                RUN --mount=type=secret,id=tok sha1sum /run/secrets/tok | cut -c1-12 && cat /run/secrets/tok > /dev/null && echo \(UUID().uuidString.prefix(6))
                RUN --mount=type=secret,id=optional test ! -e /run/secrets/optional && echo optional-skipped
                """,
        ], in: dir)
        let t = tag("secret")
        let r = try await ChildProcess.buildtop(
            ["build", "--progress=rawjson", "--network", "none", "-t", t, "--secret", "id=tok,src=\(file.path)", dir.path])
        #expect(r.status == 0, "\(r.stderr.suffix(1500))")
        #expect(!r.stderr.contains(value))
        let plain = try await build(["--secret", "id=tok,src=\(file.path)", "--no-cache", dir.path])
        #expect(plain.status == 0)
        #expect(!plain.stderr.contains(value))
        #expect(plain.stderr.contains("optional-skipped"))
        let expectedSum = String(Insecure.sha1Hex(Array(value.utf8)).prefix(12))
        #expect(plain.stderr.contains(expectedSum), "the secret did not reach RUN")
        // Not in any layer of the image.
        let tar = state.appendingPathComponent("image.tar")
        let save = try await ChildProcess.docker(["save", "-o", tar.path, t])
        #expect(save.status == 0, "\(save.stderr)")
        let saved = try Data(contentsOf: tar)
        #expect(saved.range(of: Data(value.utf8)) == nil, "the secret is in the image")
        _ = try await ChildProcess.docker(["rmi", "-f", t])
        // From the environment.
        let env = try await build(["--secret", "id=tok,env=BT_TOKEN", "--no-cache", dir.path], environment: ["BT_TOKEN": value])
        #expect(env.status == 0 && env.stderr.contains(expectedSum))
        // Required and missing.
        try TestEngine.write(["Dockerfile": "FROM localbase\nRUN --mount=type=secret,id=absent,required=true cat /run/secrets/absent\n"], in: dir)
        let missing = try await build([dir.path])
        #expect(missing.status == 1)
        #expect(missing.stderr.split(separator: "\n").last?.contains("absent") == true, "\(missing.stderr.suffix(500))")
        // Too big (BuildKit's client limit), said before anything runs.
        let huge = state.appendingPathComponent("huge")
        try Data(repeating: 65, count: 600 * 1024).write(to: huge)
        let big = try await build(["--secret", "id=h,src=\(huge.path)", dir.path])
        #expect(big.status == 1 && big.stderr.contains("500 KiB"), "\(big.stderr.suffix(300))")
    }

    /// `--ssh default` forwards the build's agent connections to a real ssh-agent (Debian's
    /// openssh-client); a client inside RUN lists the agent's key.
    @Test func sshForwarding() async throws {
        let dir = try TestEngine.tempDir("ssh")
        let keys = try TestEngine.tempDir("sshkeys")
        defer {
            try? FileManager.default.removeItem(at: dir)
            try? FileManager.default.removeItem(at: keys)
        }
        let comment = "bt-key-\(UUID().uuidString.prefix(6))"
        let key = keys.appendingPathComponent("id").path
        let gen = try await ChildProcess.run("/usr/bin/ssh-keygen", ["-q", "-t", "ed25519", "-N", "", "-C", comment, "-f", key])
        #expect(gen.status == 0, "\(gen.stderr)")
        let sock = keys.appendingPathComponent("agent.sock").path
        let agent = try await ChildProcess.run("/usr/bin/ssh-agent", ["-a", sock])
        #expect(agent.status == 0, "\(agent.stderr)")
        let pid = agent.stdout.split(separator: "\n").compactMap { line -> Int32? in
            guard let r = line.range(of: "SSH_AGENT_PID=") else { return nil }
            return Int32(line[r.upperBound...].prefix { $0.isNumber })
        }.first
        defer { if let pid { kill(pid, SIGTERM) } }
        let add = try await ChildProcess.run("/usr/bin/ssh-add", [key], environment: ["SSH_AUTH_SOCK": sock])
        #expect(add.status == 0, "\(add.stderr)")
        // A static agent client for the busybox image: asks for the identities, prints the reply.
        let source = dir.appendingPathComponent("agentls.c")
        try Data(
            """
            #include <stdio.h>
            #include <stdlib.h>
            #include <string.h>
            #include <sys/socket.h>
            #include <sys/un.h>
            #include <unistd.h>
            int main(void) {
                struct sockaddr_un a = {0}; a.sun_family = AF_UNIX;
                strncpy(a.sun_path, getenv("SSH_AUTH_SOCK"), sizeof a.sun_path - 1);
                int s = socket(AF_UNIX, SOCK_STREAM, 0);
                if (connect(s, (struct sockaddr *)&a, sizeof a) != 0) { perror("connect"); return 1; }
                unsigned char req[5] = {0, 0, 0, 1, 11};
                write(s, req, 5);
                unsigned char buf[8192]; ssize_t n, got = 0;
                while ((n = read(s, buf + got, sizeof buf - got)) > 0) { got += n; if (got >= 4 && got >= 4 + (buf[0] << 24 | buf[1] << 16 | buf[2] << 8 | buf[3])) break; }
                for (ssize_t i = 0; i < got; i++) putchar(buf[i] >= 32 && buf[i] < 127 ? buf[i] : '.');
                putchar('\\n');
                unsigned char lock[6] = {0, 0, 0, 2, 22, 0};
                write(s, lock, 6); n = read(s, buf, 5);
                printf("lock-answer=%d\\n", n == 5 ? buf[4] : -1);
                return 0;
            }
            """.utf8
        ).write(to: source)
        let cc = FileManager.default.isExecutableFile(atPath: "/usr/bin/cc") ? "/usr/bin/cc" : "/usr/bin/gcc"
        let compile = try await ChildProcess.run(cc, ["-static", "-O1", "-o", dir.appendingPathComponent("agentls").path, source.path])
        #expect(compile.status == 0, "\(compile.stderr)")
        try TestEngine.write(["Dockerfile": "FROM localbase\nCOPY agentls /agentls\nRUN --mount=type=ssh /agentls && echo \(UUID().uuidString.prefix(6))\n"], in: dir)
        let r = try await build(["--ssh", "default", dir.path], environment: ["SSH_AUTH_SOCK": sock])
        #expect(r.status == 0, "\(r.stderr.suffix(1500))")
        #expect(r.stderr.contains(comment), "the agent's key was not listed:\n\(r.stderr.suffix(800))")
        // Read-only: locking the agent is refused (SSH_AGENT_FAILURE = 5).
        #expect(r.stderr.contains("lock-answer=5"))
        // No agent: one clear line.
        let none = try await build(["--ssh", "default", dir.path], environment: ["SSH_AUTH_SOCK": ""])
        #expect(none.status == 1 && none.stderr.contains("SSH_AUTH_SOCK"))
    }

    /// `-o type=local` and `-o type=tar` write the result where asked; nothing else is written.
    @Test func outputs() async throws {
        let dir = try TestEngine.tempDir("out")
        let out = try TestEngine.tempDir("out-dest")
        defer {
            try? FileManager.default.removeItem(at: dir)
            try? FileManager.default.removeItem(at: out)
        }
        try TestEngine.write([
            "Dockerfile": "FROM localbase AS b\nRUN mkdir -p /o/sub && echo hi > /o/sub/f.txt && ln -s sub/f.txt /o/link\nFROM scratch\nCOPY --from=b /o /\n",
        ], in: dir)
        let local = out.appendingPathComponent("local")
        let r = try await build(["-o", "type=local,dest=\(local.path)", dir.path])
        #expect(r.status == 0, "\(r.stderr.suffix(800))")
        #expect((try? String(contentsOf: local.appendingPathComponent("sub/f.txt"), encoding: .utf8)) == "hi\n")
        #expect((try? FileManager.default.destinationOfSymbolicLink(atPath: local.appendingPathComponent("link").path)) == "sub/f.txt")
        let tarFile = out.appendingPathComponent("r.tar")
        let t = try await build(["-o", "type=tar,dest=\(tarFile.path)", dir.path])
        #expect(t.status == 0, "\(t.stderr.suffix(800))")
        let list = try await ChildProcess.run("/bin/tar", ["tf", tarFile.path])
        #expect(list.stdout.split(separator: "\n").map(String.init).sorted() == ["link", "sub/", "sub/f.txt"])
        // `-o -`: a tar on stdout, progress on stderr.
        let stdout = try await ChildProcess.buildtop(["build", "--progress=plain", "--network", "none", "-o", "-", dir.path])
        #expect(stdout.status == 0)
        #expect(stdout.stdout.utf8.count >= 1024 && stdout.stdout.contains("sub/f.txt"))
    }

    /// `--cache-to type=inline` puts BuildKit's cache metadata into the image config.
    @Test func inlineCache() async throws {
        let dir = try TestEngine.tempDir("inline")
        let out = try TestEngine.tempDir("inline-out")
        defer {
            try? FileManager.default.removeItem(at: dir)
            try? FileManager.default.removeItem(at: out)
        }
        try TestEngine.write(["Dockerfile": "FROM localbase\nRUN echo \(UUID().uuidString) > /x\n"], in: dir)
        let t = tag("inline")
        let r = try await build(["-t", t, "--cache-to", "type=inline", dir.path])
        #expect(r.status == 0, "\(r.stderr.suffix(800))")
        let tar = out.appendingPathComponent("i.tar")
        let save = try await ChildProcess.docker(["save", "-o", tar.path, t])
        #expect(save.status == 0)
        #expect(try Data(contentsOf: tar).range(of: Data("moby.buildkit.cache.v0".utf8)) != nil)
        _ = try await ChildProcess.docker(["rmi", "-f", t])
    }

    /// Ctrl-C cancels on the daemon: the RUN's process is gone within 2 s, exit 130.
    @Test func cancelStopsTheRun() async throws {
        let dir = try TestEngine.tempDir("cancel")
        defer { try? FileManager.default.removeItem(at: dir) }
        let marker = Int.random(in: 100_000...999_999)
        try TestEngine.write(["Dockerfile": "FROM localbase\nRUN echo started && sleep \(marker)\n"], in: dir)
        let p = try ChildProcess(TestEngine.binary, ["build", "--progress=plain", "--network", "none", dir.path])
        #expect(await p.waitForStderr(timeout: 30) { $0.contains(" started\n") })
        func sleeping() async throws -> Bool {
            let ps = try await ChildProcess.run("/bin/ps", ["-eo", "args"])
            return ps.stdout.split(separator: "\n").contains { $0.hasPrefix("sleep \(marker)") }
        }
        var running = false
        for _ in 0..<50 where !running {
            running = try await sleeping()
            if !running { try await Task.sleep(for: .milliseconds(100)) }
        }
        #expect(running, "the RUN's sleep never showed in ps")
        p.signal(SIGINT)
        let r = await p.wait(timeout: 30)
        #expect(r.status == 130, "\(r.stderr.suffix(500))")
        var gone = false
        for _ in 0..<20 where !gone {
            gone = try await !sleeping()
            if !gone { try await Task.sleep(for: .milliseconds(100)) }
        }
        #expect(gone, "the RUN's process survived the cancel")
    }
}

extension NativeBuildTests {
    /// `-f` outside the context and `-f -` (stdin): the Dockerfile comes from its own folder,
    /// the context from the context.
    @Test func dockerfileOutsideAndStdin() async throws {
        let ctx = try TestEngine.tempDir("fctx")
        let other = try TestEngine.tempDir("fother")
        defer {
            try? FileManager.default.removeItem(at: ctx)
            try? FileManager.default.removeItem(at: other)
        }
        let nonce = UUID().uuidString.prefix(6)
        try TestEngine.write(["data.txt": "payload-\(nonce)\n", "Dockerfile": "FROM localbase\nRUN echo wrong-dockerfile\n"], in: ctx)
        let outside = "FROM localbase\nCOPY data.txt /d\nRUN cat /d && echo outside-\(nonce)\n"
        try TestEngine.write(["app.Dockerfile": outside], in: other)
        let f = try await build(["-f", other.appendingPathComponent("app.Dockerfile").path, ctx.path])
        #expect(f.status == 0, "\(f.stderr.suffix(800))")
        #expect(f.stderr.contains("payload-\(nonce)") && f.stderr.contains("outside-\(nonce)") && !f.stderr.contains("wrong-dockerfile"))
        let stdin = try await ChildProcess.buildtop(
            ["build", "--progress=plain", "--network", "none", "-f", "-", ctx.path], stdin: Data(outside.replacingOccurrences(of: "outside-", with: "stdin-").utf8))
        #expect(stdin.status == 0, "\(stdin.stderr.suffix(800))")
        #expect(stdin.stderr.contains("stdin-\(nonce)"))
    }

    /// A `FROM` of an image in a private registry (Debian's docker-registry on loopback, htpasswd
    /// auth): it fails without credentials and works with those of a temporary `DOCKER_CONFIG`,
    /// which BuildKit asks the session for (Auth/Credentials).
    @Test func privateRegistryFrom() async throws {
        let work = try TestEngine.tempDir("registry")
        defer { try? FileManager.default.removeItem(at: work) }
        let port = Int.random(in: 20_000...40_000)
        let user = "bt", password = "pw-\(UUID().uuidString.prefix(8))"
        let hash = try await ChildProcess.run(
            "/usr/bin/python3", ["-c", "import crypt,sys; print(crypt.crypt(sys.argv[1], crypt.mksalt(crypt.METHOD_BLOWFISH)))", password])
        #expect(hash.status == 0, "\(hash.stderr)")
        try Data("\(user):\(hash.stdout.trimmingCharacters(in: .whitespacesAndNewlines))\n".utf8).write(to: work.appendingPathComponent("htpasswd"))
        try Data(
            """
            version: 0.1
            storage:
              filesystem:
                rootdirectory: \(work.path)/data
            http:
              addr: 127.0.0.1:\(port)
            auth:
              htpasswd:
                realm: buildtop-test
                path: \(work.path)/htpasswd
            """.utf8
        ).write(to: work.appendingPathComponent("config.yml"))
        let registry = try ChildProcess("/usr/bin/docker-registry", ["serve", work.appendingPathComponent("config.yml").path])
        defer { registry.signal(SIGTERM) }
        var up = false
        for _ in 0..<50 where !up {
            let r = try await ChildProcess.run("/usr/bin/curl", ["-s", "-o", "/dev/null", "-w", "%{http_code}", "http://127.0.0.1:\(port)/v2/"])
            up = r.stdout == "401"
            if !up { try await Task.sleep(for: .milliseconds(100)) }
        }
        #expect(up, "the registry did not start")
        // Push a private image with the docker CLI (its own login, in the temporary config).
        let config = work.appendingPathComponent("docker")
        let env = ["DOCKER_CONFIG": config.path]
        let image = "127.0.0.1:\(port)/private/base:1"
        let login = try await ChildProcess.run("/usr/bin/docker", ["login", "-u", user, "--password-stdin", "127.0.0.1:\(port)"], environment: env, stdin: Data(password.utf8))
        #expect(login.status == 0, "\(login.stderr)")
        #expect(try await ChildProcess.docker(["tag", "localbase", image], environment: env).status == 0)
        let push = try await ChildProcess.docker(["push", image], environment: env)
        #expect(push.status == 0, "\(push.stderr)")
        _ = try await ChildProcess.docker(["rmi", image], environment: env)
        let dir = work.appendingPathComponent("ctx")
        try TestEngine.write(["Dockerfile": "FROM \(image)\nRUN echo from-private-\(UUID().uuidString.prefix(4))\n"], in: dir)
        // Without credentials: refused by the registry.
        let anonymous = try await build([dir.path], environment: ["DOCKER_CONFIG": work.appendingPathComponent("empty").path])
        #expect(anonymous.status == 1, "\(anonymous.stderr.suffix(500))")
        // With the config the docker CLI wrote: BuildKit gets them from the session.
        let authed = try await build([dir.path], environment: env)
        #expect(authed.status == 0, "\(authed.stderr.suffix(1500))")
        #expect(authed.stderr.contains("from-private-"))
        #expect(!authed.stderr.contains(password))
    }

    /// The docker-driver builder's platforms come from BuildKit's workers (`ListWorkers`): this
    /// engine's also runs linux/386, which `/version` does not tell.
    @Test func builderPlatformsFromWorkers() async throws {
        let ls = try await ChildProcess.buildtop(["builders", "ls", "--format", "json"])
        #expect(ls.status == 0, "\(ls.stderr)")
        #expect(ls.stdout.contains("\"linux/amd64\"") && ls.stdout.contains("\"linux/386\""), "\(ls.stdout)")
    }

    /// `buildtop du` reports what `docker system df` reports for the build cache; `buildtop
    /// prune` removes exactly what its filter names (a record of this test's own build).
    @Test func diskUsageAndPrune() async throws {
        let dir = try TestEngine.tempDir("du")
        defer { try? FileManager.default.removeItem(at: dir) }
        let nonce = "du-\(UUID().uuidString.prefix(8))"
        try TestEngine.write(["Dockerfile": "FROM localbase\nRUN echo \(nonce) > /\(nonce)\n"], in: dir)
        // Exported to a tar, not the image store: its records are the cache's alone (reclaimable).
        #expect(try await build(["-o", "type=tar,dest=/dev/null", dir.path]).status == 0)
        // /dev/null was written to, not replaced by a file.
        var st = stat()
        #expect(stat("/dev/null", &st) == 0 && st.st_mode & S_IFMT == S_IFCHR)
        // Other tests build on the same engine meanwhile: compare with a `docker system df` row
        // that reads the same before and after `buildtop du` (the cache did not change between).
        func cacheRow() async throws -> String {
            let df = try await ChildProcess.docker(["system", "df"])
            return try #require(df.stdout.split(separator: "\n").first { $0.hasPrefix("Build Cache") }.map(String.init))
        }
        var du = try await ChildProcess.buildtop(["du"])
        var row = ""
        for _ in 0..<10 {
            let before = try await cacheRow()
            du = try await ChildProcess.buildtop(["du"])
            row = try await cacheRow()
            if before == row { break }
        }
        #expect(du.status == 0, "\(du.stderr)")
        let columns = row.split(separator: " ", omittingEmptySubsequences: true)
        let (dockerSize, dockerReclaimable) = (String(columns[columns.count - 2]), String(columns[columns.count - 1]))
        func value(_ label: String) -> String? {
            du.stdout.split(separator: "\n").first { $0.hasPrefix(label) }.map { String($0.split(separator: "\t").last ?? "") }
        }
        #expect(value("Private:") == dockerSize, "\(du.stdout.suffix(200)) vs \(row)")
        #expect(value("Reclaimable:") == dockerReclaimable)
        // Prune only this build's RUN record (BuildKit v0.8 filters by id; its description
        // filter matches nothing, for `docker builder prune` too).
        let verbose = try await ChildProcess.buildtop(["du", "--format", "json"])
        let mine = try #require(verbose.stdout.split(separator: "\n").first { $0.contains(nonce) })
        let object = try #require(try JSONSerialization.jsonObject(with: Data(mine.utf8)) as? [String: Any])
        let id = try #require(object["ID"] as? String)
        let size = try #require(object["Size"] as? Int)
        let prune = try await ChildProcess.buildtop(["prune", "-f", "--all", "--filter", "id==\(id)"])
        #expect(prune.status == 0, "\(prune.stderr)")
        #expect(prune.stdout.contains("Deleted build cache objects:\n\(id)\n"), "\(prune.stdout)")
        #expect(prune.stdout.contains("Total reclaimed space: \(size)B") || size >= 1000)
        let after = try await ChildProcess.buildtop(["du", "--format", "json"])
        #expect(!after.stdout.contains(nonce))
    }
}

/// SHA-1 for checking a secret's digest printed inside the build (test-only).
enum Insecure {
    static func sha1Hex(_ message: [UInt8]) -> String {
        var h: [UInt32] = [0x6745_2301, 0xEFCD_AB89, 0x98BA_DCFE, 0x1032_5476, 0xC3D2_E1F0]
        var m = message
        let bitLength = UInt64(message.count) * 8
        m.append(0x80)
        while m.count % 64 != 56 { m.append(0) }
        for i in (0..<8).reversed() { m.append(UInt8(truncatingIfNeeded: bitLength >> (UInt64(i) * 8))) }
        for chunk in stride(from: 0, to: m.count, by: 64) {
            var w = [UInt32](repeating: 0, count: 80)
            for i in 0..<16 {
                w[i] = UInt32(m[chunk + 4 * i]) << 24 | UInt32(m[chunk + 4 * i + 1]) << 16 | UInt32(m[chunk + 4 * i + 2]) << 8 | UInt32(m[chunk + 4 * i + 3])
            }
            for i in 16..<80 {
                let x = w[i - 3] ^ w[i - 8] ^ w[i - 14] ^ w[i - 16]
                w[i] = x << 1 | x >> 31
            }
            var a = h[0], b = h[1], c = h[2], d = h[3], e = h[4]
            for i in 0..<80 {
                let (f, k): (UInt32, UInt32) =
                    i < 20 ? ((b & c) | (~b & d), 0x5A82_7999) : i < 40 ? (b ^ c ^ d, 0x6ED9_EBA1)
                    : i < 60 ? ((b & c) | (b & d) | (c & d), 0x8F1B_BCDC) : (b ^ c ^ d, 0xCA62_C1D6)
                let t = (a << 5 | a >> 27) &+ f &+ e &+ k &+ w[i]
                e = d
                d = c
                c = b << 30 | b >> 2
                b = a
                a = t
            }
            h[0] = h[0] &+ a
            h[1] = h[1] &+ b
            h[2] = h[2] &+ c
            h[3] = h[3] &+ d
            h[4] = h[4] &+ e
        }
        return h.map { String(format: "%08x", $0) }.joined()
    }
}
