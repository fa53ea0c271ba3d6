package dev.procpool.cli.run;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.AccessDeniedException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * {@code procpool run}'s inputs: the {@code :::}/{@code ::::}/{@code -a} sources, records and their
 * columns, batches for {@code -N}/{@code -X}, the next batch (from the lists or streamed from
 * stdin), {@code --pipe}'s checks, and {@code --dry-run}.
 */
abstract class RunInputs extends RunOptions {
    record Source(List<String> values, boolean linked) {
    }

    int dryRun(boolean streaming, List<List<List<String>>> all) throws IOException {
        long seq = 0;
        if (streaming) {
            Records r = new Records(System.in, delimiterByte, this::warnDirect);
            List<List<String>> batchNow = new ArrayList<>();
            for (String line; (line = r.next()) != null; ) {
                batchNow.add(List.of(line));
                if (batchNow.size() >= Math.max(1, batchSize)) {
                    seq++;
                    stdout.write(Bytes.bytes(template.expand(jobArgs(batchNow), seq, (int) ((seq - 1) % slots) + 1) + "\n"));
                    batchNow = new ArrayList<>();
                }
            }
            if (!batchNow.isEmpty()) {
                seq++;
                stdout.write(Bytes.bytes(template.expand(jobArgs(batchNow), seq, (int) ((seq - 1) % slots) + 1) + "\n"));
            }
        } else {
            for (List<List<String>> args : all) {
                seq++;
                stdout.write(Bytes.bytes(template.expand(jobArgs(args), seq, (int) ((seq - 1) % slots) + 1) + "\n"));
            }
        }
        stdout.flush();
        return 0;
    }

    /** With -N0 a job gets no arguments at all; with --pipe its input is its block, not arguments. */
    List<List<String>> jobArgs(List<List<String>> batch) {
        return pipe || maxReplaceArgs != null && maxReplaceArgs == 0 ? List.of() : batch;
    }

    void checkPipe(List<Source> sources) {
        if (sources.size() != 1 || sources.get(0).values() != STDIN) {
            throw bad("--pipe cuts stdin into blocks: give no ::: or :::: arguments with it");
        }
        if (results != null || remote || dryRun || contextReplace || multiple || xargs || maxArgs != null
                || colsep != null || header != null || shuffle) {
            throw bad("--pipe goes with -j, -k, -N, --block, --recend, --recstart, --tagstring, the output options,"
                    + " --joblog, --timeout, --halt and --retries (not with --results, -S, --dry-run, -X, -m, --xargs,"
                    + " -n, --colsep, --header or --shuf)");
        }
        if (block != null) {
            java.util.regex.Matcher m = Pattern.compile("(\\d+(?:\\.\\d+)?)([kKmMgG]?)").matcher(block.strip());
            if (!m.matches()) {
                throw bad("--block: bad size '" + block + "' (use e.g. 64k, 1M, 10M)");
            }
            // as GNU parallel: k, m, g are powers of 1000; K, M, G powers of 1024
            double v = Double.parseDouble(m.group(1)) * switch (m.group(2)) {
                case "k" -> 1e3;
                case "m" -> 1e6;
                case "g" -> 1e9;
                case "K" -> 1024;
                case "M" -> 1024 * 1024;
                case "G" -> 1024 * 1024 * 1024;
                default -> 1;
            };
            if (v < 1 || v > Integer.MAX_VALUE / 4) {
                throw bad("--block: " + block + " is out of range (1 byte to 512M)");
            }
            blockBytes = (int) v;
        }
        if (recend != null && recend.isEmpty() && (recstart == null || recstart.isEmpty())) {
            throw bad("--pipe needs --recend or --recstart to cut records");
        }
    }

