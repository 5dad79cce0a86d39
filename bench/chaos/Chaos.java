import flymq.client.FetchPosition;
import flymq.client.FlyMqClient;
import flymq.client.Message;
import flymq.client.PartitionFetch;
import java.io.BufferedWriter;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.BitSet;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The load and the checker of bench/chaos.sh, run with the JDK's source launcher against the client jars:
 * <pre>
 *   produce ADDR TOPIC PARTITIONS SECONDS RATE ACKED_FILE
 *                                                     one record at a time, at most RATE a second, each value a
 *                                                     unique id {@code <pid>-<n>}; an id is written to ACKED_FILE
 *                                                     only once the broker acknowledged it, so the file is the
 *                                                     set of records the broker owes us
 *   consume ADDR TOPIC PARTITIONS SECONDS              reads every partition from the start and keeps up
 *   flood   HOST PORT CONNECTIONS HOLD_SECONDS HALF    opens idle connections and holds them; with HALF=true each
 *                                                     sends half a frame header or a header announcing 32 MiB
 *   probe   ADDR SECONDS                               exits 0 once a produce to topic chaos-probe was
 *                                                     acknowledged within SECONDS, else 1 (a wedged broker)
 *   verify  ADDR TOPIC PARTITIONS ACKED_FILE...        reads the whole topic; prints acked, stored, lost and
 *                                                     duplicated ids; exits 1 when an acknowledged id is missing
 *                                                     or stored twice
 * </pre>
 * The load loops stop on their own after SECONDS; failures while the broker is down are counted, not fatal.
 */
public final class Chaos {
    public static void main(String[] args) throws Exception {
        switch (args[0]) {
            case "produce" -> produce(args[1], args[2], Integer.parseInt(args[3]), Long.parseLong(args[4]),
                    Integer.parseInt(args[5]), Path.of(args[6]));
            case "consume" -> consume(args[1], args[2], Integer.parseInt(args[3]), Long.parseLong(args[4]));
            case "flood" -> flood(args[1], Integer.parseInt(args[2]), Integer.parseInt(args[3]),
                    Long.parseLong(args[4]), Boolean.parseBoolean(args[5]));
            case "probe" -> System.exit(probe(args[1], Long.parseLong(args[2])));
            case "verify" -> System.exit(verify(args[1], args[2], Integer.parseInt(args[3]),
                    Arrays.stream(args, 4, args.length).map(Path::of).toList()));
            default -> throw new IllegalArgumentException("unknown mode " + args[0]);
        }
    }

    private static FlyMqClient connect(String addr) {
        return FlyMqClient.builder().bootstrap(addr).connectPasses(1).connectTimeout(Duration.ofSeconds(2))
                .requestTimeout(Duration.ofSeconds(5)).build();
    }

    private static void produce(String addr, String topic, int partitions, long seconds, int rate, Path ackedFile)
            throws IOException, InterruptedException {
        long start = System.nanoTime();
        long deadline = start + seconds * 1_000_000_000L;
        String prefix = ProcessHandle.current().pid() + "-";
        long next = 0;
        long acked = 0;
        long failed = 0;
        try (BufferedWriter out = Files.newBufferedWriter(ackedFile, StandardOpenOption.CREATE,
                StandardOpenOption.APPEND)) {
            while (System.nanoTime() < deadline) {
                try (FlyMqClient c = connect(addr)) {
                    c.createTopic(topic, partitions); // succeeds when it exists
                    while (System.nanoTime() < deadline) {
                        long due = start + next * 1_000_000_000L / rate;
                        long wait = due - System.nanoTime();
                        if (wait > 0) {
                            Thread.sleep(wait / 1_000_000, (int) (wait % 1_000_000));
                        }
                        String id = prefix + next++;
                        c.produce(topic, (int) (next % partitions), null, id.getBytes(StandardCharsets.UTF_8));
                        out.write(id);
                        out.newLine();
                        acked++;
                    }
                } catch (RuntimeException e) {
                    // broker down, disk full, refused: that id was not acknowledged, and the next one is new
                    failed++;
                    out.flush();
                    Thread.sleep(100);
                }
            }
        }
        System.out.println("produce: acked " + acked + ", failed attempts " + failed);
    }

    private static void consume(String addr, String topic, int partitions, long seconds) throws InterruptedException {
        long deadline = System.nanoTime() + seconds * 1_000_000_000L;
        long read = 0;
        long failed = 0;
        long[] positions = new long[partitions];
        while (System.nanoTime() < deadline) {
            try (FlyMqClient c = connect(addr)) {
                while (System.nanoTime() < deadline) {
                    List<FetchPosition> at = new ArrayList<>();
                    for (int p = 0; p < partitions; p++) {
                        at.add(new FetchPosition(p, positions[p]));
                    }
                    boolean any = false;
                    for (PartitionFetch f : c.batchFetch(topic, at, 1 << 20)) {
                        if (!f.ok()) {
                            positions[f.partition()] = 0;
                            continue;
                        }
                        read += f.records().size();
                        any |= !f.records().isEmpty();
                        positions[f.partition()] = f.nextOffset(positions[f.partition()]);
                    }
                    if (!any) {
                        Thread.sleep(50);
                    }
                }
            } catch (RuntimeException e) {
                failed++;
                Thread.sleep(100);
            }
        }
        System.out.println("consume: read " + read + ", failed attempts " + failed);
    }

