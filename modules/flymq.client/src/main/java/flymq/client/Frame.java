package flymq.client;

/** One response frame as read off the socket: opcode, flags and the payload bytes. */
record Frame(int opcode, int flags, byte[] payload) {
}
