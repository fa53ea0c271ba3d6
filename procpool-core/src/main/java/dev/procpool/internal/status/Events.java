package dev.procpool.internal.status;

import jdk.jfr.Category;
import jdk.jfr.DataAmount;
import jdk.jfr.Description;
import jdk.jfr.Event;
import jdk.jfr.Label;
import jdk.jfr.Name;
import jdk.jfr.StackTrace;
import jdk.jfr.Timespan;

/**
 * The JFR events procpool emits, all named {@code procpool.*}. They cost a field check when no
 * recording is on: callers test {@code shouldCommit()} before filling anything in. Stack traces
 * are off: the emitting thread is a procpool I/O thread, whose stack says nothing to a user.
 * docs/observability.md lists them with their fields.
 *
 * <pre>{@code
 * Events.TaskEnd e = new Events.TaskEnd();
 * if (e.shouldCommit()) { e.pool = "pool1"; e.taskId = 7; e.outcome = "SUCCEEDED"; e.commit(); }
 * }</pre>
 */
public final class Events {
    private Events() {
    }

    /** A task was accepted into a pool's queue. */
    @Name("procpool.TaskQueued")
    @Label("Task Queued")
    @Category("procpool")
    @StackTrace(false)
    public static final class TaskQueued extends Event {
        @Label("Pool")
        public String pool;
        @Label("Task Id")
        public long taskId;
    }

    /** A task was sent to a worker. */
    @Name("procpool.TaskStart")
    @Label("Task Start")
    @Category("procpool")
    @StackTrace(false)
    public static final class TaskStart extends Event {
        @Label("Pool")
        public String pool;
        @Label("Task Id")
        public long taskId;
        @Label("Worker")
        public String worker;
        @Label("Attempt")
        @Description("1 for the first run, 2 for the first retry, ...")
        public int attempt;
        @Label("Queue Time")
        @Timespan(Timespan.NANOSECONDS)
        public long queueTime;
    }

    /** A task ended, whichever way. */
    @Name("procpool.TaskEnd")
    @Label("Task End")
    @Category("procpool")
    @StackTrace(false)
    public static final class TaskEnd extends Event {
        @Label("Pool")
        public String pool;
        @Label("Task Id")
        public long taskId;
        @Label("Worker")
        @Description("The worker it last ran on; empty when it never reached one")
        public String worker;
        @Label("Outcome")
        @Description("SUCCEEDED, FAILED, TIMED_OUT or CANCELLED")
        public String outcome;
        @Label("Queue Time")
        @Timespan(Timespan.NANOSECONDS)
        public long queueTime;
        @Label("Run Time")
        @Description("From being sent to its worker to its end; 0 when it never ran")
        @Timespan(Timespan.NANOSECONDS)
        public long runTime;
        @Label("Error")
        @Description("The exception in one line; empty when it succeeded")
        public String error;
    }

    /** A worker's thread or process was started. */
    @Name("procpool.WorkerStart")
    @Label("Worker Start")
    @Category("procpool")
    @StackTrace(false)
    public static final class WorkerStart extends Event {
        @Label("Pool")
        public String pool;
        @Label("Worker")
        public String worker;
        @Label("Kind")
        @Description("THREAD, PROCESS or REMOTE")
        public String kind;
        @Label("Pid")
        @Description("The worker's process id; -1 for a thread worker")
        public long pid;
        @Label("Host")
        public String host;
    }

    /** A worker is gone. */
    @Name("procpool.WorkerExit")
    @Label("Worker Exit")
    @Category("procpool")
    @StackTrace(false)
    public static final class WorkerExit extends Event {
        @Label("Pool")
        public String pool;
        @Label("Worker")
        public String worker;
        @Label("Pid")
        public long pid;
        @Label("Reason")
        @Description("How it ended, in words")
        public String reason;
        @Label("Expected")
        @Description("Retired on purpose and ended cleanly, as opposed to died or killed")
        public boolean expected;
        @Label("Resident Memory")
        @Description("Its last resident size seen; -1 when unknown")
        @DataAmount
        public long rss;
    }

    /** A task ran past its timeout: its worker is killed. */
    @Name("procpool.TimeoutKill")
    @Label("Timeout Kill")
    @Category("procpool")
    @StackTrace(false)
    public static final class TimeoutKill extends Event {
        @Label("Pool")
        public String pool;
        @Label("Task Id")
        public long taskId;
        @Label("Worker")
        public String worker;
        @Label("Pid")
        public long pid;
        @Label("Timeout")
        @Timespan(Timespan.NANOSECONDS)
        public long timeout;
    }

    /** A task goes back to the queue to run again. */
    @Name("procpool.Retry")
    @Label("Retry")
    @Category("procpool")
    @StackTrace(false)
    public static final class Retry extends Event {
        @Label("Pool")
        public String pool;
        @Label("Task Id")
        public long taskId;
        @Label("Failed Attempt")
        public int attempt;
        @Label("Reason")
        @Description("timeout or worker death")
        public String reason;
    }
}
