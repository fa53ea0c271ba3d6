package dev.procpool.seeds;

import static org.assertj.core.api.Assertions.assertThat;

import dev.procpool.testing.LeakCheck;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Keeps {@code docs/seeds.md} and the seed tests in sync: a code block introduced by
 * {@code <!-- snippet: Class#tag -->} must equal, character for character (after removing the common
 * indentation), the region between {@code // tag::tag[]} and {@code // end::tag[]} in
 * {@code dev/procpool/seeds/Class.java}; and every tagged region of the seed tests listed below is
 * shown in the doc.
 */
@ExtendWith(LeakCheck.class)
class SeedDocSyncTest {
    /** The seed tests whose every tagged region must appear in the doc. */
    private static final List<String> DOCUMENTED = List.of(
            "ProcessControllerSeedTest", "DiracProcessPoolSeedTest", "PyworkersSeedTest", "PyExPoolSeedTest",
            "MultitoolsSeedTest");

    private static final Pattern SNIPPET = Pattern.compile(
            "<!-- snippet: (\\w+)#(\\w+) -->\\n```java\\n(.*?)```", Pattern.DOTALL);
    private static final Pattern TAG = Pattern.compile("// tag::(\\w+)\\[\\]");

    @Test
    void everySnippetInTheDocIsTheTestedCode() throws IOException {
        Path root = projectRoot();
        String doc = Files.readString(root.resolve("docs/seeds.md"));
        Matcher m = SNIPPET.matcher(doc);
        Set<String> shown = new LinkedHashSet<>();
        List<String> mismatches = new ArrayList<>();
        while (m.find()) {
            String cls = m.group(1);
            String tag = m.group(2);
            Path source = sources(root).resolve(cls + ".java");
            if (!Files.exists(source)) {
                mismatches.add(cls + "#" + tag + ": no such test class " + source);
                continue;
            }
            String region = region(Files.readString(source), tag);
            if (region == null) {
                mismatches.add(cls + "#" + tag + ": no region tagged '" + tag + "' in " + source.getFileName());
            } else if (!region.equals(m.group(3))) {
                mismatches.add(cls + "#" + tag + ": the doc's code differs from the test's; copy the region again:\n"
                        + region);
            }
            shown.add(cls + "#" + tag);
        }
        assertThat(mismatches).isEmpty();

        List<String> missing = new ArrayList<>();
        for (String cls : DOCUMENTED) {
            Matcher t = TAG.matcher(Files.readString(sources(root).resolve(cls + ".java")));
            while (t.find()) {
                if (!shown.contains(cls + "#" + t.group(1))) {
                    missing.add(cls + "#" + t.group(1));
                }
            }
        }
        assertThat(missing).as("tagged examples not shown in docs/seeds.md").isEmpty();
    }

    /** The lines between the tag's markers, without their common indentation, each ending in a newline. */
    static String region(String source, String tag) {
        String begin = "// tag::" + tag + "[]";
        String end = "// end::" + tag + "[]";
        List<String> lines = source.lines().toList();
        int from = -1;
        int to = -1;
        for (int i = 0; i < lines.size(); i++) {
            String line = lines.get(i).trim();
            if (line.equals(begin)) {
                from = i + 1;
            } else if (line.equals(end) && from >= 0) {
                to = i;
                break;
            }
        }
        if (from < 0 || to < 0) {
            return null;
        }
        List<String> body = lines.subList(from, to);
        int indent = body.stream().filter(l -> !l.isBlank())
                .mapToInt(l -> l.length() - l.stripLeading().length()).min().orElse(0);
        StringBuilder sb = new StringBuilder();
        for (String l : body) {
            sb.append(l.isBlank() ? "" : l.substring(indent)).append('\n');
        }
        return sb.toString();
    }

    private static Path sources(Path root) {
        return root.resolve("procpool-core/src/test/java/dev/procpool/seeds");
    }

    private static Path projectRoot() {
        for (Path p = Path.of("").toAbsolutePath(); p != null; p = p.getParent()) {
            if (Files.exists(p.resolve("docs/seeds.md")) && Files.isDirectory(p.resolve("procpool-core"))) {
                return p;
            }
        }
        throw new AssertionError("docs/seeds.md not found above " + Path.of("").toAbsolutePath());
    }
}
