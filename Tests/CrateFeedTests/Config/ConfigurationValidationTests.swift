import Foundation
import Testing

@testable import CrateFeed

/// One test per kind of problem, each checking the exact line a user sees.
@Suite struct ConfigurationValidationTests {
    // MARK: The file itself

    @Test func reportsTOMLSyntaxErrorsWithLineAndColumn() {
        expectProblems(
            "[mqtt]\nqos = \n", ["line 2, column 7: Error while parsing key-value pair: expected value, saw '\\n'"])
        expectProblems(
            "[mqtt]\nqos = 1\nqos = 2\n",
            ["line 3, column 7: Error while parsing key-value pair: cannot redefine existing integer 'qos'"])
    }

    @Test func reportsAnUnreadableFile() {
        #expect(
            throws: ConfigurationError(problems: [
                "/nonexistent/cratefeed.toml: cannot read the configuration file: No such file or directory"
            ])
        ) {
            try Configuration.load(path: "/nonexistent/cratefeed.toml")
        }
        #expect(throws: ConfigurationError(problems: ["/tmp: cannot read the configuration file: not a regular file"]))
        {
            try Configuration.load(path: "/tmp")
        }
    }

    @Test func reportsAFileThatIsNotText() throws {
        let scratch = try ConfigScratchDirectory()
        defer { scratch.remove() }
        let binary = scratch.path + "/binary.toml"
        try #require(FileManager.default.createFile(atPath: binary, contents: Data([0x5B, 0xFF, 0xFE, 0x5D])))
        #expect(throws: ConfigurationError(problems: ["\(binary): is not UTF-8 text"])) {
            try Configuration.load(path: binary)
        }
        expectProblems("a = 1\0", ["contains a NUL byte; is it a text file?"])
    }

    @Test func reportsEveryProblemAtOnce() {
        expectProblems(
            """
            [mqtt]
            qos = 3
            [batch]
            max_row = 5
            [[route]]
            topic = "a/#"
            format = "xml"
            """,
            [
                "mqtt.qos: 3 is not 0, 1 or 2",
                "batch.max_row: unknown key (did you mean max_rows?)",
                "route[1].format: \"xml\" is not one of json, influx, senml, value, blob",
            ])
    }

    // MARK: Value types

    @Test func wrongTypes() {
        expectProblem("[mqtt]\nclient_id = 5\n", "mqtt.client_id: 5 is not a string")
        expectProblem("[mqtt]\nclean_session = \"yes\"\n", "mqtt.clean_session: \"yes\" is not true or false")
        expectProblem("[batch]\nmax_rows = \"5000\"\n", "batch.max_rows: \"5000\" is not an integer")
        expectProblem(
            "[cratedb]\nservers = \"http://a:4200\"\n",
            "cratedb.servers: \"http://a:4200\" is not an array of strings")
        expectProblem("[cratedb]\nservers = [\"http://a:4200\", 4200]\n", "cratedb.servers[2]: 4200 is not a string")
        expectProblems("mqtt = 5\n" + minimalConfig, ["mqtt: 5 is not a table"])
        expectProblem("[mqtt]\nurl = [\"mqtt://a\"]\n", "mqtt.url: an array is not a string")
        expectProblem("[spool]\ndir = 1979-05-27\n", "spool.dir: a date is not a string")
    }

    @Test func emptyStrings() {
        expectProblem("[mqtt]\nclient_id = \"\"\n", "mqtt.client_id: is empty")
    }

    @Test func integersOutOfRange() {
        expectProblem("[batch]\nmax_rows = 0\n", "batch.max_rows: 0 is not between 1 and 1000000")
        expectProblem("[batch]\nin_flight = -1\n", "batch.in_flight: -1 is not between 0 and 256")
    }

    @Test func durations() {
        expectProblem(
            "[batch]\nmax_delay = \"1 sec\"\n",
            "batch.max_delay: \"1 sec\" is not a duration such as \"500ms\", \"30s\", \"5m\", \"2h\", \"7d\" or a number of seconds"
        )
        expectProblem(
            "[batch]\nmax_delay = -1\n",
            "batch.max_delay: -1 is not a duration such as \"500ms\", \"30s\", \"5m\", \"2h\", \"7d\" or a number of seconds"
        )
        expectProblem("[batch]\nmax_delay = \"0s\"\n", "batch.max_delay: \"0s\" must be more than 0")
        expectProblem("[cratedb]\ntimeout = \"4000d\"\n", "cratedb.timeout: \"4000d\" is longer than 3650d")
        expectProblem("[mqtt]\nkeepalive = \"2s\"\n", "mqtt.keepalive: \"2s\" is not between 5s and 65535s")
        expectProblem("[mqtt]\nkeepalive = \"7.5s\"\n", "mqtt.keepalive: must be whole seconds")
        expectProblem(
            "[mqtt]\nsession_expiry = \"200000d\"\n",
            "mqtt.session_expiry: \"200000d\" is not between 0s and 4294967295s")
        expectProblem("[mqtt]\nsession_expiry = \"1500ms\"\n", "mqtt.session_expiry: must be whole seconds")
    }

    @Test func sizes() {
        expectProblem(
            "[spool]\nmax_size = \"1 gigabyte\"\n",
            "spool.max_size: \"1 gigabyte\" is not a size such as \"512KiB\", \"16MiB\", \"1GiB\", \"10MB\" or a number of bytes"
        )
        expectProblem("[batch]\nmax_bytes = 0\n", "batch.max_bytes: 0 is not between 1B and 100MB")
        expectProblem("[spool]\nmax_size = 0\n", "spool.max_size: 0 is less than 1B")
        expectProblem(
            "[mqtt]\nmax_message_size = \"512MiB\"\n",
            "mqtt.max_message_size: \"512MiB\" is not between 1B and 268435455B")
    }

    @Test func choices() {
        expectProblem(
            "[[route]]\ntopic = \"b\"\nformat = \"xml\"\n",
            "route[2].format: \"xml\" is not one of json, influx, senml, value, blob")
        expectProblem("[mqtt]\nqos = 3\n", "mqtt.qos: 3 is not 0, 1 or 2")
        expectProblem("[mqtt]\nqos = \"1\"\n", "mqtt.qos: \"1\" is not 0, 1 or 2")
        expectProblem("[mqtt]\nprotocol = \"4\"\n", "mqtt.protocol: \"4\" is not \"5\" or \"3.1.1\"")
        expectProblem(
            "[spool]\nfsync = \"sometimes\"\n", "spool.fsync: \"sometimes\" is not one of always, interval, never")
        expectProblem(
            "[log]\nlevel = \"verbose\"\n",
            "log.level: \"verbose\" is not one of trace, debug, info, notice, warning, error, critical")
        expectProblem("[log]\noutput = \"syslog\"\n", "log.output: \"syslog\" is not one of auto, journal, stderr")
    }

    @Test func acceptsProtocolFiveAsAnInteger() throws {
        let configuration = try Configuration.parse(
            text: minimalConfig + "[mqtt]\nprotocol = 5\n", path: configTestPath)
        #expect(configuration.mqtt.protocolVersion == .v5)
    }

    // MARK: Unknown keys

    @Test func unknownKeys() {
        expectProblem("[batch]\nmax_row = 5\n", "batch.max_row: unknown key (did you mean max_rows?)")
        expectProblem("[batch]\nmaxRows = 5\n", "batch.maxRows: unknown key (did you mean max_rows?)")
        expectProblem("[batch]\ncolour = 5\n", "batch.colour: unknown key")
        expectProblem("[mqqt]\n", "mqqt: unknown key (did you mean mqtt?)")
        expectProblem("[[route]]\ntopic = \"b\"\ntabel = \"x\"\n", "route[2].tabel: unknown key (did you mean table?)")
        // A key with a line break is still one line, quoted as TOML writes it.
        expectProblem("[batch]\n\"max\\nrows\" = 5\n", "batch.\"max\\nrows\": unknown key (did you mean max_rows?)")
    }

    // MARK: [mqtt]

    @Test func mqttURL() {
        expectProblem(
            "[mqtt]\nurl = \"tcp://broker:1883\"\n",
            "mqtt.url: \"tcp://broker:1883\" is not an mqtt:// or mqtts:// URL with a host (and port)")
        expectProblem(
            "[mqtt]\nurl = \"mqtt://broker/topic\"\n",
            "mqtt.url: \"mqtt://broker/topic\" is not an mqtt:// or mqtts:// URL with a host (and port)")
        expectProblem(
            "[mqtt]\nurl = \"mqtt://user:pw@broker\"\n",
            "mqtt.url: must not hold credentials; set username and password_file instead")
        expectProblem("[mqtt]\nurl = \"mqtt://broker:70000\"\n", "mqtt.url: port 70000 is not between 1 and 65535")
    }

    @Test func mqttTLSKeysNeedMQTTS() throws {
        let scratch = try ConfigScratchDirectory()
        defer { scratch.remove() }
        let ca = try scratch.write("ca.pem", "ca")
        expectProblem(
            "[mqtt]\nca_file = \"\(ca)\"\n",
            "mqtt.ca_file: needs an mqtts:// url; TLS is off for \"mqtt://127.0.0.1:1883\"")
        expectProblem(
            "[mqtt]\ninsecure = true\n",
            "mqtt.insecure: needs an mqtts:// url; TLS is off for \"mqtt://127.0.0.1:1883\"")
        expectProblem("[mqtt]\nurl = \"mqtts://b\"\ncert_file = \"\(ca)\"\n", "mqtt.cert_file: needs key_file as well")
        expectProblem("[mqtt]\nurl = \"mqtts://b\"\nkey_file = \"\(ca)\"\n", "mqtt.key_file: needs cert_file as well")
        expectProblem(
            "[mqtt]\nurl = \"mqtts://b\"\nca_file = \"/nonexistent/ca.pem\"\n",
            "mqtt.ca_file: cannot read \"/nonexistent/ca.pem\": No such file or directory")
    }

    @Test func mqttSessionAndSubscription() {
        expectProblem(
            "[mqtt]\nreconnect_min = \"10s\"\nreconnect_max = \"5s\"\n",
            "mqtt.reconnect_max: 5s is less than reconnect_min (10s)")
        expectProblem("[mqtt]\nshared_group = \"a/b\"\n", "mqtt.shared_group: \"a/b\" cannot contain /, + or #")
    }

    // MARK: [cratedb]

    @Test func crateDBServers() {
        expectProblem(
            "[cratedb]\nservers = [\"http://a:4200\", \"ftp://x\"]\n",
            "cratedb.servers[2]: \"ftp://x\" is not an http:// or https:// URL")
        expectProblem(
            "[cratedb]\nservers = [\"http://a:4200/_sql\"]\n",
            "cratedb.servers[1]: \"http://a:4200/_sql\" is not an http:// or https:// URL")
        expectProblem("[cratedb]\nservers = []\n", "cratedb.servers: is empty; list at least one CrateDB node")
        expectProblem(
            "[cratedb]\nservers = [\"http://a:4200\", \"a:4200/\"]\n", "cratedb.servers[2]: \"a:4200/\" is listed twice"
        )
        expectProblem(
            "[cratedb]\nservers = [\"http://crate:pw@a:4200\"]\n",
            "cratedb.servers[1]: must not hold credentials; set username and password_file instead")
    }

    @Test func crateDBTLSKeysNeedHTTPS() {
        expectProblem(
            "[cratedb]\nverify_ssl_cert = false\n",
            "cratedb.verify_ssl_cert: needs an https:// server; none of cratedb.servers uses TLS")
        expectProblem(
            "[cratedb]\nca_cert = \"/etc/hostname\"\n",
            "cratedb.ca_cert: needs an https:// server; none of cratedb.servers uses TLS")
    }

    @Test func crateDBNames() {
        expectProblem(
            "[cratedb]\nschema = \"Doc\"\n",
            "cratedb.schema: \"Doc\" is not a CrateDB schema name (lower-case letters, digits and _, starting with a letter)"
        )
        expectProblem(
            "[cratedb]\ndead_letter_table = \"a.b.c\"\n",
            "cratedb.dead_letter_table: \"a.b.c\" is not a CrateDB table name (lower-case letters, digits and _, starting with a letter; optionally schema.table)"
        )
    }

    // MARK: [spool]

    @Test func spoolSizes() {
        expectProblem("[spool]\nmax_size = \"32MiB\"\n", "spool.segment_size: 64MiB is larger than max_size (32MiB)")
        expectProblem(
            "[spool]\nsegment_size = \"16MiB\"\n",
            "spool.segment_size: 16MiB must be larger than mqtt.max_message_size (16MiB) so that a segment holds the largest message"
        )
    }

    @Test func fsyncIntervalOnlyWithIntervalPolicy() {
        expectProblem(
            "[spool]\nfsync = \"never\"\nfsync_interval = \"1s\"\n",
            "spool.fsync_interval: is only used with fsync = \"interval\"; remove it or set fsync")
    }

    // MARK: Routes

    @Test func routesAreRequired() {
        expectProblems("[mqtt]\n", ["route: missing; add at least one [[route]] with a topic filter and a table"])
        expectProblems("route = []\n", ["route: is empty; add at least one [[route]] with a topic"])
        expectProblems(
            "[route]\ntopic = \"a\"\n", ["route: is a single table; write [[route]] (double brackets) before each one"])
        expectProblems("route = [1]\n", ["route[1]: 1 is not a table"])
    }

    @Test func routeTopic() {
        expectProblem(
            "[[route]]\ntable = \"x\"\n",
            "route[2].topic: missing; set the topic filter this route takes, e.g. \"sensors/+device/#\"")
        expectProblem(
            "[[route]]\ntopic = \"a/#rest/b\"\n",
            "route[2].topic: topic filter \"a/#rest/b\": '#' must be the last level")
        expectProblem(
            "[[route]]\ntopic = \"a/+ts\"\n",
            "route[2].topic: topic filter \"a/+ts\": the name \"ts\" is already a column of the route's table; choose another"
        )
        expectProblem(
            "[[route]]\ntopic = \"sensors/#\"\n",
            "route[2].topic: \"sensors/#\" is also the topic of route[1], which takes every message first")
    }

    @Test func routeTable() {
        expectProblem(
            "[[route]]\ntopic = \"b\"\ntable = \"Readings\"\n",
            "route[2].table: \"Readings\" is not a CrateDB table name (lower-case letters, digits and _, starting with a letter; optionally schema.table)"
        )
        expectProblem(
            "[[route]]\ntopic = \"b\"\ntable = \"doc.cratefeed_dead_letters\"\n",
            "route[2].table: \"doc.cratefeed_dead_letters\" is the dead-letter table (cratedb.dead_letter_table)")
    }

    @Test func routeTimestamp() {
        expectProblem(
            "[[route]]\ntopic = \"b\"\ntimestamp = \"meta..time\"\n",
            "route[2].timestamp: \"meta..time\" is not a field path (names joined by dots)")
        expectProblem(
            "[[route]]\ntopic = \"b\"\ntimestamp_format = \"ms\"\n",
            "route[2].timestamp_format: needs timestamp (the field to read)")
        expectProblem(
            "[[route]]\ntopic = \"b\"\ntimestamp = \"ts\"\ntimezone = \"Mars/Olympus\"\n",
            "route[2].timezone: \"Mars/Olympus\" is not a time zone (such as \"UTC\" or \"Europe/Berlin\")")
        expectProblem(
            "[[route]]\ntopic = \"b\"\nformat = \"influx\"\ntimestamp = \"ts\"\n",
            "route[2].timestamp: is only for json routes; line protocol carries its own timestamps")
        expectProblem(
            "[[route]]\ntopic = \"b\"\nformat = \"value\"\ntimestamp = \"ts\"\n",
            "route[2].timestamp: is only for json routes; a value route has no payload fields to take it from (rows get the time of receipt)"
        )
        expectProblem(
            "[[route]]\ntopic = \"b\"\nformat = \"senml\"\ntimezone = \"UTC\"\n",
            "route[2].timezone: is only for json routes")
        expectProblem("[[route]]\ntopic = \"b\"\nprecision = \"ms\"\n", "route[2].precision: is only for influx routes")
    }

    @Test func routeBlobKeys() {
        expectProblem(
            "[[route]]\ntopic = \"b\"\nformat = \"influx\"\nblob_fields = [\"img\"]\n",
            "route[2].blob_fields: is only for json routes")
        expectProblem(
            "[[route]]\ntopic = \"b\"\nblob_fields = [\"img\", \"\"]\n",
            "route[2].blob_fields[2]: \"\" is not a field path (names joined by dots)")
        expectProblem(
            "[[route]]\ntopic = \"b\"\nblob_table = \"b\"\n",
            "route[2].blob_table: is only for blob routes and json routes with blob_fields")
        expectProblem(
            "[[route]]\ntopic = \"b\"\nformat = \"blob\"\ntable = \"frames\"\nblob_table = \"blob.frames\"\n",
            "route[2].blob_table: \"blob.frames\" is not a CrateDB blob table name (lower-case letters, digits and _, starting with a letter); blob tables have no schema"
        )
        expectProblem(
            "[[route]]\ntopic = \"b\"\ncontent_type = \"image/png\"\n",
            "route[2].content_type: is only for blob routes")
        expectProblem(
            "[[route]]\ntopic = \"b\"\nformat = \"blob\"\ntable = \"frames\"\ncontent_type = \"jpeg\"\n",
            "route[2].content_type: \"jpeg\" is not a content type such as \"image/jpeg\"")
    }

    @Test func routeColumns() {
        expectProblem(
            "[[route]]\ntopic = \"b\"\nformat = \"blob\"\ntable = \"x\"\n[route.columns]\nt = \"temp\"\n",
            "route[2].columns: is not for blob routes: a blob has no fields (its row holds digest, size and content_type)"
        )
        expectProblems(
            "[[route]]\ntopic = \"b\"\n[route.columns]\nt = \"temp\"\n",
            ["route[1].columns: needs table: the existing table the fields are written to"])
        expectProblem(
            "[[route]]\ntopic = \"b\"\ntable = \"x\"\n[route.columns]\n",
            "route[2].columns: maps no fields; remove it to use the default layout")
        expectProblem(
            "[[route]]\ntopic = \"b\"\ntable = \"x\"\n[route.columns]\nt = \"Temp\"\n",
            "route[2].columns.t: \"Temp\" is not a CrateDB column name (lower-case letters, digits and _, starting with a letter)"
        )
        expectProblem(
            "[[route]]\ntopic = \"b\"\ntable = \"x\"\n[route.columns]\nt = 5\n",
            "route[2].columns.t: 5 is not a column name (a string)")
        expectProblem(
            "[[route]]\ntopic = \"b\"\ntable = \"x\"\n[route.columns]\na = \"v\"\nb.c = \"v\"\n",
            "route[2].columns.b.c: column \"v\" is already mapped from a")
        expectProblem(
            "[[route]]\ntopic = \"b/+line\"\ntable = \"x\"\n[route.columns]\na = \"line\"\n",
            "route[2].columns.a: column \"line\" is written by cratefeed itself (id, ts, received_at, topic, line)")
    }

    @Test func overlappingTopicsThatWouldBeDeliveredTwiceAreRefused() {
        expectProblem(
            "[[route]]\ntopic = \"o/+x/special\"\ntable = \"o\"\n[[route]]\ntopic = \"o/a/+y\"\ntable = \"p\"\n",
            "route[3].topic: \"o/a/+y\" and route[2]'s \"o/+x/special\" match some topics in common and neither covers "
                + "the other, so the broker would deliver those messages twice; make them disjoint, or widen this one "
                + "to cover route[2]'s (which still takes its messages first)")
        // One covering the other is fine: only the wider filter is subscribed.
        expectProblems(
            minimalConfig + "[[route]]\ntopic = \"o/+x/special\"\ntable = \"o\"\n[[route]]\ntopic = \"o/+x/+y\"\ntable = \"p\"\n", [])
    }

    @Test func routesSharingATableNeedTheSameWildcardColumns() {
        expectProblem(
            "[[route]]\ntopic = \"plant/+line\"\ntable = \"shared\"\n[[route]]\ntopic = \"yard/+gate\"\ntable = \"shared\"\n",
            "route[3].table: \"shared\" is written by route[2] with the default layout (wildcard columns line) and by "
                + "this route with the default layout (wildcard columns gate); give each its own table")
        expectProblems(
            minimalConfig + "[[route]]\ntopic = \"plant/+line\"\ntable = \"shared\"\n[[route]]\ntopic = \"yard/+line\"\ntable = \"shared\"\n", [])
    }

    @Test func aTableHasOneLayout() {
        expectProblem(
            "[[route]]\ntopic = \"b\"\ntable = \"readings\"\n[route.columns]\nt = \"temp\"\n",
            "route[2].table: \"readings\" is written by route[1] with the default layout and by this route with "
                + "mapped columns; give each its own table")
        expectProblem(
            "[[route]]\ntopic = \"b\"\nformat = \"blob\"\n",
            "route[2].table: \"readings\" is written by route[1] with the default layout and by this route with "
                + "the blob layout; give each its own table")
        expectProblems(
            """
            [[route]]
            topic = "a"
            table = "doc.plant"
            [route.columns]
            t = "temp"
            [[route]]
            topic = "b"
            table = "plant"
            """,
            [
                "route[2].table: \"plant\" is written by route[1] with mapped columns and by this route with the "
                    + "default layout; give each its own table"
            ])
    }
}
