import BuildModel

/// BuildKit's plain progress format (moby/buildkit `util/progress/progressui/printer.go`, `textMux`):
/// `#N name`, `#N 0.052 line`, `#N sha256:… 1.2MB / 3.4MB 0.8s done`, `#N DONE 1.2s`, `#N CACHED`,
/// `#N ERROR: …`, `#N CANCELED`, `#N ...` when switching away from an unfinished step, and at the end a
/// `------` block with the last log lines of each failed step.
///
/// Pure: `now` comes in with each update (wall time live, stream time when replaying).
public struct PlainPrinter: Sendable {
    struct Vtx: Sendable {
        var vertex: Vertex
        var index = 0
        var rawIntervals: [Int64: Interval] = [:]
        var intervals: [Interval] = []
        var statusOrder: [String] = []
        var statuses: [String: VertexStatus] = [:]
        var statusUpdates: Set<String> = []
        var logs: [[UInt8]] = []
        var logsPartial = false
        var logsOffset = 0
        var logsBuffer: [[UInt8]] = []
        var events: [String] = []
        var count = 0
        var lastBlockTime: Timestamp?
        var startOrder: Int?
        var isGroup = false
        var members: [String: Vertex] = [:]
        var memberOrder: [String] = []
    }

    private var byID: [String: Vtx] = [:]
    private var memberToGroup: [String: String] = [:]
    private var startOrder: [String] = []
    private var updates: Set<String> = []
    private var current: String?
    private var notFirst = false
    private var nextIndex = 1
    private var last: [String: (current: Int64, time: Timestamp)] = [:]
    private let description: String?
    private var wroteDescription = false

    /// Last-lines buffer per failed step (BuildKit's `logsBufferSize`).
    public static let errorLogLines = 10

    /// Creates a printer; `description` is printed first as `#0 <description>` (buildx's "building with …").
    public init(description: String? = nil) {
        self.description = description
    }

    // MARK: - Updates

    /// Folds one status update and returns the text to print for it.
    public mutating func update(_ status: SolveStatus, now: Timestamp) -> String {
        var out: [UInt8] = []
        if let description, !wroteDescription {
            wroteDescription = true
            out.append(contentsOf: Array("#0 \(description)\n\n".utf8))
            notFirst = false
        }
        apply(status, now: now)
        printUpdates(now: now, into: &out)
        return String(decoding: out, as: UTF8.self)
    }

    /// Flushes what is pending and returns the closing error block (for every failed step, the
    /// last lines of its log).
    public mutating func finish(now: Timestamp) -> String {
        var out: [UInt8] = []
        printUpdates(now: now, into: &out)
        if let cur = current, let v = byID[cur], v.logsPartial {
            out.append(10)
            byID[cur]?.logsPartial = false
        }
        for id in startOrder {
            guard let v = byID[id], !v.vertex.error.isEmpty, !BuildResult.isCancellation(v.vertex.error) else {
                continue
            }
            out.append(contentsOf: Array("------\n > \(v.vertex.name):\n".utf8))
            for line in v.logsBuffer {
                out.append(contentsOf: line)
                out.append(10)
            }
            out.append(contentsOf: Array("------\n".utf8))
        }
        return String(decoding: out, as: UTF8.self)
    }

    // MARK: - Trace

    private mutating func apply(_ s: SolveStatus, now: Timestamp) {
        var groups: [String] = []
        for var v in s.vertexes {
            if v.started?.isZero == true { v.started = nil }
            if v.completed?.isZero == true { v.completed = nil }
            if let pg = v.progressGroup {
                if byID[pg.id] == nil {
                    var g = Vtx(vertex: Vertex(digest: pg.id, name: pg.name))
                    g.isGroup = true
                    byID[pg.id] = g
                }
                memberToGroup[v.digest] = pg.id
                if byID[pg.id]?.members[v.digest] == nil { byID[pg.id]?.memberOrder.append(v.digest) }
                byID[pg.id]?.members[v.digest] = v
                if !groups.contains(pg.id) { groups.append(pg.id) }
                continue
            }
            var x = byID[v.digest] ?? Vtx(vertex: v)
            let prev = x.vertex
            let wasStarted = !x.intervals.isEmpty
            if v.started != nil, changed(prev, v, fresh: byID[v.digest] == nil) {
                bump(&x, now: now)
                updates.insert(v.digest)
            }
            if !wasStarted || v.started != nil { x.vertex = v }
            if let st = v.started {
                x.rawIntervals[st.unixNanos] = Interval(start: st, stop: v.completed)
                x.intervals = Interval.merge(Array(x.rawIntervals.values))
                if !wasStarted {
                    x.startOrder = startOrder.count
                    startOrder.append(v.digest)
                }
            }
            byID[v.digest] = x
        }
        for gid in groups { refreshGroup(gid, now: now) }
        for st in s.statuses {
            guard let id = resolve(st.vertex), var x = byID[id] else { continue }
            if x.statuses[st.id] == nil { x.statusOrder.append(st.id) }
            var st = st
            if st.started?.isZero == true { st.started = nil }
            if st.completed?.isZero == true { st.completed = nil }
            x.statuses[st.id] = st
            x.statusUpdates.insert(st.id)
            bump(&x, now: now)
            byID[id] = x
            updates.insert(id)
        }
        for w in s.warnings {
            guard let id = resolve(w.vertex), var x = byID[id] else { continue }
            x.events.append("WARN: " + String(decoding: w.short, as: UTF8.self))
            bump(&x, now: now)
            byID[id] = x
            updates.insert(id)
        }
        for l in s.logs {
            guard let id = resolve(l.vertex), var x = byID[id] else { continue }
            appendLog(&x, l)
            bump(&x, now: now)
            byID[id] = x
            updates.insert(id)
        }
    }

