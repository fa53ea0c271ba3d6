package dev.procpool.bench;

import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * The physical floor for a round trip between two JVMs: a second JVM that echoes fixed-size
 * messages over a Unix domain socket (NIO, blocking mode), one thread, no framing, no copies
 * beyond the one buffer.
 *
 * <p>Usage: {@code EchoServer <socket-path> [message-size]}. Binds the path (deleting a stale
 * file first), prints {@code READY} on stdout, serves one connection until EOF, removes the
 * socket file and exits.
 */
public final class EchoServer {
    private EchoServer() {
    }

    public static void main(String[] args) throws IOException {
        if (args.length < 1) {
            System.err.println("usage: EchoServer <socket-path> [message-size]");
            System.exit(2);
        }
        Path path = Path.of(args[0]);
        int size = args.length > 1 ? Integer.parseInt(args[1]) : 16;
        Files.deleteIfExists(path);
        try (ServerSocketChannel server = ServerSocketChannel.open(StandardProtocolFamily.UNIX)) {
            server.bind(UnixDomainSocketAddress.of(path));
            System.out.println("READY");
            System.out.flush();
            try (SocketChannel ch = server.accept()) {
                ByteBuffer buf = ByteBuffer.allocateDirect(size);
                while (true) {
                    buf.clear();
                    while (buf.hasRemaining()) {
                        if (ch.read(buf) < 0) {
                            return;
                        }
                    }
                    buf.flip();
                    while (buf.hasRemaining()) {
                        ch.write(buf);
                    }
                }
            }
        } finally {
            Files.deleteIfExists(path);
        }
    }
}
