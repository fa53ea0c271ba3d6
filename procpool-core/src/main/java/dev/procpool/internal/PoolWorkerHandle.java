package dev.procpool.internal;

import dev.procpool.PooledWorker;
import dev.procpool.WorkerState;
import dev.procpool.WorkerType;
import java.time.Duration;
import java.util.OptionalLong;
import java.util.concurrent.TimeUnit;

/**
 * A user's handle on one pool slot. Reads go through {@link WorkerSnapshot} under the pool's lock
 * (so they agree with each other); stopping goes to the slot's engine as signals, never through
 * the pool's own stop path, so the pool sees exactly what it sees when a process is killed from
 * outside.
 */
final class PoolWorkerHandle implements PooledWorker {
    private final PoolCore core;
    private final PoolWorker slot;

    PoolWorkerHandle(PoolCore core, PoolWorker slot) {
        this.core = core;
        this.slot = slot;
    }

    private WorkerSnapshot snapshot() {
        return core.locked(slot::snapshot);
    }

    @Override
    public String name() {
        return slot.name();
    }

    @Override
    public int index() {
        return slot.index;
    }

    @Override
    public WorkerType type() {
        return slot.type;
    }

    @Override
    public long pid() {
        return slot.pid();
    }

    @Override
    public String host() {
        String h = snapshot().host();
        return h != null ? h : slot.workerOptions.remote().map(r -> r.host()).orElse(BaseWorker.localHostName());
    }

    @Override
    public WorkerState state() {
        return switch (slot.state) {
            case STARTING -> WorkerState.STARTING;
            case READY -> WorkerState.RUNNING;
            case RETIRING, STOPPING -> WorkerState.CLOSING;
            case EXITED -> {
                ExitInfo info = slot.exitInfo;
                yield slot.killedByHandle ? WorkerState.TERMINATED
                        : info != null && info.clean() ? WorkerState.COMPLETED : WorkerState.DIED;
            }
        };
    }

    @Override
    public boolean isAlive() {
        Engine e = slot.engine();
        return slot.state != SlotState.EXITED && e != null && e.isAlive();
    }

    @Override
    public OptionalLong currentTaskId() {
        long id = snapshot().currentTaskId();
        return id < 0 ? OptionalLong.empty() : OptionalLong.of(id);
    }

    @Override
    public long tasksDone() {
        return slot.tasksDone;
    }

    @Override
    public long tasksFailed() {
        return slot.tasksFailed;
    }

    @Override
    public java.util.Optional<Object> userState() {
        return java.util.Optional.ofNullable(slot.userState.get());
    }

    @Override
    public void terminate(Duration grace) throws InterruptedException {
        Engine e = slot.engine();
        if (e == null || slot.state == SlotState.EXITED) {
            return;
        }
        slot.killedByHandle = true;
        e.signalTerm();
        try {
            if (awaitExit(grace)) {
                return;
            }
        } finally {
            if (slot.state != SlotState.EXITED) {
                e.kill(); // also when interrupted: the caller asked for it to end
            }
        }
        awaitExit(Duration.ofSeconds(30)); // SIGKILL cannot be ignored; this only bounds a stuck kernel
    }

    @Override
    public void kill() {
        Engine e = slot.engine();
        if (e == null || slot.state == SlotState.EXITED) {
            return;
        }
        slot.killedByHandle = true;
        e.kill();
    }

    private boolean awaitExit(Duration timeout) throws InterruptedException {
        core.lock.lock();
        try {
            return Waits.awaitLocked(core.changed, () -> slot.state == SlotState.EXITED,
                    Math.max(TimeUnit.MILLISECONDS.toNanos(1), timeout.toNanos()));
        } finally {
            core.lock.unlock();
        }
    }

    @Override
    public String toString() {
        return "PooledWorker{" + name() + ", " + state() + ", pid " + pid() + "}";
    }
}
