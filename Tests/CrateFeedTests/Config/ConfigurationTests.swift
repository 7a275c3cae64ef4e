import Foundation
import Logging
import Testing

@testable import CrateFeed

@Suite struct ConfigurationTests {
    @Test func fillsInEveryDefault() throws {
        let configuration = try Configuration.parse(text: minimalConfig, path: configTestPath)

        var expected = Configuration()
        expected.routes = [RouteSettings(topic: "sensors/#")]
        #expect(configuration == expected)

        #expect(configuration.mqtt.url == "mqtt://127.0.0.1:1883")
        #expect(configuration.mqtt.host == "127.0.0.1")
        #expect(configuration.mqtt.port == 1883)
        #expect(!configuration.mqtt.usesTLS)
        #expect(configuration.mqtt.clientID == "cratefeed")
        #expect(configuration.mqtt.qos == .atLeastOnce)
        #expect(!configuration.mqtt.cleanSession)
        #expect(configuration.mqtt.protocolVersion == .v5)
        #expect(configuration.mqtt.keepalive == 30)
        #expect(configuration.mqtt.sessionExpiry == 604_800)
        #expect(configuration.mqtt.reconnectMin == 1)
        #expect(configuration.mqtt.reconnectMax == 60)
        #expect(configuration.mqtt.sharedGroup == nil)
        #expect(!configuration.mqtt.insecure)
        #expect(configuration.mqtt.password == nil)
        #expect(configuration.mqtt.maxMessageSize == 16 << 20)

        #expect(configuration.cratedb.servers == ["http://127.0.0.1:4200"])
        #expect(configuration.cratedb.verifySSLCert)
        #expect(configuration.cratedb.timeout == 30)
        #expect(configuration.cratedb.connectTimeout == 5)
        #expect(configuration.cratedb.retryInterval == 30)
        #expect(configuration.cratedb.schema == "doc")
        #expect(configuration.cratedb.deadLetterTable == "cratefeed_dead_letters")

        #expect(configuration.spool.directory == "/var/lib/cratefeed")
        #expect(configuration.spool.maxSize == 1 << 30)
        #expect(configuration.spool.segmentSize == 64 << 20)
        #expect(configuration.spool.fsync == .interval)
        #expect(configuration.spool.fsyncInterval == 1)

        #expect(configuration.batch.maxRows == 5000)
        #expect(configuration.batch.maxBytes == 4 << 20)
        #expect(configuration.batch.maxDelay == 1)
        #expect(configuration.batch.inFlight == 0)
        #expect(configuration.batchesInFlight == 1)
        #expect(configuration.batch.shutdownTimeout == 20)
        #expect(configuration.log.level == .info)
        #expect(configuration.log.output == .auto)
        #expect(configuration.systemd.statusInterval == 5)

        let route = try #require(configuration.routes.first)
        #expect(route.format == .json)
        #expect(route.table == "readings")
        #expect(route.timestamp == nil)
        #expect(route.timestampFormat == .auto)
        #expect(route.timezone.secondsFromGMT() == 0)
        #expect(route.blobTable == nil)
        #expect(route.blobFields.isEmpty)
        #expect(route.usesDefaultLayout)
    }

