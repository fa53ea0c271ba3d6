package dev.procpool.redis;

/** Checks on names that end up in Redis keys. */
final class Names {
    private Names() {
    }

    static String checkNamespace(String namespace) {
        if (namespace == null || !namespace.matches("[A-Za-z0-9._-]{1,100}")) {
            throw new IllegalArgumentException(
                    "namespace must be 1 to 100 letters, digits, '.', '_' or '-': " + namespace);
        }
        return namespace;
    }
}
