import Testing
@testable import CrateDB

@Suite struct SQLResultTests {
    @Test func bulkOutcomesFollowCrateDBShapes() throws {
        let json = try JSONParser.parse(
            #"{"cols":[],"duration":1.5,"results":[{"rowcount":1},{"rowcount":0},{"rowcount":-2,"error":{"code":4091,"message":"DuplicateKeyException[A document with the same primary key exists already]"}},{"rowcount":-2}]}"#
        )
        let bulk = try BulkResult(json: json)
        #expect(bulk.rowCount == 1)
        #expect(bulk.failedIndices == [2, 3])
        #expect(bulk.outcomes[1] == .applied(rowCount: 0))
        guard case .failed(let error?) = bulk.outcomes[2] else {
            Issue.record("expected a failure with an error")
            return
        }
        #expect(error.isDuplicateKey)
        #expect(bulk.outcomes[3] == .failed(nil))
    }

    /// CrateDB 5.0-5.9 may name a failed row's error in a plain `error_message`.
    @Test func anOlderCrateDBsErrorMessageNamesTheRowsError() throws {
        let json = try JSONParser.parse(
            #"{"cols":[],"duration":1,"results":[{"rowcount":1},{"rowcount":-2,"error_message":"DuplicateKeyException[A document with the same primary key exists already]"}]}"#
        )
        let bulk = try BulkResult(json: json)
        #expect(bulk.failedIndices == [1])
        guard case .failed(let error?) = bulk.outcomes[1] else {
            Issue.record("expected a failure with an error, got \(bulk.outcomes[1])")
            return
        }
        #expect(error.message == "DuplicateKeyException[A document with the same primary key exists already]")
        #expect(error.code == 0 && error.status == 200)
    }

    @Test(arguments: [
        #"{"cols":[],"duration":1.5,"results":[{"rowcount":1},{"rowcount":0},{"rowcount":-1}]}"#,
        #"{"cols":[],"col_types":[],"duration":0.25,"results":[{"rowcount":1}]}"#,
        #"{"results":[],"duration":3,"cols":[]}"#,
    ])
    func theCompactReaderAgreesWithTheGeneralParser(_ text: String) throws {
        let compact = try #require(BulkResult(compact: Array(text.utf8)))
        let general = try BulkResult(json: try JSONParser.parse(text))
        #expect(compact.outcomes == general.outcomes)
        #expect(compact.duration == general.duration)
    }

    @Test(arguments: [
        // A failed row (its error object), spacing, another key, a nested value, trailing bytes, no results.
        #"{"cols":[],"duration":1.5,"results":[{"rowcount":1},{"rowcount":-2,"error":{"code":4091,"message":"x"}}]}"#,
        #"{"cols":[],"duration":1.5,"results":[{"rowcount":-2}]}"#,
        #"{"cols": [], "duration": 1.5, "results": [{"rowcount": 1}]}"#,
        #"{"cols":[],"duration":1.5,"results":[{"rowcount":1}],"error_trace":"t"}"#,
        #"{"cols":["a"],"duration":1.5,"results":[{"rowcount":1}]}"#,
        #"{"cols":[],"duration":1.5,"results":[{"rowcount":1}]} "#,
        #"{"cols":[],"duration":1.5}"#,
        #"{"cols":[],"duration":1.5,"results":[{"rowcount":1}"#,
    ])
    func theCompactReaderLeavesEverythingElseToTheGeneralParser(_ text: String) {
        #expect(BulkResult(compact: Array(text.utf8)) == nil)
    }

    @Test func geoPointsAndNestedArrays() throws {
        let json = try JSONParser.parse(
            #"{"cols":["p","ts"],"col_types":[13,[100,11]],"rows":[[[9.5,47.25],[1,2]]],"rowcount":1,"duration":0}"#)
        let result = try SQLResult(json: json)
        #expect(result.rows[0] == [.geoPoint(longitude: 9.5, latitude: 47.25), .array([.timestamp(1), .timestamp(2)])])
    }

    @Test func serverErrorsCarryCodeMessageAndStatus() {
        let response = HTTPResponse(
            status: 404, headers: [:], body: Array(#"{"error":{"message":"RelationUnknown[Relation 'doc.t' unknown]","code":4041}}"#.utf8))
        let error = Connection.serverError(response, json: try? JSONParser.parse(response.body))
        #expect(error == ServerError(code: 4041, message: "RelationUnknown[Relation 'doc.t' unknown]", status: 404))
        #expect(error.isUnknownRelation)
    }

    @Test func plainTextErrorsKeepTheirText() {
        let response = HTTPResponse(status: 401, headers: [:], body: Array("trust authentication failed for user \"x\"\n".utf8))
        let error = Connection.serverError(response, json: nil)
        #expect(error.status == 401 && error.isAuthenticationFailure)
        #expect(error.message == "trust authentication failed for user \"x\"")
    }
}
