import BuildModel

/// The steps of one build with what each one waited for: its inputs (vertex digests resolved in
/// the same build, group members to their group) and, when an input is unknown or the step has
/// none, the step before it in the same stage.
struct StepGraph {
    /// The build.
    let state: BuildState
    /// Parsed names, by index into `state.steps`.
    let names: [StepName]
    /// Indexes into `state.steps` in display order.
    let visible: [Int]
    /// What each step waited for, by index into `state.steps`.
    let parents: [[Int]]

    init(_ state: BuildState) {
        self.state = state
        let steps = state.steps
        names = steps.map { StepName($0.name) }
        visible = state.visibleIndices
        var byID: [String: Int] = [:]
        for (i, s) in steps.enumerated() { byID[s.id] = i }
        // (stage, position) → step, visible steps first so a hidden group does not shadow them.
        var byPosition: [String: Int] = [:]
        for i in visible + steps.indices.filter({ steps[$0].hidden }) {
            guard let stage = names[i].stage, let pos = names[i].position else { continue }
            let key = stage + "\u{0}\(pos)"
            if byPosition[key] == nil { byPosition[key] = i }
        }
        var parents: [[Int]] = Array(repeating: [], count: steps.count)
        for i in steps.indices {
            var ps: [Int] = []
            var unknown = steps[i].vertex.inputs.isEmpty || steps[i].isGroup
            for d in steps[i].vertex.inputs {
                if let s = state.step(d), let j = byID[s.id], j != i {
                    if !ps.contains(j) { ps.append(j) }
                } else {
                    unknown = true
                }
            }
            if unknown, let stage = names[i].stage, let pos = names[i].position, pos > 1,
                let j = byPosition[stage + "\u{0}\(pos - 1)"], j != i, !ps.contains(j)
            {
                ps.append(j)
            }
            parents[i] = ps
        }
        self.parents = parents
    }

    /// The `FROM` steps that `i` descends from (the walk stops at each `FROM`), sorted by name.
    func baseImages(of i: Int) -> [String] {
        var seen: Set<Int> = [i]
        var stack = parents[i]
        var out: Set<String> = []
        while let j = stack.popLast() {
            guard seen.insert(j).inserted else { continue }
            if state.steps[j].kind == .from || names[j].isFrom {
                out.insert(names[j].instruction)
                continue
            }
            stack.append(contentsOf: parents[j])
        }
        return out.sorted()
    }
}
