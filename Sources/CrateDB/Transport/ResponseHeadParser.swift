/// Builds `ResponseHead`s from the lines libcurl hands to CURLOPT_HEADERFUNCTION, one line per call, CRLF
/// included. libcurl reports the head of every response on the way (100 Continue, each redirect, the final
/// one), so each status line starts a new head.
struct ResponseHeadParser {
    private(set) var head = ResponseHead(status: 0, headers: [:])
    private var lastName: String?

    /// Takes one line; returns true when it was the blank line that ends a head.
    mutating func consume(_ line: String) -> Bool {
        let line = line[...].trimmingSuffix { $0.isNewline }  // "\r\n" is one Character
        if line.isEmpty { return true }

        if line.hasPrefix("HTTP/") {
            let status = line.split(separator: " ", maxSplits: 2).dropFirst().first.flatMap { Int($0) }
            head = ResponseHead(status: status ?? 0, headers: [:])
            lastName = nil
        } else if line.first == " " || line.first == "\t" {
            // Obsolete line folding (RFC 9112 5.2): a continuation of the previous header's value.
            if let name = lastName, let value = head.headers[name] {
                head.headers[name] = "\(value) \(line.trimmingWhitespace())"
            }
        } else if let colon = line.firstIndex(of: ":") {
            let name = line[..<colon].trimmingWhitespace().lowercased()
            let value = line[line.index(after: colon)...].trimmingWhitespace()
            if let previous = head.headers[name] {
                head.headers[name] = "\(previous), \(value)"
            } else {
                head.headers[name] = String(value)
            }
            lastName = name
        }
        return false
    }
}

extension Substring {
    fileprivate func trimmingSuffix(while predicate: (Character) -> Bool) -> Substring {
        var end = endIndex
        while end > startIndex, predicate(self[index(before: end)]) { end = index(before: end) }
        return self[startIndex..<end]
    }

    fileprivate func trimmingWhitespace() -> Substring {
        let isBlank: (Character) -> Bool = { $0 == " " || $0 == "\t" }
        let start = firstIndex { !isBlank($0) } ?? endIndex
        return self[start...].trimmingSuffix(while: isBlank)
    }
}
