package dev.procpool.cli.run;

import dev.procpool.remote.RemoteOptions;

/** A worker-server of -S: as the user named it, and how to reach it. */
record Server(String spec, RemoteOptions options) {
}
