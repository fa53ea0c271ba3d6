package dev.procpool.bench;

/**
 * The reference JVM start: prints a line and exits. With the argument {@code idle} it prints the
 * line and then sleeps until killed, as the reference for the idle resident size of a bare JVM.
 */
public final class HelloWorld {
    private HelloWorld() {
    }

    public static void main(String[] args) throws InterruptedException {
        System.out.println("Hello, world");
        if (args.length > 0 && args[0].equals("idle")) {
            System.out.flush();
            Thread.sleep(Long.MAX_VALUE);
        }
    }
}
