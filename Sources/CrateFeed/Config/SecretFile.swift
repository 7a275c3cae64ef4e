/// Resolves and reads `password_file` keys.
///
/// A bare name (no slash) is first looked up in `$CREDENTIALS_DIRECTORY`, where systemd's `LoadCredential=`
/// puts secrets, then as a path relative to the working directory; anything with a slash is a path.
enum SecretFile {
    struct Loaded: Equatable {
        /// The file actually read: shown by `effectiveDescription()` instead of the password.
        let path: String
        let secret: Secret
    }

    /// Reads the password, or reports one problem under `key` and returns nil.
    static func load(_ name: String, key: String, environment: [String: String], problems: ConfigProblems)
        -> Loaded?
    {
        guard !name.isEmpty else {
            problems.add(key, "is empty; name a file that holds the password")
            return nil
        }
        var candidates = [name]
        let credentialsDirectory = environment["CREDENTIALS_DIRECTORY"].flatMap { $0.isEmpty ? nil : $0 }
        if !name.contains("/"), let credentialsDirectory {
            candidates.insert(credentialsDirectory + "/" + name, at: 0)
        }

        var failure = ""
        for path in candidates {
            do {
                let bytes = try ConfigFile.read(path, limit: 64 * 1024)
                guard var text = String(validating: bytes, as: UTF8.self) else {
                    problems.add(key, "\(quoted(path)) is not UTF-8 text")
                    return nil
                }
                // Editors and `echo` end the file with a newline that is not part of the password.
                while text.last?.isNewline == true { text.removeLast() }
                guard !text.isEmpty else {
                    problems.add(key, "\(quoted(path)) is empty")
                    return nil
                }
                return Loaded(path: path, secret: Secret(text))
            } catch {
                if failure.isEmpty { failure = "\(error)" }
            }
        }

        if candidates.count == 2 {
            problems.add(
                key,
                "cannot read \(quoted(name)): it is neither in $CREDENTIALS_DIRECTORY (\(credentialsDirectory!)) "
                    + "nor in the working directory")
        } else if !name.contains("/") {
            problems.add(key, "cannot read \(quoted(name)): \(failure) ($CREDENTIALS_DIRECTORY is not set)")
        } else {
            problems.add(key, "cannot read \(quoted(name)): \(failure)")
        }
        return nil
    }

    private static func quoted(_ text: String) -> String {
        ConfigTOMLWriter.quoted(text)
    }
}
