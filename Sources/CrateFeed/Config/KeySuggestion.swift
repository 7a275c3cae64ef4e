/// Finds the key an unknown key was probably meant to be: `max_row` -> `max_rows`, `maxRows` -> `max_rows`,
/// `tabel` -> `table`.
enum KeySuggestion {
    static func closest(to unknown: String, among known: [String]) -> String? {
        let target = normalized(unknown)
        if let sameWord = known.first(where: { normalized($0) == target }) { return sameWord }

        let allowed = max(1, min(3, (unknown.count + 1) / 3))
        let scored = known.map { (key: $0, distance: distance(Array(target), Array(normalized($0)))) }
        guard let best = scored.min(by: { $0.distance < $1.distance }), best.distance <= allowed else { return nil }
        return best.key
    }

    /// Lower case without `_` and `-`, so spelling variants of one word compare equal.
    private static func normalized(_ key: String) -> String {
        String(key.lowercased().filter { $0 != "_" && $0 != "-" })
    }

    /// Edit distance counting an adjacent transposition as one edit (optimal string alignment).
    private static func distance(_ a: [Character], _ b: [Character]) -> Int {
        if a.isEmpty || b.isEmpty { return max(a.count, b.count) }
        var table = [[Int]](repeating: [Int](repeating: 0, count: b.count + 1), count: a.count + 1)
        for i in 0...a.count { table[i][0] = i }
        for j in 0...b.count { table[0][j] = j }
        for i in 1...a.count {
            for j in 1...b.count {
                let cost = a[i - 1] == b[j - 1] ? 0 : 1
                table[i][j] = min(table[i - 1][j] + 1, table[i][j - 1] + 1, table[i - 1][j - 1] + cost)
                if i > 1, j > 1, a[i - 1] == b[j - 2], a[i - 2] == b[j - 1] {
                    table[i][j] = min(table[i][j], table[i - 2][j - 2] + 1)
                }
            }
        }
        return table[a.count][b.count]
    }
}
