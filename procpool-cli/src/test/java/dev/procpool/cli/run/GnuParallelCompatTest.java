package dev.procpool.cli.run;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.assertj.core.api.SoftAssertions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The same job sets through GNU parallel and {@code procpool run}, both with {@code -k}: the same
 * stdout, byte for byte, and the same exit code. GNU parallel must be installed ({@code .ci/run}
 * installs it); without it this test fails, saying so, rather than passing without comparing.
 *
 * <p>Each case is a line of shell (ASCII only: other bytes are written {@code $(printf '\351')}, so
 * this JVM's own locale cannot change them) in which {@code $T} is the tool: {@code parallel
 * --will-cite -k} or {@code procpool run -k}, and {@code $R} a directory of the run's own. The
 * cases run a few at a time, each with its own deadline, so one that hangs fails alone. Cases about
 * bytes run under {@code LANG} unset (the JVM's charset is then US-ASCII) and under
 * {@code LC_ALL=C.UTF-8}; the others under C.UTF-8.
 */
@Tag("jvm") // starts JVMs or other processes: left out of the fast run (docs/building.md)
class GnuParallelCompatTest {
    @TempDir
    static Path dir;

    private static final String LAT = "$(printf 'lat\\351')";
    private static final String UTF = "$(printf 'caf\\303\\251')";
    private static final String EDGES = LAT + " " + UTF + " 'two words' \"it's\" 'a\"b' 'cost$HOME' 'back\\slash' '-n'"
            + " '*' ' lead' 'semi;colon' '' 'tab\tx'";

    /** Cases about bytes: under both locales. */
    private static final List<String> BYTE_CASES = List.of(
            "$T echo ::: " + EDGES,
            "$T 'printf \"[%s]\" {}; echo' ::: " + EDGES,
            "$T printf '[%s]\\n' ::: " + EDGES,
            "printf 'lat\\351\\ncaf\\303\\251\\na b\\n x\\\\y\\n' | $T echo",
            "printf 'a\\nb c\\0lat\\351\\0x\\\\y\\0\\0' | $T -0 'printf \"[%s]\" {}; echo'",
            "$T echo :::: " + "$(printf 'in\\351')",
            "$T cat ::: " + LAT,
            "$T wc -c ::: " + LAT + " " + UTF,
            "$T echo {.} {/} {//} {/.} ::: $(printf '/d\\351/f\\351.t\\351') $(printf '/d/f\\303\\251.x')",
            "$T --tag echo ::: " + LAT + " " + UTF,
            "$T --results \"$R/$(printf 'r\\351s')\" echo ::: " + LAT + " a && cd \"$R\" && find . | LC_ALL=C sort"
                    + " && cat \"$(printf 'r\\351s')\"/1/*/stdout",
            "$T --dry-run echo {} ::: 'a b' \"c'd\" 'x$y' " + UTF,
            "$T -d _ echo :::: " + "$(printf 'in\\351')" + "_d");

    /** Everything else, once, in four groups (each a test of its own, so each has its own time limit). */
    private static final List<String> SOURCES = List.of(
            // sources and combinations
            "$T echo ::: a b c",
            "$T echo {2} {1} ::: a b ::: 1 2 3",
            "$T --tag echo {} ::: x y ::: 1 2",
            "$T echo {1}{2} ::: a b c :::+ 1 2",
            "$T echo {1}{2}{3} ::: a b ::: x y :::+ 1 2",
            "$T echo ::: a b :::: args.txt",
            "$T -a args.txt echo",
            "$T echo {1}-{2} :::: args.txt ::::+ args.txt",
            "printf 'a\\nb\\n' | $T echo {1}{2} :::: - ::: 1 2",
            "$T ::: 'echo hi' 'echo there'",
            // replacement strings
            "$T -j 1 echo {} {.} {/} {//} {/.} {#} {%} :::: args.txt",
            "$T echo {1/.} {2//} {3.} ::: /a/b.c ::: /d/e/f ::: g.h",
            "$T echo {2} ::: a",
            "$T echo '{= s/a/b/ =}' '{= s/a/b/g =}' ::: aaa",
            "$T echo '{=1 s/a/b/ =}' '{2}' ::: aa ::: cc",
            "$T echo '{= $_=uc($_) =}' '{= s/(\\w+)\\.(\\w+)/$2.$1/ =}' ::: ab.cd",
            "$T echo '{= tr/a-c/A-C/ =}' ::: abcd",
            "$T -I XX echo XX-XX ::: a b",
            "$T --tagstring '<{}>' echo {} ::: a b",
            "$T --tagstring '{1}-{#}' echo {2} ::: a ::: b",
            // records and columns
            "printf 'a b\\0c\\nd\\0' | $T -0 echo",
            "printf 'a_b_c' | $T -d _ echo",
            "printf 'a\\r\\nb\\n' | $T echo {}x",
            "$T --colsep , echo {2}-{1} ::: a,b c,d",
            "$T --header : echo {a}-{b} ::: a 1 2 ::: b x y",
            "$T --header : --colsep , echo {m}-{n} :::: h.csv");

    private static final List<String> JOBS = List.of(
            // several arguments a job
            "$T -N2 echo {1}-{2} ::: 1 2 3 4 5",
            "$T -n2 echo ::: 1 2 3 4 5",
            "$T -N0 echo hi ::: a b",
            "$T -j2 -X echo pre{}post ::: 1 2 3 4 5",
            "$T -j2 -m echo ::: 1 2 3 4 5",
            "$T -j2 --xargs echo ::: 1 2 3 4 5",
            "printf '1\\n2\\n3\\n4\\n5\\n' | $T -j2 -X echo",
            "printf '1\\n2\\n3\\n4\\n5\\n' | $T -N2 echo",
            "$T -N2 --tag echo ::: a b c",
            // --pipe: blocks of stdin as the jobs' stdin
            "seq 1 9 | $T --pipe -N3 wc -l",
            "seq 1 9 | $T --pipe -N2 'cat | tr \"\\n\" \" \"; echo'",
            "seq 1 100000 | $T --pipe --block 100k wc -l",
            "seq 1 100000 | $T -j 2 --pipe --block 100K wc -l",
            "seq 1 400000 | $T --pipe wc -l",
            "printf '>a\\nx\\n>b\\ny\\n' | $T --pipe -N1 --recstart '>' --recend '' 'cat; echo --'",
            "printf 'a;b;c;' | $T --pipe -N1 --recend ';' 'cat; echo'",
            "$T --pipe --block 100k wc -l < seq.txt",
            "$T --pipe --block 3 --recstart '>' --recend '' 'cat; echo --' < rs.txt",
            "cat rs.txt | $T --pipe --block 3 --recstart '>' --recend '' 'cat; echo --'");

    private static final List<String> OUTPUT = List.of(
            // output
            "$T -j2 'echo {}; sleep 0.{}; echo {}e >&2' ::: 3 2 1 2>&1",
            "$T -j2 --tag 'echo {}; echo e{} >&2' ::: b a 2>&1",
            "$T --tag printf x ::: a",
            "$T --group -j2 'echo {}; sleep 0.{}; echo {}' ::: 3 1",
            "$T --line-buffer -j2 'echo {}; sleep 0.{}; echo {}' ::: 3 1",
            "$T -u -j1 'echo {}; echo {}' ::: a b",
            "$T --delay 0.05 echo ::: a b c",
            "$T --eta echo ::: a b 2>/dev/null",
            "$T --bar echo ::: a b 2>/dev/null",
            "$T --shuf echo ::: a b c d e | LC_ALL=C sort",
            "$T --joblog - true ::: a | cut -f 1,2,5,7,8,9");

    private static final List<String> EXITS = List.of(
            // exit codes and --halt
            "$T 'echo {}; exit {}' ::: 0 1 2 0",
            "$T true ::: 1 2",
            "$T false ::: 1 2 3",
            "$T 'exit 1' ::: $(seq 1 102)",
            "$T -j 1 --halt now,fail=1 'echo {}; exit {}' ::: 0 3 0 0",
            "$T -j 1 --halt soon,fail=1 'echo {}; exit {}' ::: 0 4 0",
            "$T -j 1 --halt now,success=1 'echo {}; exit {}' ::: 3 0 5",
            "$T -j 1 --halt soon,fail=2 'echo {}; exit {}' ::: 0 3 0 4 5 0",
            "$T -j 1 --halt now,fail=50% 'echo {}; exit {}' ::: 0 3 0 4 5 0",
            "$T -j 1 --halt soon,fail=30% 'echo {}; exit {}' ::: 0 3 0 4 5 0",
            "$T -j 1 --halt now,fail=20% 'echo {}; exit {}' ::: 1 0 0 0 0 0",
            "$T -j 1 --halt soon,done=3 'echo {}; exit {}' ::: 0 1 0 0 0",
            "$T -j 1 --halt 2 'echo {}; exit {}' ::: 0 3 0",
            "$T -j 1 --halt now,fail=1 'echo {}; kill -TERM $$' ::: a b",
            "$T -j 0 echo ::: a b",
            "$T -j 50% echo ::: a b",
            // bad input: GNU's exit status, no hang
            "$T --results afile echo ::: a",
            "$T --results /proc/x echo ::: a",
            "$T --results rr echo ::: a",
            "$T --joblog /tmp echo ::: a",
            "$T --joblog /no/such/dir/log echo ::: a",
            "$T echo :::: no-such-file",
            "$T -j -5 echo ::: a",
            "!$T -j many echo ::: a",
            "$T echo :::: nul.txt",
            "$T no-such-command-here ::: a",
            "!$T --halt sometimes echo ::: a",
            "!$T --timeout abc echo ::: a",
            "!$T --no-such-option echo ::: a");

    private static String procpool;

    @BeforeAll
    static void setUp() throws Exception {
        Run v = sh("command -v parallel && parallel --version", Map.of(), null);
        assertThat(v.exit()).as("GNU parallel is needed for this test: apt-get install parallel (.ci/run does)").isZero();
        assertThat(v.text()).as("'parallel' is not GNU parallel").contains("GNU parallel");
        procpool = String.join(" ", RunCli.procpool().stream().map(w -> "'" + w.replace("'", "'\\''") + "'").toList());
        // files named and filled with bytes that are not UTF-8, made by the shell (not by this JVM's charset)
        Run made = sh("printf 'one\\ntwo words\\nthree.tar.gz\\n/abs/path/file.c\\n' > args.txt"
                + " && printf 'lat\\351\\ncaf\\303\\251\\n' > \"$(printf 'in\\351')\""
                + " && printf 'a_b\\351_c' > \"$(printf 'in\\351')_d\""
                + " && printf 'x\\n' > \"$(printf 'lat\\351')\" && printf 'yy\\n' > \"$(printf 'caf\\303\\251')\""
                + " && printf 'n,m\\n1,2\\n3,4\\n' > h.csv && printf 'a\\0b\\nc\\n' > nul.txt && touch afile"
                + " && mkdir rr && touch rr/1 && seq 1 100000 > seq.txt && printf '>a\\nx\\n>b\\ny\\n' > rs.txt",
                Map.of(), null);
        assertThat(made.exit()).as(made.text()).isZero();
    }

    @Test
    void bytesUnderBothLocales() throws Exception {
        List<String[]> runs = new ArrayList<>();
        for (String c : BYTE_CASES) {
            runs.add(new String[] {c, null});
            runs.add(new String[] {c, "C.UTF-8"});
        }
        compareAll(runs);
    }

    @Test
    void sourcesReplacementStringsRecordsAndColumns() throws Exception {
        compareAll(SOURCES.stream().map(c -> new String[] {c, "C.UTF-8"}).toList());
    }

    @Test
    void severalArgumentsAJobAndPipe() throws Exception {
        compareAll(JOBS.stream().map(c -> new String[] {c, "C.UTF-8"}).toList());
    }

    @Test
    void outputGroupingAndOrder() throws Exception {
        compareAll(OUTPUT.stream().map(c -> new String[] {c, "C.UTF-8"}).toList());
    }

    @Test
    void exitCodesHaltAndBadInput() throws Exception {
        compareAll(EXITS.stream().map(c -> new String[] {c, "C.UTF-8"}).toList());
    }

    /** Runs the cases two at a time, each with its own deadline, and reports every difference at once. */
    private static void compareAll(List<String[]> runs) throws Exception {
        ExecutorService threads = Executors.newFixedThreadPool(2);
        try {
            List<Future<String>> outcomes = new ArrayList<>();
            for (String[] r : runs) {
                outcomes.add(threads.submit(() -> compare(r[0], r[1])));
            }
            SoftAssertions soft = new SoftAssertions();
            for (int i = 0; i < runs.size(); i++) {
                String problem = outcomes.get(i).get(150, TimeUnit.SECONDS);
                soft.assertThat(problem).as(runs.get(i)[0] + "  [LC_ALL=" + runs.get(i)[1] + "]").isNull();
            }
            soft.assertAll();
        } finally {
            threads.shutdownNow();
        }
    }

    /**
     * Null when both tools agree, else what differs. A case starting with {@code !} compares the
     * exit code only: there GNU parallel prints its usage text on stdout.
     */
    private static String compare(String line, String lcAll) throws Exception {
        boolean exitOnly = line.startsWith("!");
        String c = exitOnly ? line.substring(1) : line;
        Path own = Files.createTempDirectory(dir, "r");
        Path gnuDir = Files.createDirectories(own.resolve("gnu"));
        Path oursDir = Files.createDirectories(own.resolve("ours"));
        // $T calls a shell function, so the tool's own words keep their quoting
        Run gnu = sh("T_() { parallel --will-cite -k \"$@\"; }; T=T_; " + c, Map.of("R", gnuDir.toString()), lcAll);
        Run ours = sh("T_() { " + procpool + " -k \"$@\"; }; T=T_; " + c, Map.of("R", oursDir.toString()), lcAll);
        List<String> problems = new ArrayList<>();
        if (!exitOnly && !java.util.Arrays.equals(gnu.out(), ours.out())) {
            problems.add("stdout differs: GNU " + show(gnu.out()) + " procpool " + show(ours.out()));
        }
        if (gnu.exit() != ours.exit()) {
            problems.add("exit code: GNU " + gnu.exit() + ", procpool " + ours.exit());
        }
        String err = new String(ours.err(), StandardCharsets.UTF_8);
        if (gnu.exit() == 255 && !err.startsWith("procpool: ")) {
            problems.add("bad input without a 'procpool: ' message first: " + err);
        }
        if (err.contains("\tat ") || err.contains("Exception")) {
            problems.add("a stack trace on stderr: " + err);
        }
        return problems.isEmpty() ? null : String.join("; ", problems) + " (procpool's stderr: " + err.strip() + ")";
    }

    private static String show(byte[] b) {
        String s = new String(b, StandardCharsets.ISO_8859_1);
        return s.chars().allMatch(ch -> ch >= 0x20 && ch < 0x7F || ch == '\n' || ch == '\t')
                ? "'" + s.replace("\n", "\\n").replace("\t", "\\t") + "'"
                : "hex " + HexFormat.of().formatHex(b);
    }

    record Run(int exit, byte[] out, byte[] err) {
        String text() {
            return new String(out, StandardCharsets.UTF_8) + new String(err, StandardCharsets.UTF_8);
        }
    }

    /** Runs a line of shell in the test directory, with the locale variables cleared then LC_ALL set (or not). */
    static Run sh(String line, Map<String, String> env, String lcAll) throws Exception {
        ProcessBuilder pb = new ProcessBuilder("/bin/sh", "-c", line).directory(dir.toFile());
        Map<String, String> e = pb.environment();
        e.keySet().removeIf(k -> k.equals("LANG") || k.equals("LANGUAGE") || k.startsWith("LC_"));
        if (lcAll != null) {
            e.put("LC_ALL", lcAll);
        }
        e.put("SHELL", "/bin/sh");
        e.put("PARALLEL_SHELL", "/bin/sh");
        e.putAll(env);
        Process p = pb.start();
        CompletableFuture<byte[]> out = read(p.getInputStream());
        CompletableFuture<byte[]> err = read(p.getErrorStream());
        p.getOutputStream().close();
        if (!p.waitFor(60, TimeUnit.SECONDS)) {
            p.descendants().forEach(ProcessHandle::destroyForcibly);
            p.destroyForcibly();
            throw new AssertionError("did not end within 60 s: " + line);
        }
        return new Run(p.exitValue(), out.get(10, TimeUnit.SECONDS), err.get(10, TimeUnit.SECONDS));
    }

    /** A thread of its own per stream: a shared pool could leave a stream unread and the child blocked. */
    private static CompletableFuture<byte[]> read(InputStream in) {
        CompletableFuture<byte[]> f = new CompletableFuture<>();
        Thread t = new Thread(() -> {
            ByteArrayOutputStream buf = new ByteArrayOutputStream();
            try (in) {
                in.transferTo(buf);
                f.complete(buf.toByteArray());
            } catch (IOException e) {
                f.completeExceptionally(new UncheckedIOException(e));
            }
        });
        t.setDaemon(true);
        t.start();
        return f;
    }
}
