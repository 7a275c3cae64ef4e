import Glibc

/// The payload format of the simulated environment readings.
public enum FleetPayloadFormat: String, Sendable, CaseIterable {
    /// `{"ts":1712345678901,"seq":7,"temperature":21.53,"humidity":40.2,"battery":3.71,"status":"ok"}`
    case json
    /// `env,device=dev0001 temperature=21.53,humidity=40.2,battery=3.71,seq=7i,status="ok" 1712345678901000000`
    case influx
    /// RFC 8428 SenML JSON: a record per measurement; base name `urn:dev:<device>:`, base time in seconds.
    case senml
}

/// A fleet of simulated sensor devices: each message is one device's next reading, built into the
/// generator's own buffers with no allocation, so the simulator can publish as fast as the broker takes it.
///
/// Devices are `dev0001`, `dev0002`, ... and take turns. A device's temperature, humidity and battery drift
/// slowly from its own starting point; the battery drains and is recharged. Each message carries the
/// device's sequence number `seq`, counting all its messages from 1, so a consumer can check that every one
/// arrived once. With attachments about one message in a hundred is a camera frame instead:
/// `{"ts":...,"seq":...,"image":"<base64 of a small fake JPEG>"}` on `<prefix>/<device>/camera`.
public final class FleetGenerator {
    public let deviceCount: Int
    public let format: FleetPayloadFormat
    public let attachments: Bool
    public let topicPrefix: String

    private var devices: [DeviceState]
    private var random: SimulationRandom
    private var nextDevice = 0
    /// NUL-terminated topics, `<prefix>/<device>/env` and `<prefix>/<device>/camera` for each device.
    private let readingTopics: [UnsafeMutablePointer<CChar>]
    private let cameraTopics: [UnsafeMutablePointer<CChar>]
    private let deviceNames: [[UInt8]]
    private let payloadBuffer: UnsafeMutablePointer<UInt8>
    private let imageBuffer: UnsafeMutablePointer<UInt8>
    private var payload: PayloadWriter

    /// One in this many messages is a camera frame when attachments are on.
    static let cameraEvery = 100
    static let imageSizes = 512...4096
    private static let payloadCapacity = 8192
    /// SOI, then an APP0 segment saying JFIF 1.1.
    private static let jpegHeader: [UInt8] = [
        0xFF, 0xD8, 0xFF, 0xE0, 0x00, 0x10, 0x4A, 0x46, 0x49, 0x46, 0x00, 0x01, 0x01, 0x00, 0x00, 0x01, 0x00, 0x01,
        0x00, 0x00,
    ]

    private struct DeviceState {
        var temperature: Double
        var humidity: Double
        var battery: Double
        let baseTemperature: Double
        let baseHumidity: Double
        var sequence: Int64 = 0
    }

    public init(devices: Int, format: FleetPayloadFormat = .json, attachments: Bool = false,
                topicPrefix: String = "sensors", seed: UInt64 = 1) throws {
        guard devices >= 1 else { throw SimulationError("--devices must be at least 1, not \(devices)") }
        guard !topicPrefix.isEmpty, !topicPrefix.contains(where: { "+#\0".contains($0) }) else {
            throw SimulationError("--topic-prefix \"\(topicPrefix)\" must be a non-empty topic without + or #")
        }
        deviceCount = devices
        self.format = format
        self.attachments = attachments
        self.topicPrefix = topicPrefix
        random = SimulationRandom(seed: seed)

        let width = max(4, String(devices).count)
        let names = (1...devices).map { number -> String in
            let digits = String(number)
            return "dev" + String(repeating: "0", count: width - digits.count) + digits
        }
        deviceNames = names.map { Array($0.utf8) }
        readingTopics = names.map { strdup("\(topicPrefix)/\($0)/env")! }
        cameraTopics = names.map { strdup("\(topicPrefix)/\($0)/camera")! }

        var seeded = random
        self.devices = (0..<devices).map { _ in
            let temperature = seeded.uniform(18...26)
            let humidity = seeded.uniform(30...60)
            return DeviceState(
                temperature: temperature, humidity: humidity, battery: seeded.uniform(3.5...4.2),
                baseTemperature: temperature, baseHumidity: humidity)
        }
        random = seeded

        payloadBuffer = .allocate(capacity: Self.payloadCapacity)
        imageBuffer = .allocate(capacity: Self.imageSizes.upperBound)
        payload = PayloadWriter(base: payloadBuffer, capacity: Self.payloadCapacity)
    }

    deinit {
        readingTopics.forEach { free($0) }
        cameraTopics.forEach { free($0) }
        payloadBuffer.deallocate()
        imageBuffer.deallocate()
    }

    /// The device name for an index from 0, e.g. `dev0001` for 0.
    public func deviceName(_ index: Int) -> String {
        String(decoding: deviceNames[index], as: UTF8.self)
    }

