package gadgets;

/** An exception base outside the default allow-list, for tests. */
public class GadgetBase extends RuntimeException {
    private static final long serialVersionUID = 1L;

    public GadgetBase(String message) {
        super(message);
    }
}
