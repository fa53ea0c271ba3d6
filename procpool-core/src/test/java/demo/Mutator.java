package demo;

import java.io.ByteArrayOutputStream;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import java.util.SplittableRandom;

/**
 * A seeded mutation generator for fuzzing the decoders of bytes from a peer: each input is a valid
 * seed changed by a few random edits (bit flips, random bytes, boundary integers where lengths and
 * counts live, insertions, deletions, duplications, truncation, splices of two seeds), or now and
 * then pure noise. The same seed gives the same inputs, so a failure names the seed and the input
 * number that reproduce it.
 */
public final class Mutator {
    /** Integers that sit on the edges decoders check: lengths, counts, sizes. */
    private static final int[] INTERESTING = {0, 1, -1, 8, 9, 12, 13, 127, 128, 255, 256, 4095, 4096, 4097, 4105,
        65535, 65536, 1 << 20, (512 << 20) + 1, Integer.MAX_VALUE, Integer.MIN_VALUE};

    private final SplittableRandom random;
    private final List<byte[]> seeds;

    public Mutator(long seed, List<byte[]> seeds) {
        this.random = new SplittableRandom(seed);
        this.seeds = List.copyOf(seeds);
    }

    /** The next input. */
    public byte[] next() {
        if (random.nextInt(50) == 0) {
            byte[] noise = new byte[random.nextInt(64)];
            random.nextBytes(noise);
            return noise;
        }
        byte[] b = seeds.get(random.nextInt(seeds.size())).clone();
        int edits = 1 + random.nextInt(4);
        for (int i = 0; i < edits; i++) {
            b = edit(b);
        }
        return b;
    }

    private byte[] edit(byte[] b) {
        int op = random.nextInt(9);
        if (b.length == 0 && op < 7) {
            op = 4;
        }
        switch (op) {
            case 0 -> b[random.nextInt(b.length)] ^= (byte) (1 << random.nextInt(8));
            case 1 -> b[random.nextInt(b.length)] = (byte) random.nextInt(256);
            case 2, 3 -> {
                if (b.length >= 4) {
                    int at = random.nextInt(b.length - 3);
                    int v = INTERESTING[random.nextInt(INTERESTING.length)] + (random.nextBoolean() ? 0 : random.nextInt(3) - 1);
                    b[at] = (byte) (v >>> 24);
                    b[at + 1] = (byte) (v >>> 16);
                    b[at + 2] = (byte) (v >>> 8);
                    b[at + 3] = (byte) v;
                }
            }
            case 4 -> {
                byte[] ins = new byte[1 + random.nextInt(16)];
                random.nextBytes(ins);
                int at = b.length == 0 ? 0 : random.nextInt(b.length + 1);
                b = concat(Arrays.copyOfRange(b, 0, at), ins, Arrays.copyOfRange(b, at, b.length));
            }
            case 5 -> {
                int from = random.nextInt(b.length);
                int to = Math.min(b.length, from + 1 + random.nextInt(16));
                b = concat(Arrays.copyOfRange(b, 0, from), Arrays.copyOfRange(b, to, b.length));
            }
            case 6 -> {
                int from = random.nextInt(b.length);
                int to = Math.min(b.length, from + 1 + random.nextInt(32));
                b = concat(Arrays.copyOfRange(b, 0, to), Arrays.copyOfRange(b, from, b.length));
            }
            case 7 -> b = Arrays.copyOf(b, random.nextInt(b.length + 1));
            default -> {
                byte[] other = seeds.get(random.nextInt(seeds.size()));
                int cut = random.nextInt(b.length + 1);
                int otherCut = random.nextInt(other.length + 1);
                b = concat(Arrays.copyOfRange(b, 0, cut), Arrays.copyOfRange(other, otherCut, other.length));
            }
        }
        return b;
    }

    private static byte[] concat(byte[]... parts) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (byte[] p : parts) {
            out.writeBytes(p);
        }
        return out.toByteArray();
    }

    /** An input for a failure message: its first bytes in hex. */
    public static String show(byte[] b) {
        return b.length + " bytes: " + HexFormat.of().formatHex(b, 0, Math.min(b.length, 96)) + (b.length > 96 ? "..." : "");
    }
}
