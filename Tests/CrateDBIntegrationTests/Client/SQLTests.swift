import CrateDB
import Foundation
import Testing

/// Statements, cursors, bulk requests, errors and typed rows against CrateDB (or the stand-in).
@Suite struct SQLTests {
    /// Runs a test body on a fresh cluster (or the real one) with a filled table, and always cleans up.
    private func withLocations(_ body: (Connection, String, TestCluster) async throws -> Void) async throws {
        let cluster = try TestCluster.start()
        defer { cluster.stop() }
        let connection = try cluster.connect()
        defer { connection.close() }
        let table = TestCluster.uniqueName("locations")
        try await connection.execute(
            """
            CREATE TABLE \(table) (id INTEGER PRIMARY KEY, name TEXT, born TIMESTAMP WITH TIME ZONE,
              details OBJECT(DYNAMIC) AS (age INTEGER), more_details ARRAY(OBJECT(DYNAMIC)), position GEO_POINT)
            """)
        do {
            let rows: [[SQLValue]] = [
                [1, "Ann", .timestamp(1_373_932_800_000), ["age": 30], [["age": 1]], [9.5, 47.25]],
                [2, "Tong", .timestamp(1_373_932_800_001), ["age": 40], [], nil],
                [3, "Alissa Carl", nil, nil, nil, nil],
            ]
            let bulk = try await connection.executeBulk(
                "INSERT INTO \(table) (id, name, born, details, more_details, position) VALUES (?, ?, ?, ?, ?, ?)", rows)
            #expect(bulk.outcomes == Array(repeating: .applied(rowCount: 1), count: 3))
            try await connection.execute("REFRESH TABLE \(table)")
            try await body(connection, table, cluster)
        } catch {
            _ = try? await connection.execute("DROP TABLE IF EXISTS \(table)")
            throw error
        }
        try await connection.execute("DROP TABLE IF EXISTS \(table)")
    }

    @Test func cursorFetchesAsTheSeedTutorialShows() async throws {
        try await withLocations { connection, table, _ in
            let cursor = connection.cursor()
            try await cursor.execute("SELECT name FROM \(table) WHERE name = ?", ["Ann"])
            #expect(cursor.fetchOne() == ["Ann"])
            #expect(cursor.fetchOne() == nil)

            try await cursor.execute("SELECT name FROM \(table) ORDER BY name")
            #expect(cursor.fetchMany(2) == [["Alissa Carl"], ["Ann"]])
            #expect(cursor.fetchMany() == [["Tong"]])
            #expect(cursor.fetchMany() == [])

            try await cursor.execute("SELECT name FROM \(table) ORDER BY name")
            #expect(cursor.fetchMany(0).count == 3)
            try await cursor.execute("SELECT name FROM \(table) ORDER BY name")
            #expect(cursor.fetchAll() == [["Alissa Carl"], ["Ann"], ["Tong"]])
            #expect(cursor.rowCount == 3)

            try await cursor.execute("SELECT id, name, born FROM \(table) ORDER BY id")
            #expect(cursor.description == ["id", "name", "born"])
            #expect(cursor.columnTypes == [.integer, .text, .timestamp])
            #expect(Array(cursor).map { $0[0] } == [1, 2, 3])
        }
    }

    @Test func valuesComeBackTyped() async throws {
        try await withLocations { connection, table, _ in
            let result = try await connection.execute(
                "SELECT born, details, more_details, position, details['age'] FROM \(table) WHERE id = $1", [1])
            #expect(result.rows.count == 1)
            let row = result.rows[0]
            #expect(row[0] == .timestamp(1_373_932_800_000))
            #expect(row[1] == ["age": 30])
            #expect(row[2] == [["age": 1]])
            #expect(row[3] == .geoPoint(longitude: 9.5, latitude: 47.25))
            #expect(row[4] == 30)
        }
    }

    @Test func rowsDecodeIntoStructs() async throws {
        try await withLocations { connection, table, _ in
            struct Details: Decodable, Equatable { let age: Int }
            struct Location: Decodable, Equatable {
                let name: String
                let born: Date?
                let details: Details?
                let more_details: [Details]?
            }
            let locations = try await connection.query(Location.self, "SELECT name, born, details, more_details FROM \(table) ORDER BY id")
            #expect(locations.count == 3)
            #expect(locations[0] == Location(name: "Ann", born: Date(timeIntervalSince1970: 1_373_932_800), details: Details(age: 30), more_details: [Details(age: 1)]))
            #expect(locations[2].born == nil && locations[2].details == nil)

            let cursor = connection.cursor()
            try await cursor.execute("SELECT name, details FROM \(table) WHERE id = 2")
            struct Named: Decodable { let name: String; let details: [String: SQLValue] }
            let named = try cursor.fetchOne(as: Named.self)
            #expect(named?.name == "Tong" && named?.details["age"] == 40)
        }
    }

