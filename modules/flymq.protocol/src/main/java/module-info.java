/**
 * The FlyMQ 1.26 wire format and our extensions: frame header and codec, opcodes, error frames, the payload
 * encoding primitives, and how a connection waits for its next frame. Shared by the broker, the client and cluster
 * forwarding; needs nothing but the JDK.
 */
module flymq.protocol {
    exports flymq.protocol;
}
