import BuildEvents
import BuildModel
@testable import HistoryModel
import Testing
import TestSupport

struct ZZPrint {
    @Test func dump() throws {
        let ms = Fixtures.state(try Fixtures.rawjson("multistage"))
        let mc = Fixtures.state(try Fixtures.rawjson("multistage-cached"))
        print(Timeline.lines(Timeline.Model(ms), width: 100).joined(separator: "\n"))
        print("----")
        print(Timeline.lines(Timeline.Model(ms), width: 40).joined(separator: "\n"))
        print("----")
        print(Timeline.lines(Timeline.Model(ms), width: 100, glyphs: .ascii).joined(separator: "\n"))
        print("----")
        let p = BuildSnapshot(state: mc, buildArgs: ["VERSION": "dev"])
        let c = BuildSnapshot(state: ms, buildArgs: ["VERSION": "dev"])
        let cmp = BuildComparison.compare(previous: p, current: c)
        print(ComparisonText.lines(cmp, previous: p, current: c, width: 100).joined(separator: "\n"))
        print("----")
        print(Timeline.lines(Timeline.Model(ms, comparison: cmp), width: 100).joined(separator: "\n"))
        print("----")
        print(Timeline.lines(Timeline.Model(ms, comparison: cmp), width: 40).joined(separator: "\n"))
        print("----")
        print(ComparisonText.lines(cmp, previous: p, current: c, width: 40).joined(separator: "\n"))
        print("----")
        let cmp2 = BuildComparison.compare(previous: c, current: p)
        print(ComparisonText.lines(cmp2, previous: c, current: p, width: 100).joined(separator: "\n"))
        print("----")
        for n in ["failing", "cancel", "chatty", "simple"] {
            print(Timeline.lines(Timeline.Model(Fixtures.state(try Fixtures.rawjson(n))), width: 80).joined(separator: "\n"))
            print("----")
        }
    }
}
