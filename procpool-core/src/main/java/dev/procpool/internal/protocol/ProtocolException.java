package dev.procpool.internal.protocol;

import java.io.IOException;

/** The bytes on the channel are not valid protocol: garbage, a truncated frame, a wrong type. */
public final class ProtocolException extends IOException {
    private static final long serialVersionUID = 1L;

    public ProtocolException(String message) {
        super(message);
    }
}
