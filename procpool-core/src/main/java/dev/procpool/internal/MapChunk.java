package dev.procpool.internal;

import dev.procpool.JdkCodec;
import dev.procpool.Task;
import dev.procpool.TaskFunction;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.ObjectInputStream;
import java.io.ObjectOutputStream;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Map;

/** Applies a function to a chunk of inputs in a worker: {@link AbstractPool#map}'s unit of work. */
final class MapChunk<A, R> implements Task<ArrayList<R>> {
    private static final long serialVersionUID = 1L;
    private final TaskFunction<A, R> function;
    private final HashMap<Integer, TaskFunction<?, ?>> overrides;
    /** Written with the codec's compact forms (see writeObject), not field by field. */
    private transient ArrayList<A> inputs;

    MapChunk(TaskFunction<A, R> function, Map<Integer, TaskFunction<?, ?>> overrides, ArrayList<A> inputs) {
        this.function = function;
        this.overrides = overrides.isEmpty() ? null : new HashMap<>(overrides);
        this.inputs = inputs;
    }

    @Override
    @SuppressWarnings("unchecked")
    public ArrayList<R> call() throws Exception {
        TaskFunction<A, R> f = function;
        if (overrides != null) {
            // this worker's own function, if the pool gave it one (pyworkers' per-worker targets)
            TaskFunction<?, ?> own = overrides.get(CurrentWorker.poolIndex());
            if (own != null) {
                f = (TaskFunction<A, R>) own;
            }
        }
        ArrayList<R> out = new ArrayList<>(inputs.size());
        for (A a : inputs) {
            out.add(f.apply(a));
        }
        return out;
    }

    private void writeObject(ObjectOutputStream out) throws IOException {
        out.defaultWriteObject();
        ByteArrayOutputStream bytes = new ByteArrayOutputStream(16 + inputs.size() * 5);
        new JdkCodec().encode(inputs, bytes);
        out.writeInt(bytes.size());
        bytes.writeTo(out);
    }

    @SuppressWarnings("unchecked")
    private void readObject(ObjectInputStream in) throws IOException, ClassNotFoundException {
        in.defaultReadObject();
        byte[] bytes = in.readNBytes(in.readInt());
        inputs = (ArrayList<A>) new JdkCodec().decode(new ByteArrayInputStream(bytes),
                Thread.currentThread().getContextClassLoader());
    }
}