    private func changed(_ old: Vertex, _ new: Vertex, fresh: Bool) -> Bool {
        fresh || old.name != new.name || old.started != new.started
            || (new.completed != nil && old.completed != new.completed) || old.cached != new.cached
            || old.error != new.error
    }

    private func resolve(_ digest: String) -> String? {
        if byID[digest] != nil, memberToGroup[digest] == nil { return digest }
        return memberToGroup[digest]
    }

    private func bump(_ x: inout Vtx, now: Timestamp) {
        if x.count == 0 { x.lastBlockTime = now }
        x.count += 1
    }

    private mutating func refreshGroup(_ gid: String, now: Timestamp) {
        guard var g = byID[gid] else { return }
        var merged = Vertex(digest: gid, name: g.vertex.name, cached: true)
        var revealed = g.startOrder != nil
        for d in g.memberOrder {
            guard let m = g.members[d] else { continue }
            if let st = m.started {
                g.rawIntervals[st.unixNanos] = Interval(start: st, stop: m.completed)
                if m.progressGroup?.weak != true { revealed = true }
            }
            merged.cached = merged.cached && m.cached
            if merged.error.isEmpty { merged.error = m.error }
        }
        g.intervals = Interval.merge(Array(g.rawIntervals.values))
        merged.started = g.intervals.first?.start
        merged.completed = g.intervals.last?.stop
        let before = g.vertex
        g.vertex = merged
        if revealed {
            if g.startOrder == nil {
                g.startOrder = startOrder.count
                startOrder.append(gid)
            }
            if changed(before, merged, fresh: false) {
                bump(&g, now: now)
                updates.insert(gid)
            }
        }
        byID[gid] = g
    }

    private func timePrefix(_ x: Vtx, _ t: Timestamp) -> String {
        let sec = x.intervals.last.map { t.seconds(since: $0.start) } ?? 0
        let prec = sec < 10 ? 3 : (sec < 100 ? 2 : 1)
        return ByteUnits.fixed(sec, prec)
    }

    private func appendLog(_ x: inout Vtx, _ l: VertexLog) {
        guard !l.data.isEmpty else { return }
        var start = 0
        var first = true
        let data = l.data
        func add(_ piece: ArraySlice<UInt8>, complete: Bool) {
            if first, x.logsPartial, !x.logs.isEmpty {
                x.logs[x.logs.count - 1].append(contentsOf: piece)
            } else {
                var line = Array(timePrefix(x, l.timestamp).utf8)
                line.append(32)
                line.append(contentsOf: piece)
                x.logs.append(line)
            }
            first = false
            if complete, let done = x.logs.last {
                x.logsBuffer.append(done)
                if x.logsBuffer.count > PlainPrinter.errorLogLines { x.logsBuffer.removeFirst() }
            }
        }
        var i = 0
        while i < data.count {
            if data[i] == 10 {
                add(data[start..<i], complete: true)
                start = i + 1
            }
            i += 1
        }
        if start < data.count {
            add(data[start...], complete: false)
            x.logsPartial = true
        } else {
            x.logsPartial = false
        }
    }

    // MARK: - textMux

