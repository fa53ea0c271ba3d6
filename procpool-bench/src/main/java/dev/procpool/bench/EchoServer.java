package dev.procpool.bench;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.StandardProtocolFamily;
import java.net.StandardSocketOptions;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * The physical floor for a round trip between two JVMs: a second JVM that echoes fixed-size
 * messages over a local socket (NIO, blocking mode), one thread, no framing, one buffer.
 *
 * <p>Usage: {@code EchoServer unix <socket-path> [message-size]} binds a Unix domain socket
 * (deleting a stale file first) and prints {@code READY}; {@code EchoServer tcp [message-size]}
 * listens on a free loopback port and prints {@code READY <port>}. Either serves one connection
 * until EOF, then exits (removing the socket file). TCP uses {@code TCP_NODELAY}, as procpool does.
 */
public final class EchoServer {
    private EchoServer() {
    }

    public static void main(String[] args) throws IOException {
        if (args.length >= 2 && args[0].equals("unix")) {
            Path path = Path.of(args[1]);
            int size = args.length > 2 ? Integer.parseInt(args[2]) : 16;
            Files.deleteIfExists(path);
            try (ServerSocketChannel server = ServerSocketChannel.open(StandardProtocolFamily.UNIX)) {
                server.bind(UnixDomainSocketAddress.of(path));
                System.out.println("READY");
                System.out.flush();
                try (SocketChannel ch = server.accept()) {
                    echo(ch, size);
                }
            } finally {
                Files.deleteIfExists(path);
            }
        } else if (args.length >= 1 && args[0].equals("tcp")) {
            int size = args.length > 1 ? Integer.parseInt(args[1]) : 16;
            try (ServerSocketChannel server = ServerSocketChannel.open()) {
                server.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 1);
                System.out.println("READY " + ((InetSocketAddress) server.getLocalAddress()).getPort());
                System.out.flush();
                try (SocketChannel ch = server.accept()) {
                    ch.setOption(StandardSocketOptions.TCP_NODELAY, true);
                    echo(ch, size);
                }
            }
        } else {
            System.err.println("usage: EchoServer unix <socket-path> [message-size] | EchoServer tcp [message-size]");
            System.exit(2);
        }
    }

    private static void echo(SocketChannel ch, int size) throws IOException {
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
}
