package flymq.broker;

import static flymq.broker.WireClient.payload;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import flymq.protocol.FrameCodec;
import flymq.protocol.Opcodes;
import flymq.protocol.PayloadWriter;
import java.io.ByteArrayOutputStream;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Sends at least 100 000 random and mutated frames, then checks that the broker still answers correctly and that
 * no acknowledged record or committed offset was lost. Frames are pipelined in batches so the test takes seconds.
 * A frame with a broken header ends its connection (as the spec says), so the fuzzer reconnects after those.
 */
class FuzzTest {
    private static final int FRAMES = 100_000;
    private static final int BATCH = 500;

    @TempDir
    Path dir;

    @Test
    void brokerSurvivesRandomAndMutatedFramesWithoutLosingCommittedData() throws Exception {
        long seed = System.nanoTime();
        SplittableRandom random = new SplittableRandom(seed);
        try (TestBroker b = TestBroker.start(dir, "auto_create_topics", "false")) {
            try (WireClient c = b.client()) {
                c.createTopic("durable-orders-7f3a", 2);
                c.createTopic("fuzz", 3);
                for (int i = 0; i < 200; i++) {
                    assertEquals(i, c.produce("durable-orders-7f3a", null, "order-" + i, 1).offset());
                }
                c.commit("durable-orders-7f3a", "durable-group-9c1e", 1, 150);
            }
            List<byte[]> samples = new ArrayList<>();
            for (Map.Entry<Integer, PayloadWriter> e : BadInputTest.samples().entrySet()) {
                samples.add(withOpcode(e.getKey(), e.getValue().toPayload()));
            }
            samples.add(withOpcode(Opcodes.PRODUCE, payload().str16("fuzz").bytes32(null).bytes32(new byte[8])
                    .i32(-1).toPayload()));
            samples.add(withOpcode(Opcodes.LIST_GROUPS, new byte[0]));
            samples.add(withOpcode(Opcodes.CLUSTER_STATUS, new byte[0]));
            samples.add(withOpcode(Opcodes.WHOAMI, new byte[0]));

            int sent = 0;
            int answered = 0;
            int reconnects = 0;
            while (sent < FRAMES) {
                try (WireClient c = b.client()) {
                    ByteArrayOutputStream batch = new ByteArrayOutputStream();
                    int expected = 0;
                    boolean breaking = false;
                    boolean oversize = false;
                    for (int i = 0; i < BATCH && sent < FRAMES; i++, sent++) {
                        if (random.nextInt(400) == 0) {
                            byte[] broken = brokenHeader(random);
                            batch.writeBytes(broken);
                            oversize = broken[0] == FrameCodec.MAGIC && broken[1] == FrameCodec.VERSION;
                            breaking = true;
                            sent++;
                            break;
                        }
                        batch.writeBytes(frame(random, samples));
                        expected++;
                    }
                    c.send(batch.toByteArray());
                    for (int i = 0; i < expected; i++) {
                        c.read();
                        answered++;
                    }
                    if (breaking) {
                        if (oversize) {
                            // a well-formed header announcing too much is told the limit before the close
                            assertTrue(c.read().errorText().endsWith("exceeds the maximum of " + FrameCodec.MAX_PAYLOAD),
                                    "seed " + seed + ": oversize header must be answered with the limit");
                        }
                        assertTrue(c.closedByBroker(), "seed " + seed + ": broken header must close");
                        reconnects++;
                    }
                }
            }
            assertTrue(sent >= FRAMES);
            assertTrue(answered > FRAMES * 9 / 10, "answered " + answered);

            try (WireClient c = b.client()) {
                WireClient.FetchResult r = c.fetch("durable-orders-7f3a", 1, 0, 500, "");
                List<String> values = r.records().stream().map(WireClient.Fetched::value).toList();
                for (int i = 0; i < 200; i++) {
                    assertEquals("order-" + i, values.get(i), "seed " + seed);
                }
                assertEquals(150, c.call(Opcodes.GET_OFFSET, payload().str16("durable-orders-7f3a")
                        .str16("durable-group-9c1e").i32(1)).reader().u64("o"), "seed " + seed);
                assertEquals(200, c.produce("durable-orders-7f3a", null, "after", 1).offset());
            }
            assertTrue(reconnects > 0);
        }
    }

    private static byte[] withOpcode(int opcode, byte[] payload) {
        byte[] out = new byte[payload.length + 1];
        out[0] = (byte) opcode;
        System.arraycopy(payload, 0, out, 1, payload.length);
        return out;
    }

    /** A frame with a valid header and a random or mutated payload for a random or sampled opcode. */
    private static byte[] frame(SplittableRandom random, List<byte[]> samples) {
        int opcode;
        byte[] payload;
        int kind = random.nextInt(10);
        if (kind < 2) {
            opcode = random.nextInt(256);
            payload = new byte[random.nextInt(64)];
            random.nextBytes(payload);
        } else {
            byte[] sample = samples.get(random.nextInt(samples.size()));
            opcode = sample[0] & 0xFF;
            payload = java.util.Arrays.copyOfRange(sample, 1, sample.length);
            int mutations = 1 + random.nextInt(4);
            for (int m = 0; m < mutations && payload.length > 0; m++) {
                switch (random.nextInt(4)) {
                    case 0 -> payload[random.nextInt(payload.length)] = (byte) random.nextInt(256);
                    case 1 -> payload = java.util.Arrays.copyOf(payload, random.nextInt(payload.length + 1));
                    case 2 -> payload = java.util.Arrays.copyOf(payload, payload.length + random.nextInt(16));
                    default -> payload[random.nextInt(payload.length)] ^= (byte) (1 << random.nextInt(8));
                }
            }
            if (opcode == Opcodes.CREATE_TOPIC || opcode == Opcodes.DELETE_TOPIC) {
                opcode = Opcodes.METADATA;
            }
            // each group write is an fsync; keep a tenth of them so the run stays within seconds
            if ((opcode == Opcodes.COMMIT || opcode == Opcodes.RESET_OFFSET || opcode == Opcodes.SUBSCRIBE)
                    && random.nextInt(10) != 0) {
                opcode = Opcodes.GET_LAG;
            }
        }
        int flags = random.nextInt(20) == 0 ? 0x03 : 0x01;
        byte[] out = new byte[8 + payload.length];
        FrameCodec.encodeHeader(out, 0, opcode, flags, payload.length);
        System.arraycopy(payload, 0, out, 8, payload.length);
        return out;
    }

    private static byte[] brokenHeader(SplittableRandom random) {
        byte[] h = new byte[8];
        FrameCodec.encodeHeader(h, 0, Opcodes.PRODUCE, 1, 0);
        switch (random.nextInt(3)) {
            case 0 -> h[0] = (byte) (0xAF ^ (1 + random.nextInt(255)));
            case 1 -> h[1] = (byte) (2 + random.nextInt(250));
            default -> {
                h[4] = (byte) (0x02 + random.nextInt(0xFD));
                h[7] = 1;
            }
        }
        return h;
    }
}
