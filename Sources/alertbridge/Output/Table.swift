import Foundation

/// A plain-text table with left-aligned columns, for terminals.
///
/// Control characters in cells are replaced, so a hostile label cannot move
/// the cursor or forge lines in an operator's terminal.
struct Table {
    var headers: [String]
    var rows: [[String]]

    var rendered: String {
        let cleanRows = rows.map { $0.map(Self.clean) }
        var widths = headers.map(\.count)
        for row in cleanRows {
            for (index, cell) in row.enumerated() where index < widths.count {
                widths[index] = max(widths[index], min(cell.count, 60))
            }
        }
        func line(_ cells: [String]) -> String {
            cells.enumerated().map { index, cell in
                let text = cell.count > 60 ? String(cell.prefix(59)) + "…" : cell
                return index == cells.count - 1 ? text : text.padding(toLength: widths[index], withPad: " ", startingAt: 0)
            }.joined(separator: "  ") + "\n"
        }
        return line(headers) + cleanRows.map(line).joined()
    }

    static func clean(_ cell: String) -> String {
        String(String.UnicodeScalarView(cell.unicodeScalars.map { $0.value < 0x20 || $0.value == 0x7F ? "·" : $0 }))
    }
}