    @Test func readsEveryKeyOfEveryType() throws {
        let scratch = try ConfigScratchDirectory()
        defer { scratch.remove() }
        let ca = try scratch.write("ca.pem", "ca")
        let cert = try scratch.write("cert.pem", "cert")
        let key = try scratch.write("key.pem", "key")
        let text = """
            [mqtt]
            url = "mqtts://[::1]"
            client_id = "feed-2"
            qos = 2
            clean_session = true
            protocol = "3.1.1"
            keepalive = 45
            session_expiry = "1h30m"
            reconnect_min = "250ms"
            reconnect_max = 120.5
            shared_group = "feeders"
            ca_file = "\(ca)"
            cert_file = "\(cert)"
            key_file = "\(key)"
            insecure = true
            username = "mqtt-user"
            max_message_size = 1048576

            [cratedb]
            servers = ["https://a:4200/", "b:4201"]
            username = "crate"
            ca_cert = "\(ca)"
            verify_ssl_cert = false
            cert_file = "\(cert)"
            key_file = "\(key)"
            timeout = "1m"
            connect_timeout = "2s"
            retry_interval = "10s"
            schema = "iot"
            dead_letter_table = "ops.dead"
            gzip = true

            [spool]
            dir = "spool"
            max_size = "10GB"
            segment_size = "1.5MiB"
            fsync = "always"

            [batch]
            max_rows = 100
            max_bytes = "512KiB"
            max_delay = "250ms"
            in_flight = 4
            shutdown_timeout = "5s"

            [log]
            level = "debug"
            output = "journal"

            [systemd]
            status_interval = "2s"

            [[route]]
            topic = "sensors/+device/+sensor"
            format = "json"
            table = "iot.readings"
            timestamp = "meta.time"
            timestamp_format = "iso8601"
            timezone = "Europe/Berlin"
            blob_fields = ["image", "extra.thumb"]

            [[route]]
            topic = "lp/#rest"
            format = "influx"
            table = "metrics"
            precision = "ms"

            [[route]]
            topic = "cam/+camera"
            format = "blob"
            table = "frames"
            blob_table = "camera_frames"
            content_type = "image/jpeg"

            [[route]]
            topic = "plant/+line"
            format = "value"
            table = "plant.status"
            [route.columns]
            state = "state_text"
            "motor.rpm" = "rpm"
            room.temp = "temperature"

            [[route]]
            topic = "senml/+device/+sensor"
            format = "senml"
            """
        let configuration = try Configuration.parse(text: text, path: configTestPath)

        let mqtt = configuration.mqtt
        #expect(mqtt.url == "mqtts://[::1]")
        #expect(mqtt.host == "::1")
        #expect(mqtt.port == 8883)
        #expect(mqtt.usesTLS)
        #expect(mqtt.clientID == "feed-2")
        #expect(mqtt.qos == .exactlyOnce)
        #expect(mqtt.cleanSession)
        #expect(mqtt.protocolVersion == .v311)
        #expect(mqtt.keepalive == 45)
        #expect(mqtt.sessionExpiry == 5400)
        #expect(mqtt.reconnectMin == 0.25)
        #expect(mqtt.reconnectMax == 120.5)
        #expect(mqtt.sharedGroup == "feeders")
        #expect(mqtt.caFile == ca && mqtt.certFile == cert && mqtt.keyFile == key)
        #expect(mqtt.insecure)
        #expect(mqtt.username == "mqtt-user")
        #expect(mqtt.maxMessageSize == 1 << 20)

        let cratedb = configuration.cratedb
        #expect(cratedb.servers == ["https://a:4200", "http://b:4201"])
        #expect(cratedb.username == "crate")
        #expect(cratedb.caCert == ca && cratedb.certFile == cert && cratedb.keyFile == key)
        #expect(!cratedb.verifySSLCert)
        #expect(cratedb.timeout == 60)
        #expect(cratedb.connectTimeout == 2)
        #expect(cratedb.retryInterval == 10)
        #expect(cratedb.schema == "iot")
        #expect(cratedb.deadLetterTable == "ops.dead")
        #expect(cratedb.gzip && configuration.connectionConfiguration().transport.gzipThreshold != nil)
        #expect(CrateDBSettings().connectionConfiguration().transport.gzipThreshold == nil)

        #expect(configuration.spool.directory == "spool")
        #expect(configuration.spool.maxSize == 10_000_000_000)
        #expect(configuration.spool.segmentSize == 1_572_864)
        #expect(configuration.spool.fsync == .always)
        #expect(configuration.batch.maxRows == 100)
        #expect(configuration.batch.maxBytes == 512 * 1024)
        #expect(configuration.batch.maxDelay == 0.25)
        #expect(configuration.batch.inFlight == 4)
        #expect(configuration.batchesInFlight == 4)
        #expect(configuration.batch.shutdownTimeout == 5)
        #expect(configuration.log.level == .debug)
        #expect(configuration.log.output == .journal)
        #expect(configuration.systemd.statusInterval == 2)

        let routes = configuration.routes
        try #require(routes.count == 5)
        #expect(routes[0].table == "iot.readings")
        #expect(routes[0].timestamp == "meta.time")
        #expect(routes[0].timestampPath == ["meta", "time"])
        #expect(routes[0].timestampFormat == .iso8601)
        #expect(routes[0].timezone.identifier == "Europe/Berlin")
        #expect(routes[0].blobFields == ["image", "extra.thumb"])
        #expect(routes[0].blobTable == "readings_blobs")
        #expect(routes[1].format == .influx)
        #expect(routes[1].precision == .ms)
        #expect(routes[1].blobTable == nil)
        #expect(routes[2].format == .blob)
        #expect(routes[2].blobTable == "camera_frames")
        #expect(routes[2].contentType == "image/jpeg")
        #expect(routes[3].format == .value)
        #expect(
            routes[3].columns == [
                .init(field: "motor.rpm", column: "rpm"), .init(field: "room.temp", column: "temperature"),
                .init(field: "state", column: "state_text"),
            ])
        #expect(!routes[3].usesDefaultLayout)
        #expect(routes[4].format == .senml)
        #expect(routes[4].table == "readings")

