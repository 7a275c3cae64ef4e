import CrateDB

/// Renders results the way the CrateDB shell (crash) does: a boxed table and a one-line summary.
enum ResultTable {
    static func render(_ result: SQLResult, statement: String) -> String {
        var out = ""
        if !result.columns.isEmpty {
            let cells = result.rows.map { $0.map(\.description) }
            var widths = result.columns.map(\.count)
            for row in cells {
                for (index, cell) in row.enumerated() where index < widths.count {
                    widths[index] = max(widths[index], cell.count)
                }
            }
            let rule = "+" + widths.map { String(repeating: "-", count: $0 + 2) }.joined(separator: "+") + "+\n"
            out += rule
            out += line(result.columns, widths: widths, numeric: [])
            out += rule
            let numeric = Set(result.columnTypes.indices.filter { isNumeric(result.columnTypes[$0]) })
            for row in cells {
                out += line(row, widths: widths, numeric: numeric)
            }
            out += rule
        }
        out += summary(result, statement: statement) + "\n"
        return out
    }

    static func json(_ result: SQLResult) -> String {
        let document: SQLValue = .object([
            "cols": .array(result.columns.map { .text($0) }),
            "rows": .array(result.rows.map { .array($0) }),
            "rowcount": .int(Int64(result.rowCount)),
            "duration": .double(result.duration),
        ])
        return JSONWriter.string(document)
    }

    private static func line(_ cells: [String], widths: [Int], numeric: Set<Int>) -> String {
        var text = "|"
        for (index, width) in widths.enumerated() {
            let cell = index < cells.count ? cells[index] : ""
            let padding = String(repeating: " ", count: width - cell.count)
            text += numeric.contains(index) ? " \(padding)\(cell) |" : " \(cell)\(padding) |"
        }
        return text + "\n"
    }

    private static func isNumeric(_ type: ColumnType) -> Bool {
        switch type {
        case .integer, .bigint, .smallint, .double, .real, .numeric: return true
        default: return false
        }
    }

    private static func summary(_ result: SQLResult, statement: String) -> String {
        let verb = statement.split(whereSeparator: { $0.isWhitespace }).first.map { $0.uppercased() } ?? "OK"
        let seconds = String(format: "%.3f", result.duration / 1000)
        let count = result.rowCount
        let rows = count == 1 ? "1 row" : "\(count) rows"
        if !result.columns.isEmpty {
            return "\(verb) \(rows) in set (\(seconds) sec)"
        }
        return "\(verb) OK, \(count < 0 ? "unknown number of rows" : rows) affected (\(seconds) sec)"
    }
}

import Foundation
