package dev.procpool.cli.run;

/** An error that ends the run with its own exit status. */
final class Fatal extends RuntimeException {
    private static final long serialVersionUID = 1L;
    final int exit;

    Fatal(String message, int exit) {
        super(message);
        this.exit = exit;
    }
}
