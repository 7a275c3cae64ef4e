import Foundation
import Testing

@testable import CrateFeed

@Suite struct PasswordFileTests {
    @Test func refusesPasswordsInTheFile() {
        expectProblem(
            "[mqtt]\nusername = \"u\"\npassword = \"hunter2\"\n",
            "mqtt.password: passwords do not belong in the configuration file; put the password in a file and set "
                + "mqtt.password_file to its path, or to a credential name under systemd's LoadCredential=")
        expectProblem(
            "[cratedb]\nusername = \"u\"\npassword = \"hunter2\"\n",
            "cratedb.password: passwords do not belong in the configuration file; put the password in a file and "
                + "set cratedb.password_file to its path, or to a credential name under systemd's LoadCredential=")
    }

    @Test func readsABareNameFromTheCredentialsDirectory() throws {
        let credentials = try ConfigScratchDirectory()
        defer { credentials.remove() }
        let file = try credentials.write("mqtt-password", "from credentials\n")
        let configuration = try Configuration.parse(
            text: minimalConfig + "[mqtt]\nusername = \"feed\"\npassword_file = \"mqtt-password\"\n",
            path: configTestPath, environment: ["CREDENTIALS_DIRECTORY": credentials.path])
        #expect(configuration.mqtt.password?.value == "from credentials")
        #expect(configuration.mqtt.passwordFile == file)
    }

    @Test func readsAPath() throws {
        let scratch = try ConfigScratchDirectory()
        defer { scratch.remove() }
        let file = try scratch.write("cratedb-password", "p@ss word\r\n")
        let configuration = try Configuration.parse(
            text: minimalConfig + "[cratedb]\nusername = \"crate\"\npassword_file = \"\(file)\"\n",
            path: configTestPath, environment: ["CREDENTIALS_DIRECTORY": "/nonexistent"])
        #expect(configuration.cratedb.password == Secret("p@ss word"))
        #expect(configuration.cratedb.passwordFile == file)
    }

    @Test func reportsAFileThatCannotBeRead() throws {
        let scratch = try ConfigScratchDirectory()
        defer { scratch.remove() }
        let section = "[mqtt]\nusername = \"u\"\npassword_file = "
        expectProblem(
            section + "\"/nonexistent/pw\"\n",
            "mqtt.password_file: cannot read \"/nonexistent/pw\": No such file or directory")
        expectProblem(
            section + "\"no-such-credential\"\n",
            "mqtt.password_file: cannot read \"no-such-credential\": No such file or directory ($CREDENTIALS_DIRECTORY is not set)"
        )
        expectProblems(
            minimalConfig + section + "\"no-such-credential\"\n",
            [
                "mqtt.password_file: cannot read \"no-such-credential\": it is neither in $CREDENTIALS_DIRECTORY "
                    + "(\(scratch.path)) nor in the working directory"
            ],
            environment: ["CREDENTIALS_DIRECTORY": scratch.path])
        expectProblem(
            section + "\"\(scratch.path)\"\n",
            "mqtt.password_file: cannot read \"\(scratch.path)\": not a regular file")
        let empty = try scratch.write("empty", "\n")
        expectProblem(section + "\"\(empty)\"\n", "mqtt.password_file: \"\(empty)\" is empty")
    }

    @Test func needsAUserName() throws {
        let scratch = try ConfigScratchDirectory()
        defer { scratch.remove() }
        let file = try scratch.write("pw", "x")
        expectProblem(
            "[cratedb]\npassword_file = \"\(file)\"\n",
            "cratedb.password_file: needs cratedb.username as well")
    }

    @Test func neverShowsThePassword() throws {
        let scratch = try ConfigScratchDirectory()
        defer { scratch.remove() }
        let mqttFile = try scratch.write("mqtt-pw", "mqtt-Secret-1")
        let crateFile = try scratch.write("crate-pw", "crate-Secret-2")
        let configuration = try Configuration.parse(
            text: minimalConfig + """
                [mqtt]
                username = "feed"
                password_file = "\(mqttFile)"
                [cratedb]
                username = "crate"
                password_file = "\(crateFile)"
                """, path: configTestPath)

        let effective = configuration.effectiveDescription()
        #expect(effective.contains("username = \"feed\""))
        #expect(effective.contains("password_file = \"\(mqttFile)\"  # password read, not shown"))
        #expect(effective.contains("username = \"crate\""))
        #expect(effective.contains("password_file = \"\(crateFile)\"  # password read, not shown"))
        for shown in [effective, "\(configuration)", String(reflecting: configuration)] {
            #expect(!shown.contains("Secret-"))
        }
        #expect("\(Secret("x"))" == "<secret>")
        #expect(configuration.mqtt.password?.value == "mqtt-Secret-1")
    }
}
