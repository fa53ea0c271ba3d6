package demo.seeds;

import static org.assertj.core.api.Assertions.assertThat;

import dev.procpool.testing.LeakCheck;
import java.io.IOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import javax.tools.Diagnostic;
import javax.tools.DiagnosticCollector;
import javax.tools.JavaCompiler;
import javax.tools.JavaFileObject;
import javax.tools.SimpleJavaFileObject;
import javax.tools.StandardJavaFileManager;
import javax.tools.ToolProvider;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * Keeps {@code docs/seeds.md} honest, as a user who pastes its examples would find it:
 * <ul>
 *   <li>every {@code java} code block is introduced by {@code <!-- snippet: Class#tag -->} and equals,
 *       character for character (after removing the common indentation), the region between
 *       {@code // tag::tag[]} and {@code // end::tag[]} in {@code demo/seeds/Class.java}, a test that
 *       runs; and every tagged region of the seed tests is shown;</li>
 *   <li>every test the doc names as {@code `Class#method`} (the proofs in the capability tables) exists;</li>
 *   <li>the blocks are self-contained: for each test class, its {@code imports} block at the top of a
 *       file and all its other blocks in one class of another package ({@code demo.pasted}) compile
 *       on their own, so nothing they use is hidden in the test (a helper, a constant, a class).</li>
 * </ul>
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
    /** A test named in the doc's text, such as {@code `PoolTest#mapKeepsInputOrderAndChunksLargeInputs`}. */
    private static final Pattern NAMED_TEST = Pattern.compile("`(\\w+Test)#(\\w+)`");

    /** The doc's java blocks, by test class, in the doc's order; each a tag and its code. */
    private static Map<String, Map<String, String>> snippets(String doc) {
        Map<String, Map<String, String>> byClass = new LinkedHashMap<>();
        Matcher m = SNIPPET.matcher(doc);
        while (m.find()) {
            byClass.computeIfAbsent(m.group(1), c -> new LinkedHashMap<>()).put(m.group(2), m.group(3));
        }
        return byClass;
    }

    @Test
    void everySnippetInTheDocIsTheTestedCode() throws IOException {
        Path root = projectRoot();
        String doc = Files.readString(root.resolve("docs/seeds.md"));
        Set<String> shown = new LinkedHashSet<>();
        List<String> mismatches = new ArrayList<>();
        snippets(doc).forEach((cls, tags) -> tags.forEach((tag, code) -> {
            shown.add(cls + "#" + tag);
            Path source = sources(root).resolve(cls + ".java");
            if (!Files.exists(source)) {
                mismatches.add(cls + "#" + tag + ": no such test class " + source);
                return;
            }
            String region;
            try {
                region = region(Files.readString(source), tag);
            } catch (IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
            if (region == null) {
                mismatches.add(cls + "#" + tag + ": no region tagged '" + tag + "' in " + source.getFileName());
            } else if (!region.equals(code)) {
                mismatches.add(cls + "#" + tag + ": the doc's code differs from the test's; copy the region again:\n"
                        + region);
            }
        }));
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

    @Test
    void everyTestTheDocNamesExists() throws IOException {
        Path root = projectRoot();
        String doc = Files.readString(root.resolve("docs/seeds.md"));
        Map<String, Path> testSources = new LinkedHashMap<>();
        try (Stream<Path> files = Files.walk(root, 8)) {
            files.filter(f -> f.toString().contains("/src/test/java/") && f.toString().endsWith("Test.java"))
                    .forEach(f -> testSources.putIfAbsent(f.getFileName().toString().replace(".java", ""), f));
        }
        Matcher m = NAMED_TEST.matcher(doc);
        Set<String> missing = new LinkedHashSet<>();
        int named = 0;
        while (m.find()) {
            named++;
            Path source = testSources.get(m.group(1));
            if (source == null) {
                missing.add(m.group() + ": no test class " + m.group(1));
            } else if (!Pattern.compile("void " + m.group(2) + "\\(").matcher(Files.readString(source)).find()) {
                missing.add(m.group() + ": no method " + m.group(2) + " in " + root.relativize(source));
            }
        }
        assertThat(named).as("tests named in docs/seeds.md").isGreaterThan(100);
        assertThat(missing).as("tests named in docs/seeds.md that do not exist").isEmpty();
    }

    @Test
    void everyJavaBlockInTheDocIsChecked() throws IOException {
        List<String> lines = Files.readString(projectRoot().resolve("docs/seeds.md")).lines().toList();
        List<String> unchecked = new ArrayList<>();
        for (int i = 0; i < lines.size(); i++) {
            if (lines.get(i).strip().startsWith("```java")
                    && (i == 0 || !lines.get(i - 1).matches("<!-- snippet: \\w+#\\w+ -->"))) {
                unchecked.add("line " + (i + 1) + ": a java block without <!-- snippet: Class#tag --> before it");
            }
        }
        assertThat(unchecked).as("java blocks in docs/seeds.md that no test checks").isEmpty();
    }

    @Test
    void theSnippetsOfEachSeedCompileOnTheirOwnOutsideTheProject(@TempDir Path out) throws IOException {
        String doc = Files.readString(projectRoot().resolve("docs/seeds.md"));
        List<JavaFileObject> sources = new ArrayList<>();
        Map<String, Map<String, String>> byClass = snippets(doc);
        assertThat(byClass.keySet()).containsAll(DOCUMENTED);
        for (Map.Entry<String, Map<String, String>> e : byClass.entrySet()) {
            StringBuilder src = new StringBuilder("package demo.pasted;\n\n");
            String imports = e.getValue().get("imports");
            assertThat(imports).as(e.getKey() + ": the doc shows no imports block").isNotNull();
            src.append(imports).append("\nclass ").append(e.getKey()).append(" {\n");
            e.getValue().forEach((tag, code) -> {
                if (!tag.equals("imports")) {
                    src.append("// ").append(tag).append('\n').append(code).append('\n');
                }
            });
            src.append("}\n");
            String text = src.toString();
            sources.add(new SimpleJavaFileObject(URI.create("string:///demo/pasted/" + e.getKey() + ".java"),
                    JavaFileObject.Kind.SOURCE) {
                @Override
                public CharSequence getCharContent(boolean ignoreEncodingErrors) {
                    return text;
                }
            });
        }
        JavaCompiler javac = ToolProvider.getSystemJavaCompiler();
        DiagnosticCollector<JavaFileObject> diagnostics = new DiagnosticCollector<>();
        String classPath = System.getProperty("surefire.test.class.path", System.getProperty("java.class.path"));
        try (StandardJavaFileManager files = javac.getStandardFileManager(diagnostics, null, null)) {
            boolean ok = javac.getTask(null, files, diagnostics,
                    List.of("-classpath", classPath, "-d", out.toString(), "-proc:none"), null, sources).call();
            List<String> errors = diagnostics.getDiagnostics().stream()
                    .filter(d -> d.getKind() == Diagnostic.Kind.ERROR)
                    .map(d -> d.getSource().getName() + ":" + d.getLineNumber() + ": " + d.getMessage(null)
                            + "\n    " + line(d))
                    .toList();
            assertThat(errors).as("the doc's snippets, pasted into a class of package demo.pasted").isEmpty();
            assertThat(ok).isTrue();
        }
    }

    private static String line(Diagnostic<? extends JavaFileObject> d) {
        try {
            List<String> lines = d.getSource().getCharContent(true).toString().lines().toList();
            return d.getLineNumber() >= 1 && d.getLineNumber() <= lines.size() ? lines.get((int) d.getLineNumber() - 1) : "";
        } catch (IOException e) {
            return "";
        }
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
        return root.resolve("procpool-core/src/test/java/demo/seeds");
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