    /// Builds the next message, stamped `timestampMilliseconds` (epoch), and passes its NUL-terminated topic
    /// and its payload to `body`. Both point into the generator's buffers: valid only during the call.
    public func next<Result>(
        at timestampMilliseconds: Int64, _ body: (UnsafePointer<CChar>, UnsafeRawBufferPointer) throws -> Result
    ) rethrows -> Result {
        let index = nextDevice
        nextDevice = nextDevice + 1 == deviceCount ? 0 : nextDevice + 1
        devices[index].sequence += 1
        payload.reset()
        if attachments && random.next() % UInt64(Self.cameraEvery) == 0 {
            writeCameraFrame(device: index, at: timestampMilliseconds)
            return try body(cameraTopics[index], payload.bytes)
        }
        drift(&devices[index])
        switch format {
        case .json: writeJSON(device: index, at: timestampMilliseconds)
        case .influx: writeInflux(device: index, at: timestampMilliseconds)
        case .senml: writeSenML(device: index, at: timestampMilliseconds)
        }
        return try body(readingTopics[index], payload.bytes)
    }

    // MARK: - Values

    /// A small random step, pulled back towards the device's own level so values stay plausible for days.
    private func drift(_ device: inout DeviceState) {
        device.temperature += random.uniform(-0.05...0.05) + (device.baseTemperature - device.temperature) * 0.01
        device.humidity += random.uniform(-0.2...0.2) + (device.baseHumidity - device.humidity) * 0.01
        device.humidity = min(100, max(0, device.humidity))
        device.battery -= random.uniform(0...0.0002)
        if device.battery < 3.2 { device.battery = 4.2 }  // recharged
    }

    private func status(_ device: DeviceState) -> StaticString {
        device.battery < 3.4 ? "low_battery" : "ok"
    }

    // MARK: - Formats

    private func writeJSON(device index: Int, at timestamp: Int64) {
        let device = devices[index]
        payload.append("{\"ts\":")
        payload.append(integer: timestamp)
        payload.append(",\"seq\":")
        payload.append(integer: device.sequence)
        payload.append(",\"temperature\":")
        payload.append(fixed: device.temperature, decimals: 2)
        payload.append(",\"humidity\":")
        payload.append(fixed: device.humidity, decimals: 1)
        payload.append(",\"battery\":")
        payload.append(fixed: device.battery, decimals: 2)
        payload.append(",\"status\":\"")
        payload.append(status(device))
        payload.append("\"}")
    }

    private func writeInflux(device index: Int, at timestamp: Int64) {
        let device = devices[index]
        payload.append("env,device=")
        deviceNames[index].withUnsafeBytes { payload.append(bytes: $0) }
        payload.append(" temperature=")
        payload.append(fixed: device.temperature, decimals: 2)
        payload.append(",humidity=")
        payload.append(fixed: device.humidity, decimals: 1)
        payload.append(",battery=")
        payload.append(fixed: device.battery, decimals: 2)
        payload.append(",seq=")
        payload.append(integer: device.sequence)
        payload.append("i,status=\"")
        payload.append(status(device))
        payload.append("\" ")
        payload.append(integer: timestamp)
        payload.append("000000")  // line protocol's default precision is nanoseconds
    }

    private func writeSenML(device index: Int, at timestamp: Int64) {
        let device = devices[index]
        payload.append("[{\"bn\":\"urn:dev:")
        deviceNames[index].withUnsafeBytes { payload.append(bytes: $0) }
        payload.append(":\",\"bt\":")
        payload.append(integer: timestamp / 1000)
        payload.append(UInt8(ascii: "."))
        let milliseconds = Int(timestamp % 1000)
        payload.append(UInt8(ascii: "0") + UInt8(milliseconds / 100))
        payload.append(UInt8(ascii: "0") + UInt8(milliseconds / 10 % 10))
        payload.append(UInt8(ascii: "0") + UInt8(milliseconds % 10))
        payload.append(",\"n\":\"temperature\",\"u\":\"Cel\",\"v\":")
        payload.append(fixed: device.temperature, decimals: 2)
        payload.append("},{\"n\":\"humidity\",\"u\":\"%RH\",\"v\":")
        payload.append(fixed: device.humidity, decimals: 1)
        payload.append("},{\"n\":\"battery\",\"u\":\"V\",\"v\":")
        payload.append(fixed: device.battery, decimals: 2)
        payload.append("},{\"n\":\"seq\",\"v\":")
        payload.append(integer: device.sequence)
        payload.append("},{\"n\":\"status\",\"vs\":\"")
        payload.append(status(device))
        payload.append("\"}]")
    }

    /// A JPEG-looking blob: the SOI/APP0 JFIF header, random bytes, the EOI marker; base64 in JSON.
    private func writeCameraFrame(device index: Int, at timestamp: Int64) {
        let size = Self.imageSizes.lowerBound
            + Int(random.next() % UInt64(Self.imageSizes.upperBound - Self.imageSizes.lowerBound + 1))
        for (offset, byte) in Self.jpegHeader.enumerated() { imageBuffer[offset] = byte }
        var offset = Self.jpegHeader.count
        while offset < size - 2 {
            var word = random.next()
            for _ in 0..<8 where offset < size - 2 {
                imageBuffer[offset] = UInt8(truncatingIfNeeded: word)
                word >>= 8
                offset += 1
            }
        }
        imageBuffer[size - 2] = 0xFF
        imageBuffer[size - 1] = 0xD9

        payload.append("{\"ts\":")
        payload.append(integer: timestamp)
        payload.append(",\"seq\":")
        payload.append(integer: devices[index].sequence)
        payload.append(",\"image\":\"")
        payload.append(base64: UnsafeRawBufferPointer(start: imageBuffer, count: size))
        payload.append("\"}")
    }
}