    private static void flood(String host, int port, int connections, long holdSeconds, boolean half)
            throws InterruptedException {
        List<Socket> open = new ArrayList<>(connections);
        int refused = 0;
        for (int i = 0; i < connections; i++) {
            Socket s = new Socket();
            try {
                s.connect(new InetSocketAddress(host, port), 1000);
                if (half) {
                    OutputStream o = s.getOutputStream();
                    if (i % 2 == 0) {
                        o.write(new byte[] {(byte) 0xAF, 0x01, 0x01}); // half a header, then silence
                    } else {
                        // a whole PRODUCE header announcing 32 MiB, then silence
                        o.write(new byte[] {(byte) 0xAF, 0x01, 0x01, 0x01, 0x02, 0x00, 0x00, 0x00});
                    }
                    o.flush();
                }
                open.add(s);
            } catch (IOException e) {
                refused++;
                closeQuietly(s);
            }
        }
        Thread.sleep(holdSeconds * 1000);
        open.forEach(Chaos::closeQuietly);
        System.out.println("flood: held " + open.size() + ", refused " + refused + (half ? " (half frames)" : ""));
    }

    private static int probe(String addr, long seconds) throws InterruptedException {
        long deadline = System.nanoTime() + seconds * 1_000_000_000L;
        String last = "";
        while (System.nanoTime() < deadline) {
            try (FlyMqClient c = connect(addr)) {
                c.createTopic("chaos-probe", 1);
                c.produce("chaos-probe", 0, null, new byte[] {1});
                return 0;
            } catch (RuntimeException e) {
                last = e.toString();
                Thread.sleep(200);
            }
        }
        System.out.println("probe: no produce acknowledged within " + seconds + " s: " + last);
        return 1;
    }

    /** Ids are {@code <pid>-<n>} with n counting up per producer, so a bit set per producer holds them all. */
    private static int verify(String addr, String topic, int partitions, List<Path> ackedFiles) throws IOException {
        Map<String, BitSet> acked = new HashMap<>();
        for (Path f : ackedFiles) {
            try (var lines = Files.lines(f)) {
                lines.forEach(id -> mark(acked, id));
            }
        }
        Map<String, BitSet> stored = new HashMap<>();
        Map<String, BitSet> twice = new HashMap<>();
        try (FlyMqClient c = connect(addr)) {
            for (int p = 0; p < partitions; p++) {
                long pos = 0;
                while (true) {
                    PartitionFetch f = c.batchFetch(topic, List.of(new FetchPosition(p, pos)), 4 << 20).get(0);
                    if (!f.ok()) {
                        throw new IllegalStateException("partition " + p + ": " + f.error());
                    }
                    if (f.records().isEmpty()) {
                        break;
                    }
                    for (Message m : f.records()) {
                        if (!mark(stored, m.valueAsString())) {
                            mark(twice, m.valueAsString());
                        }
                    }
                    pos = f.nextOffset(pos);
                }
            }
        }
        long ackedCount = count(acked);
        long lost = 0;
        long duplicated = 0;
        for (Map.Entry<String, BitSet> e : acked.entrySet()) {
            BitSet missing = (BitSet) e.getValue().clone();
            missing.andNot(stored.getOrDefault(e.getKey(), new BitSet()));
            lost += missing.cardinality();
            BitSet dup = (BitSet) e.getValue().clone();
            dup.and(twice.getOrDefault(e.getKey(), new BitSet()));
            duplicated += dup.cardinality();
        }
        long storedCount = count(stored);
        System.out.println("verify: acked " + ackedCount + ", stored " + storedCount + ", lost " + lost
                + ", acked and stored twice " + duplicated + ", stored twice in all " + count(twice)
                + ", stored but never acknowledged " + (storedCount - (ackedCount - lost)));
        return lost == 0 && duplicated == 0 ? 0 : 1;
    }

    /** @return false when the id was marked already */
    private static boolean mark(Map<String, BitSet> ids, String id) {
        int dash = id.lastIndexOf('-');
        BitSet bits = ids.computeIfAbsent(id.substring(0, dash), k -> new BitSet());
        int n = Integer.parseInt(id.substring(dash + 1));
        boolean was = bits.get(n);
        bits.set(n);
        return !was;
    }

    private static long count(Map<String, BitSet> ids) {
        return ids.values().stream().mapToLong(BitSet::cardinality).sum();
    }

    private static void closeQuietly(Socket s) {
        try {
            s.close();
        } catch (IOException ignored) {
            // discarding the socket either way
        }
    }
}