        // The effective description is TOML that reads back into the same configuration.
        let again = try Configuration.parse(text: configuration.effectiveDescription(), path: "effective")
        #expect(again == configuration)
    }

    @Test func fsyncIntervalDefaultsToTheBatchDelay() throws {
        let configuration = try Configuration.parse(
            text: minimalConfig + "[batch]\nmax_delay = \"3s\"\n", path: configTestPath)
        #expect(configuration.spool.fsyncInterval == 3)
        let explicit = try Configuration.parse(
            text: minimalConfig + "[spool]\nfsync_interval = \"200ms\"\n", path: configTestPath)
        #expect(explicit.spool.fsyncInterval == 0.2)
    }

    @Test func theDocumentedExampleIsValid() throws {
        let path = configRepositoryRoot.appendingPathComponent("config/cratefeed.toml").path
        let configuration = try Configuration.load(path: path, environment: [:])
        #expect(configuration.routes.count >= 1)
        // It states the defaults: apart from its routes, it equals the built-in configuration.
        var defaults = Configuration()
        defaults.routes = configuration.routes
        #expect(configuration == defaults)
        let again = try Configuration.parse(text: configuration.effectiveDescription(), path: "effective")
        #expect(again == configuration)
    }

    @Test func mapsTheCrateDBSectionToTheClientConfiguration() throws {
        let scratch = try ConfigScratchDirectory()
        defer { scratch.remove() }
        let ca = try scratch.write("ca.pem", "ca")
        let password = try scratch.write("pw", "s3cret\n")
        let configuration = try Configuration.parse(
            text: minimalConfig + """
                [cratedb]
                servers = ["https://a:4200", "https://b:4200", "https://c:4200"]
                username = "crate"
                password_file = "\(password)"
                ca_cert = "\(ca)"
                timeout = "45s"
                connect_timeout = "3s"
                retry_interval = "12s"
                schema = "iot"
                [batch]
                in_flight = 12
                """, path: configTestPath)

        let client = configuration.connectionConfiguration()
        #expect(client.servers == ["https://a:4200", "https://b:4200", "https://c:4200"])
        #expect(client.username == "crate")
        #expect(client.password == "s3cret")
        #expect(client.defaultSchema == "iot")
        #expect(client.retryInterval == 12)
        #expect(client.transport.requestTimeout == 45)
        #expect(client.transport.connectTimeout == 3)
        #expect(client.transport.tls.verifyPeer)
        #expect(client.transport.tls.caCertPath == ca)
        #expect(client.transport.tls.clientCertPath == nil)
        #expect(client.transport.maxConnectionsPerHost == 12)
    }
}
