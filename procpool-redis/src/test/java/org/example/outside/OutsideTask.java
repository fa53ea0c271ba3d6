package org.example.outside;

import dev.procpool.Task;

/** A task of a package the nodes' default class filter does not allow. */
public final class OutsideTask implements Task<String> {
    private static final long serialVersionUID = 1L;

    @Override
    public String call() {
        return "ran";
    }
}
