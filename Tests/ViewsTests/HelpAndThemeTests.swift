import App
import AppModel
import BuildModel
import Foundation
import TerminalKit
import Testing
import TestSupport
import Views

/// The help lists every binding of the current view once, none cut; panels take the theme's
/// background; overlays keep clear of panel borders.
struct HelpAndThemeTests {
    static func states() throws -> [(String, AppState)] {
        var out: [(String, AppState)] = []
        var st = try UIFixtures.state([("multistage", 20), ("failing", nil)], size: Size(width: 80, height: 24))
        out.append(("dashboard", st))
        st.mode = .logs(LogViewState(buildID: 1, step: 3))
        out.append(("logs", st))
        var form = FormState()
        form.args = [.init(name: "A", value: "")]
        st.mode = .form(form)
        out.append(("form", st))
        var menu = BuilderMenuState()
        menu.create = CreateBuilderForm()
        st.mode = .builders(menu)
        out.append(("create", st))
        st.mode = .builders(BuilderMenuState())
        out.append(("builders", st))
        return out
    }

    /// At 80×24 every binding's text of the view can be read in the help (in columns, or by
    /// scrolling), and each binding is listed once.
    @Test func helpListsEveryBindingOnceUncut() throws {
        for (name, var st) in try Self.states() {
            let ctx = Keymap.context(for: st)
            st.showHelp = true
            var seen = UIFixtures.render(st).text()
            var guardCount = 0
            while st.helpScroll < HelpLayout.maxScroll(st), guardCount < 200 {
                _ = st.apply(.key(.pageDown))
                seen += UIFixtures.render(st).text()
                guardCount += 1
            }
            #expect(st.showHelp, "\(name): paging closed the help")
            for b in Keymap.bindings(ctx) {
                let probe = String(b.help.split(separator: " ").prefix(2).joined(separator: " "))
                #expect(seen.contains(probe), "\(name): \(b.help) missing")
            }
            let rows = Keymap.helpSections(for: st).flatMap { $0.1 }.map { "\($0.keys)|\($0.label)" }
            #expect(Set(rows).count == rows.count, "\(name): repeated rows")
        }
    }

    /// Keys that do nothing now are in the help, dimmed (no rerun while the build runs).
    @Test func unusableKeysAreDimmed() throws {
        var st = try UIFixtures.state([("multistage", 20)], size: Size(width: 100, height: 30))
        st.showHelp = true
        let screen = UIFixtures.render(st)
        let rows = screen.text().split(separator: "\n", omittingEmptySubsequences: false)
        let y = try #require(rows.firstIndex { $0.contains("rerun the build") })
        let x = try #require(rows[y].range(of: "rerun the build")).lowerBound.utf16Offset(in: rows[y])
        let col = TextWidth.width(String(rows[y].prefix(x)))
        #expect(screen[col, y].style == st.theme.style(.dim))
        let y2 = try #require(rows.firstIndex { $0.contains("cancel the build") })
        let x2 = TextWidth.width(String(rows[y2].prefix(try #require(rows[y2].range(of: "cancel the build")).lowerBound.utf16Offset(in: rows[y2]))))
        #expect(screen[x2, y2].style == st.theme.style(.text))
    }

    /// A base16 theme's background reaches every cell, also beside borders and between panels.
    @Test func themeBackgroundEverywhere() throws {
        let dirs = [Fixtures.repositoryRoot.appendingPathComponent("themes").path]
        let theme = try ThemeLoader.load(nameOrPath: "base16-tomorrow-night", searchDirectories: dirs)
        let bg = theme.style(.text).bg
        #expect(bg != .terminalDefault)
        var st = try UIFixtures.state([("multistage", nil), ("failing", nil), ("simple", nil)], size: Size(width: 130, height: 40), theme: theme)
        st.confirm = .cancel(buildID: 1)
        let screen = UIFixtures.render(st)
        for y in 0..<screen.size.height {
            for x in 0..<screen.size.width where !screen[x, y].style.attributes.contains(.reverse) {
                #expect(screen[x, y].style.bg != .terminalDefault, "cell \(x),\(y) '\(screen[x, y].text)' has the terminal's background")
            }
        }
    }

    /// The light theme's title is readable on a dark terminal: it brings its own background.
    @Test func lightThemeTitleHasItsBackground() throws {
        let dirs = [Fixtures.repositoryRoot.appendingPathComponent("themes").path]
        let theme = try ThemeLoader.load(nameOrPath: "light", searchDirectories: dirs)
        let header = theme.style(.header)
        #expect(header.bg != .terminalDefault || header.fg == .terminalDefault)
    }

    /// A question drawn over the panels leaves a blank margin: no panel border touches its box.
    @Test func overlaysKeepClearOfBorders() throws {
        var st = try UIFixtures.state([("multistage", nil), ("failing", nil), ("simple", nil)], size: Size(width: 100, height: 30))
        st.confirm = .cancel(buildID: 2)
        let rows = UIFixtures.render(st).text().split(separator: "\n", omittingEmptySubsequences: false).map { Array($0) }
        let top = try #require(rows.firstIndex { String($0).contains("┌ confirm") })
        let left = try #require(rows[top].firstIndex(of: "┌"))
        let right = try #require(rows[top].lastIndex(of: "┐"))
        let bottom = try #require(rows.indices.first { $0 > top && rows[$0].count > left && rows[$0][left] == "└" })
        let borders: Set<Character> = ["│", "─", "┌", "┐", "└", "┘"]
        for y in (top - 1)...(bottom + 1) {
            for x in [left - 1, right + 1] where rows[y].indices.contains(x) { #expect(!borders.contains(rows[y][x]), "border at \(x),\(y)") }
        }
        for x in (left - 1)...(right + 1) {
            for y in [top - 1, bottom + 1] where rows[y].indices.contains(x) { #expect(!borders.contains(rows[y][x]), "border at \(x),\(y)") }
        }
    }
}