    private mutating func printUpdates(now: Timestamp, into out: inout [UInt8]) {
        let ordered = updates.sorted { (byID[$0]?.startOrder ?? Int.max, $0) < (byID[$1]?.startOrder ?? Int.max, $1) }
        var completed: [String] = []
        var rest: [String] = []
        for id in ordered {
            guard let v = byID[id] else { continue }
            if v.vertex.completed != nil { completed.append(id) } else { rest.append(id) }
        }
        let cur = current
        if let cur, completed.contains(cur) { printVtx(cur, into: &out) }
        let byCompletion = completed.sorted {
            (byID[$0]?.vertex.completed ?? .zero) < (byID[$1]?.vertex.completed ?? .zero)
        }
        for id in byCompletion where id != cur { printVtx(id, into: &out) }
        if rest.isEmpty {
            if let cur, let v = byID[cur], v.vertex.started != nil, v.vertex.completed == nil { return }
            for id in startOrder {
                if let v = byID[id], v.vertex.started != nil, v.vertex.completed == nil {
                    printVtx(id, into: &out)
                    return
                }
            }
            return
        }
        if let cur, rest.contains(cur) { printVtx(cur, into: &out) }
        var pool = rest
        if let cur, !pool.contains(cur) { pool.append(cur) }
        var stats: [String: (block: Double, speed: Double, over: Bool)] = [:]
        var sum = 0.0
        var maxID: String?
        for id in pool {
            guard let v = byID[id] else { continue }
            let tm = max(0.001, now.seconds(since: v.lastBlockTime ?? now))
            let speed = Double(v.count) / tm
            let over = tm > 10 && id != cur
            stats[id] = (tm, speed, over)
            sum += speed
            if over || maxID == nil || (stats[maxID ?? ""]?.speed ?? 0) < speed { maxID = id }
        }
        guard let maxID else { return }
        if cur == nil || completed.contains(cur ?? "") {
            printVtx(maxID, into: &out)
            return
        }
        for id in rest where stats[id]?.over == true {
            printVtx(id, into: &out)
            return
        }
        if let cur, let s = stats[cur], sum > 0 {
            let share = s.speed / sum
            if share < 1, 1.0 / (1.0 - share) * 5.0 < s.block {
                printVtx(maxID, into: &out)
            }
        }
    }

    private mutating func printVtx(_ id: String, into out: inout [UInt8]) {
        guard var v = byID[id] else { return }
        func line(_ s: String) {
            out.append(contentsOf: Array(s.utf8))
            out.append(10)
        }
        if id != current {
            if let cur = current, var old = byID[cur] {
                if old.logsPartial { out.append(10) }
                old.logsOffset = 0
                old.count = 0
                byID[cur] = old
                line("#\(old.index) ...")
            }
            if notFirst { out.append(10) } else { notFirst = true }
            if v.index == 0 {
                v.index = nextIndex
                nextIndex += 1
            }
            line("#\(v.index) \(v.vertex.name)")
        }
        if !v.events.isEmpty { v.logsOffset = 0 }
        for e in v.events { line("#\(v.index) \(e)") }
        v.events.removeAll()
        for sid in v.statusOrder where v.statusUpdates.contains(sid) {
            guard let s = v.statuses[sid] else { continue }
            if let prev = last[sid], s.completed == nil {
                let delta = s.total > 0 ? Double(s.current - prev.current) / Double(s.total) : 0
                let dt = s.timestamp.seconds(since: prev.time)
                if delta < 0.05, dt < 5 { continue }
            }
            last[sid] = (s.current, s.timestamp)
            var bytes = ""
            if s.total != 0 {
                bytes = " \(ByteUnits.format(s.current)) / \(ByteUnits.format(s.total))"
            } else if s.current != 0 {
                bytes = " \(ByteUnits.format(s.current))"
            }
            var tm = ""
            let end = s.completed ?? s.timestamp
            if let st = s.started {
                let diff = end.seconds(since: st)
                if diff > 0.01 { tm = " \(ByteUnits.fixed(diff, 1))s" }
            }
            if s.completed != nil { tm += " done" }
            line("#\(v.index) \(s.id)\(bytes)\(tm)")
        }
        v.statusUpdates.removeAll()
        for (n, l) in v.logs.enumerated() {
            if n == 0 {
                out.append(contentsOf: Array("#\(v.index) ".utf8).prefix(v.logsOffset == 0 ? Int.max : 0))
                out.append(contentsOf: l.dropFirst(min(v.logsOffset, l.count)))
            } else {
                out.append(contentsOf: Array("#\(v.index) ".utf8))
                out.append(contentsOf: l)
            }
            if n != v.logs.count - 1 || !v.logsPartial { out.append(10) }
        }
        if let lastLine = v.logs.last {
            if v.logsPartial {
                v.logs = [lastLine]
                v.logsOffset = lastLine.count
            } else {
                v.logs.removeAll()
                v.logsOffset = 0
            }
        }
        current = id
        if v.vertex.completed != nil {
            current = nil
            v.count = 0
            if !v.vertex.error.isEmpty {
                if v.logsPartial { out.append(10) }
                if BuildResult.isCancellation(v.vertex.error) {
                    line("#\(v.index) CANCELED")
                } else {
                    line("#\(v.index) ERROR: \(v.vertex.error)")
                }
            } else if v.vertex.cached {
                line("#\(v.index) CACHED")
            } else {
                let secs = Interval.totalSeconds(v.intervals, now: nil)
                line("#\(v.index) DONE \(ByteUnits.fixed(secs, 1))s")
            }
        }
        byID[id] = v
        updates.remove(id)
    }
}
