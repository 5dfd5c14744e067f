// Filled by the curses backend work.
import TerminalKit
