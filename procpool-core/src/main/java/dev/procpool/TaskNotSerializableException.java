package dev.procpool;

/**
 * A task, argument, result or exception could not be serialized, so it could not cross to or
 * from a worker. At submit nothing is sent; for a result the worker survives and that one call
 * fails. {@link #offendingClass()} names the class that could not be serialized.
 *
 * <pre>{@code
 * Object lock = new Object();
 * Workers.start(WorkerType.PROCESS, () -> lock.hashCode());
 * // TaskNotSerializableException: task cannot be serialized: java.lang.Object is not Serializable
 * }</pre>
 */
public class TaskNotSerializableException extends ProcpoolException {
    private static final long serialVersionUID = 1L;

    private final String offendingClass;

    /**
     * Creates it.
     *
     * @param what what was being serialized ("task", "argument", "result of ...")
     * @param offendingClass the class that could not be serialized
     * @param cause the codec's exception
     */
    public TaskNotSerializableException(String what, String offendingClass, Throwable cause) {
        super(what + " cannot be serialized: " + offendingClass + " is not serializable", cause);
        this.offendingClass = offendingClass;
    }

    /**
     * Creates it with a message of its own, for a value refused by an allow-list, whose message
     * says which class and how to admit it.
     *
     * @param message the whole message
     * @param cause the codec's exception
     * @param offendingClass the class that was refused
     */
    public TaskNotSerializableException(String message, Throwable cause, String offendingClass) {
        super(message, cause);
        this.offendingClass = offendingClass;
    }

    /** The fully qualified name of the class that could not be serialized. */
    public String offendingClass() {
        return offendingClass;
    }
}
