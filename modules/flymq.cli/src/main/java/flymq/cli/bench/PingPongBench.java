package flymq.cli.bench;

import flymq.client.FlyMqClient;
import flymq.protocol.ReadSpin;
import flymq.cli.CliException;
import flymq.cli.ExitCode;
import flymq.cli.FlyMq;
import flymq.cli.Globals;
import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.DataInputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * `flymq bench pingpong`: the floor under {@code bench produce --single}. Two threads of this process exchange
 * fixed-size messages over a loopback TCP connection with blocking sockets and TCP_NODELAY, one message in flight,
 * no broker and no protocol work. With {@code --read-spin-us} both sides wait for input as the client and the broker
 * do ({@link ReadSpin}), so a {@code --single} run can be compared with the floor of the same waiting strategy. Run it next to a {@code --single} run to tell how much of that run's round trip
 * is the machine (loopback, scheduler, load) and how much is FlyMQ.
 */
@Command(name = "pingpong",
        header = "Measure bare loopback TCP round trips: the floor under `bench produce --single`.",
        description = {"",
            "No broker is involved: one thread writes --request-size bytes and waits for --response-size bytes "
                    + "from another thread of the same process over 127.0.0.1 (blocking sockets, TCP_NODELAY), "
                    + "--round-trips times. The defaults match the frame sizes of a 100-byte 1.26 PRODUCE and "
                    + "its answer. --server-thread virtual serves on a virtual thread instead of a platform thread.",
            "",
            "Example:",
            "  flymq bench pingpong --round-trips 100000 --output json",
            ""},
        mixinStandardHelpOptions = true)
public final class PingPongBench implements Callable<Integer> {

    @Spec
    CommandSpec spec;

    @Option(names = "--round-trips", defaultValue = "100000", description = "Round trips to time (default ${DEFAULT-VALUE}).")
    long roundTrips;

    @Option(names = "--request-size", defaultValue = "128", description = "Bytes sent per round trip (default ${DEFAULT-VALUE}).")
    int requestSize;

    @Option(names = "--response-size", defaultValue = "44", description = "Bytes answered per round trip (default ${DEFAULT-VALUE}).")
    int responseSize;

    @Option(names = "--read-spin-us", defaultValue = "0",
            description = "How long each side spins for input before it blocks, as the client's synchronous calls "
                    + "and the broker's connection threads do (network.read_spin_us); 0 = block at once "
                    + "(default ${DEFAULT-VALUE}).")
    long readSpinMicros;

    @Option(names = "--rate", defaultValue = "0",
            description = "Round trips per second, paced as `bench produce --throughput` paces records (a sleep "
                    + "until each one is due); 0 = back to back (default ${DEFAULT-VALUE}). At the rate of a "
                    + "produce run it shows the tail this machine adds to any Java client and server pair: "
                    + "thread wake-ups after a sleep, GC, the scheduler.")
    double rate;

    @Option(names = "--server-thread", defaultValue = "platform",
            description = "platform or virtual: the kind of thread that answers (default ${DEFAULT-VALUE}).")
    String serverThread;

    @Override
    public Integer call() throws Exception {
        Globals g = FlyMq.globals(spec);
        if (roundTrips < 1 || requestSize < 1 || responseSize < 1) {
            throw new CliException(ExitCode.USAGE, "--round-trips, --request-size and --response-size must be >= 1");
        }
        if (rate < 0) {
            throw new CliException(ExitCode.USAGE, "--rate must be >= 0 (0 = back to back), got " + rate);
        }
        if (readSpinMicros < 0 || readSpinMicros > FlyMqClient.MAX_READ_SPIN.toNanos() / 1000) {
            throw new CliException(ExitCode.USAGE, "--read-spin-us must be 0.."
                    + FlyMqClient.MAX_READ_SPIN.toNanos() / 1000 + ", got " + readSpinMicros);
        }
        boolean virtual = switch (serverThread) {
            case "platform" -> false;
            case "virtual" -> true;
            default -> throw new CliException(ExitCode.USAGE, "--server-thread must be platform or virtual, got "
                    + serverThread);
        };
        BenchStats stats = new BenchStats();
        try (ServerSocket listener = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            Runnable answer = () -> answer(listener);
            Thread server = virtual ? Thread.ofVirtual().name("pingpong-server").start(answer)
                    : Thread.ofPlatform().daemon().name("pingpong-server").start(answer);
            try (Socket s = new Socket()) {
                s.setTcpNoDelay(true);
                s.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), listener.getLocalPort()), 5000);
                DataInputStream in = new DataInputStream(new BufferedInputStream(s.getInputStream(), 64 * 1024));
                OutputStream out = new BufferedOutputStream(s.getOutputStream(), 64 * 1024);
                byte[] request = new byte[requestSize];
                byte[] response = new byte[responseSize];
                ReadSpin spin = new ReadSpin(readSpinMicros * 1000);
                long start = System.nanoTime();
                for (long i = 0; i < roundTrips; i++) {
                    ProduceBench.throttle(start, i, rate);
                    long t0 = System.nanoTime();
                    out.write(request);
                    out.flush();
                    spin.awaitInput(in);
                    in.readFully(response);
                    stats.record(System.nanoTime() - t0, requestSize);
                }
            } catch (IOException e) {
                throw new CliException(ExitCode.FAILED, "loopback ping-pong failed: " + e.getMessage(), e);
            } finally {
                stats.finish();
            }
            server.join(5000);
        }
        stats.summary(g.out(), g.json(), "round trips");
        return ExitCode.OK;
    }

    private void answer(ServerSocket listener) {
        try (Socket s = listener.accept()) {
            s.setTcpNoDelay(true);
            DataInputStream in = new DataInputStream(new BufferedInputStream(s.getInputStream(), 64 * 1024));
            OutputStream out = new BufferedOutputStream(s.getOutputStream(), 64 * 1024);
            byte[] request = new byte[requestSize];
            byte[] response = new byte[responseSize];
            ReadSpin spin = new ReadSpin(readSpinMicros * 1000);
            for (long i = 0; i < roundTrips; i++) {
                spin.awaitInput(in);
                in.readFully(request);
                out.write(response);
                out.flush();
            }
        } catch (IOException e) {
            // the client side reports the failure; this side only stops
        }
    }
}