    /** GNU parallel's escapes in --recend and --recstart: \\n, \\t, \\0, \\\\. */
    static byte[] escapes(String s) {
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c == '\\' && i + 1 < s.length()) {
                char n = s.charAt(++i);
                sb.append(switch (n) {
                    case 'n' -> '\n';
                    case 't' -> '\t';
                    case 'r' -> '\r';
                    case '0' -> '\0';
                    default -> n;
                });
            } else {
                sb.append(c);
            }
        }
        return Bytes.bytes(sb.toString());
    }

    List<List<String>> nextBatch() {
        if (stdinInputs == null) {
            return batches.hasNext() ? batches.next() : null;
        }
        int want = Math.max(1, batchSize);
        int ready = stdinInputs.ready();
        if (ready == 0 || ready < want && !stdinInputs.eof()) {
            return null;
        }
        List<List<String>> b = new ArrayList<>();
        while (b.size() < want && stdinInputs.ready() > 0) {
            b.add(stdinInputs.next());
        }
        total++;
        return b;
    }

    boolean inputExhausted() {
        return stdinInputs == null ? !batches.hasNext() : stdinInputs.exhausted();
    }

    // ---- input ----

    List<Source> parseSources(List<String> command) {
        List<Source> sources = new ArrayList<>();
        String mode = null;
        boolean linked = false;
        for (String w : words) {
            if (w.equals(":::") || w.equals("::::") || w.equals(":::+") || w.equals("::::+")) {
                mode = w.startsWith("::::") ? "::::" : ":::";
                linked = w.endsWith("+");
                if (linked && sources.isEmpty()) {
                    throw bad(w + " links to the input source before it, and there is none");
                }
                if (mode.equals(":::")) {
                    sources.add(new Source(new ArrayList<>(), linked));
                }
                continue;
            }
            if (mode == null) {
                command.add(w);
            } else if (mode.equals(":::")) {
                sources.get(sources.size() - 1).values().add(w);
            } else {
                sources.add(new Source(readRecords(w), linked));
                linked = false; // only the first file after ::::+ is linked
            }
        }
        for (String f : argFiles) {
            sources.add(new Source(readRecords(f), false));
        }
        if (sources.isEmpty()) {
            sources.add(new Source(STDIN, false));
        }
        if (command.isEmpty() && sources.size() > 1) {
            throw bad("no command given (the arguments of several sources cannot be commands)");
        }
        return sources;
    }

    /** An input file's records; "-" is stdin. */
    List<String> readRecords(String file) {
        if (file.equals("-")) {
            return STDIN;
        }
        InputStream in;
        Path p = Bytes.nativePath(file);
        try {
            if (p != null) {
                if (Files.isDirectory(p)) {
                    throw new Fatal("Cannot open input file '" + file + "': Is a directory", 255);
                }
                in = Files.newInputStream(p);
            } else {
                Bytes.Helper h = Bytes.sh("exec cat -- \"$1\"", null, file);
                if (h.exit() != 0) {
                    throw new Fatal("Cannot open input file '" + file + "': " + Bytes.text(h.err()), 255);
                }
                in = new java.io.ByteArrayInputStream(h.out());
            }
        } catch (NoSuchFileException e) {
            throw new Fatal("Cannot open input file '" + file + "': No such file or directory", 255);
        } catch (AccessDeniedException e) {
            throw new Fatal("Cannot open input file '" + file + "': Permission denied", 255);
        } catch (IOException e) {
            throw new Fatal("Cannot open input file '" + file + "': " + Bytes.text(String.valueOf(e.getMessage())), 255);
        }
        try (in) {
            return readRecords(in);
        } catch (IOException e) {
            throw new Fatal("Cannot read input file '" + file + "': " + Bytes.text(String.valueOf(e.getMessage())), 255);
        }
    }

    List<String> readRecords(InputStream in) throws IOException {
        Records r = new Records(in, delimiterByte, this::warnDirect);
        List<String> out = new ArrayList<>();
        for (String s; (s = r.next()) != null; ) {
            out.add(s);
        }
        return out;
    }

    /**
     * Every combination of the sources (linked ones value by value), stdin read whole. With
     * --header, the first value of each source names its column ({name}; with --colsep, its
     * columns) and is no argument.
     */
    List<List<String>> readAll(List<Source> sources, Map<String, Integer> names) throws IOException {
        List<List<List<String>>> groups = new ArrayList<>();
        int position = 1;
        for (Source s : sources) {
            List<String> values = s.values() == STDIN ? readRecords(System.in) : s.values();
            if (header != null && !values.isEmpty()) {
                for (String name : colsep == null ? new String[] {values.get(0)} : values.get(0).split(colsep, -1)) {
                    names.putIfAbsent(name, position++);
                }
                values = values.subList(1, values.size());
            }
            List<List<String>> asRecords = new ArrayList<>(values.size());
            for (String v : values) {
                asRecords.add(List.of(v));
            }
            if (s.linked() && !groups.isEmpty()) {
                // :::+ pairs values by position; the shorter source ends the pairs, as in GNU parallel
                List<List<String>> prev = groups.get(groups.size() - 1);
                List<List<String>> zipped = new ArrayList<>();
                for (int i = 0; i < Math.min(prev.size(), asRecords.size()); i++) {
                    List<String> both = new ArrayList<>(prev.get(i));
                    both.addAll(asRecords.get(i));
                    zipped.add(both);
                }
                groups.set(groups.size() - 1, zipped);
            } else {
                groups.add(asRecords);
            }
        }
        List<List<String>> out = new ArrayList<>();
        out.add(List.of());
        for (List<List<String>> g : groups) {
            List<List<String>> next = new ArrayList<>(out.size() * Math.max(1, g.size()));
            for (List<String> prefix : out) {
                for (List<String> v : g) {
                    List<String> l = new ArrayList<>(prefix.size() + v.size());
                    l.addAll(prefix);
                    l.addAll(v);
                    next.add(l);
                }
            }
            out = next;
        }
        return out;
    }

    List<List<String>> splitColumns(List<List<String>> records) {
        Pattern p = Pattern.compile(colsep);
        List<List<String>> out = new ArrayList<>(records.size());
        for (List<String> rec : records) {
            List<String> cols = new ArrayList<>();
            for (String v : rec) {
                cols.addAll(List.of(p.split(v, -1)));
            }
            out.add(cols);
        }
        return out;
    }

    /** Records into jobs: one each, N each (-N, -n), or as many as fit (-X, -m, --xargs). */
    List<List<List<String>>> batch(List<List<String>> records) {
        List<List<List<String>>> out = new ArrayList<>();
        if (!(contextReplace || multiple || xargs)) {
            int n = Math.max(1, batchSize);
            for (int i = 0; i < records.size(); i += n) {
                out.add(records.subList(i, Math.min(records.size(), i + n)));
            }
            return out;
        }
        // -X and -m spread the arguments over the job slots (GNU: 5 arguments on 2 slots: 3 and 2)
        int perJob = xargs ? Integer.MAX_VALUE : (int) Math.ceil(records.size() / (double) slots);
        List<List<String>> cur = new ArrayList<>();
        for (List<String> rec : records) {
            cur.add(rec);
            boolean tooLong = cur.size() > 1 && template.expand(cur, 1, 1).length() > MAX_LINE;
            if (tooLong) {
                cur.remove(cur.size() - 1);
                out.add(cur);
                cur = new ArrayList<>();
                cur.add(rec);
            }
            if (cur.size() >= perJob) {
                out.add(cur);
                cur = new ArrayList<>();
            }
        }
        if (!cur.isEmpty()) {
            out.add(cur);
        }
        return out;
    }

    void warn(String message) {
        // called with the run's lock held (the stdin reader)
        if (printer != null) {
            printer.message("procpool: Warning: " + message);
        } else {
            warnDirect(message);
        }
    }

    void warnDirect(String message) {
        try {
            stderr.write(Bytes.bytes("procpool: Warning: " + message + "\n"));
            stderr.flush();
        } catch (IOException e) {
            // stderr gone: nothing to tell
        }
    }
}
