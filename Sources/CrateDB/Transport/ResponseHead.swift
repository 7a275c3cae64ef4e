/// Status line and headers of one response.
struct ResponseHead: Sendable {
    var status: Int
    /// Names lowercased; a repeated header's values joined with ", ".
    var headers: [String: String]

    /// Whether this is the response the caller gets, rather than one libcurl passes on the way: an interim
    /// 1xx (100 Continue) or a redirect that libcurl is about to follow.
    func isFinal(followingRedirects: Bool) -> Bool {
        if status < 200 { return false }
        let isRedirect = [301, 302, 303, 307, 308].contains(status) && headers["location"] != nil
        return !(followingRedirects && isRedirect)
    }
}