    @Test func bulkReportsEachRow() async throws {
        try await withLocations { connection, table, _ in
            let cursor = connection.cursor()
            let conflicting = try await cursor.executeMany(
                "INSERT INTO \(table) (id, name) VALUES (?, ?) ON CONFLICT (id) DO NOTHING", [[1, "again"], [10, "new"]])
            #expect(conflicting.outcomes == [.applied(rowCount: 0), .applied(rowCount: 1)])
            #expect(cursor.rowCount == 1)

            let duplicate = try await connection.executeBulk("INSERT INTO \(table) (id, name) VALUES (?, ?)", [[11, "x"], [1, "dup"]])
            #expect(duplicate.outcomes[0] == .applied(rowCount: 1))
            guard case .failed(let error) = duplicate.outcomes[1] else {
                Issue.record("a duplicate key must fail its row: \(duplicate.outcomes)")
                return
            }
            if let error { #expect(error.code == 4091) }
        }
    }

    @Test func aCastErrorRejectsTheWholeBulkRequest() async throws {
        try await withLocations { connection, table, _ in
            await #expect {
                try await connection.executeBulk("INSERT INTO \(table) (id, name) VALUES (?, ?)", [[20, "ok"], ["abc", "bad"]])
            } throws: { error in
                (error as? CrateDBError)?.serverError.map { $0.status == 400 && $0.code == 4000 } ?? false
            }
            try await connection.execute("REFRESH TABLE \(table)")
            let count = try await connection.execute("SELECT count(*) FROM \(table) WHERE id = 20")
            #expect(count.rows == [[0]])
        }
    }

    @Test func errorsCarryCrateDBCodes() async throws {
        try await withLocations { connection, table, _ in
            await #expect {
                try await connection.execute("INSERT INTO \(table) (id, name) VALUES (?, ?)", [1, "dup"])
            } throws: { error in
                (error as? CrateDBError)?.serverError.map { $0.code == 4091 && $0.status == 409 } ?? false
            }
            await #expect {
                try await connection.execute("SELECT * FROM no_such_table_here")
            } throws: { error in
                (error as? CrateDBError)?.serverError.map { $0.code == 4041 && $0.status == 404 } ?? false
            }
            await #expect {
                try await connection.execute("SELEKT 1")
            } throws: { error in
                (error as? CrateDBError)?.serverError.map { $0.code == 4000 && $0.status == 400 } ?? false
            }
        }
    }

    /// `Default-Schema` decides where unqualified names go: with a schema of our own, an unqualified table
    /// is that schema's, and without it the same name means `doc`'s (where there is no such table).
    @Test func defaultSchemaResolvesUnqualifiedNames() async throws {
        let cluster = try TestCluster.start()
        defer { cluster.stop() }
        let schema = TestCluster.uniqueName("schema")
        let table = TestCluster.uniqueName("scoped")
        let plain = try cluster.connect()
        defer { plain.close() }
        let scoped = try cluster.connect { $0.defaultSchema = schema }
        defer { scoped.close() }
        try await scoped.execute("CREATE TABLE \(table) (id INTEGER PRIMARY KEY, v TEXT)")
        do {
            try await scoped.execute("INSERT INTO \(table) (id, v) VALUES (?, ?)", [1, "in the schema"])
            try await scoped.execute("REFRESH TABLE \(table)")

            #expect(try await scoped.execute("SELECT v FROM \(table)").rows == [["in the schema"]])
            #expect(try await plain.execute("SELECT v FROM \(schema).\(table)").rows == [["in the schema"]])
            let placed = try await plain.execute(
                "SELECT table_schema FROM information_schema.tables WHERE table_name = ?", [.text(table)])
            #expect(placed.rows == [[.text(schema)]])
            await #expect {
                try await plain.execute("SELECT v FROM \(table)")
            } throws: { error in
                (error as? CrateDBError)?.serverError?.code == 4041
            }
        } catch {
            _ = try? await plain.execute("DROP TABLE IF EXISTS \(schema).\(table)")
            throw error
        }
        try await plain.execute("DROP TABLE IF EXISTS \(schema).\(table)")
    }
}
