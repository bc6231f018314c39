package dev.berth.api.baseline;

import aQute.bnd.differ.DiffPluginImpl;
import aQute.bnd.service.diff.Delta;
import aQute.bnd.service.diff.Tree;
import aQute.bnd.service.diff.Type;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;

/**
 * A bnd diff {@link Tree} as reviewable text: one node a line, indented two spaces per level, written as
 * {@code TYPE ADD/REMOVE name}, where ADD and REMOVE are the deltas bnd assigns to adding or removing that node.
 * For example:
 *
 * <pre>
 *     PACKAGE MINOR/MAJOR dev.berth.api.stage
 *       INTERFACE MINOR/MAJOR dev.berth.api.stage.PullStage
 *         METHOD MAJOR/MAJOR pull(dev.berth.api.stage.PullRequest,dev.berth.api.stage.StageProgress)
 * </pre>
 *
 * <p>The committed API baseline is kept in this form rather than as a jar or as JSON so that a release's API change
 * reads as a plain line diff in review. Children keep bnd's order (by type, then name), so writing the same API
 * twice gives the same text. Lines starting with {@code #} are comments. In a name, a backslash, control
 * characters and a leading or trailing space are escaped as {@code \\} and {@code \}{@code uXXXX}, so that every
 * name stays on one line and survives editors that trim lines. A node's comment is not kept: bnd's Java differ
 * sets none and no comparison reads one.
 */
final class ApiTreeText {
    private static final String INDENT = "  ";

    private ApiTreeText() {
    }

    /** The text of {@code tree}, each line ended by a newline. */
    static String write(Tree tree) {
        StringBuilder text = new StringBuilder();
        write(text, tree, 0);
        return text.toString();
    }

    private static void write(StringBuilder text, Tree node, int depth) {
        text.append(INDENT.repeat(depth))
                .append(node.getType()).append(' ')
                .append(node.ifAdded()).append('/').append(node.ifRemoved()).append(' ')
                .append(escape(node.getName())).append('\n');
        for (Tree child : node.getChildren()) {
            write(text, child, depth + 1);
        }
    }

    /**
     * Reads text written by {@link #write} back into a tree bnd can diff.
     *
     * @param source names the text in error messages, e.g. its file
     * @throws IllegalArgumentException naming the source and line of the first malformed line
     */
    static Tree read(String text, String source) {
        Tree.Data root = null;
        Deque<Node> open = new ArrayDeque<>();
        String[] lines = text.split("\n", -1);
        for (int i = 0; i < lines.length; i++) {
            String line = lines[i].endsWith("\r") ? lines[i].substring(0, lines[i].length() - 1) : lines[i];
            if (line.isBlank() || line.stripLeading().startsWith("#")) {
                continue;
            }
            Where where = new Where(source, i + 1);
            int spaces = line.length() - line.stripLeading().length();
            if (spaces % INDENT.length() != 0) {
                throw where.error("indentation of " + spaces + " spaces is not a multiple of " + INDENT.length());
            }
            int depth = spaces / INDENT.length();
            if (depth > open.size() || (depth == 0 && root != null)) {
                throw where.error(depth == 0 ? "a second root node; the text holds one tree"
                        : "indented " + depth + " levels under a node at level " + (open.size() - 1));
            }
            while (open.size() > depth) {
                open.pop().close();
            }
            Tree.Data data = parseNode(line.substring(spaces), where);
            if (depth == 0) {
                root = data;
            } else {
                open.peek().children.add(data);
            }
            open.push(new Node(data));
        }
        while (!open.isEmpty()) {
            open.pop().close();
        }
        if (root == null) {
            throw new IllegalArgumentException(source + ": holds no tree");
        }
        try {
            return new DiffPluginImpl().deserialize(root);
        } catch (Exception e) {
            throw new IllegalArgumentException(source + ": bnd cannot read the tree: " + e.getMessage(), e);
        }
    }

    private static Tree.Data parseNode(String node, Where where) {
        String[] parts = node.split(" ", 3);
        if (parts.length < 3) {
            throw where.error("expected 'TYPE ADD/REMOVE name', got '" + node + "'");
        }
        String[] deltas = parts[1].split("/", -1);
        if (deltas.length != 2) {
            throw where.error("expected the deltas as ADD/REMOVE, got '" + parts[1] + "'");
        }
        Tree.Data data = new Tree.Data();
        data.type = where.parse(Type.class, parts[0]);
        data.add = where.parse(Delta.class, deltas[0]);
        data.rem = where.parse(Delta.class, deltas[1]);
        data.name = unescape(parts[2], where);
        return data;
    }

    static String escape(String name) {
        StringBuilder escaped = new StringBuilder(name.length());
        for (int i = 0; i < name.length(); i++) {
            char c = name.charAt(i);
            boolean edgeSpace = c == ' ' && (i == 0 || i == name.length() - 1);
            if (c == '\\') {
                escaped.append("\\\\");
            } else if (c < 0x20 || c == 0x7f || edgeSpace) {
                escaped.append(String.format("\\u%04x", (int) c));
            } else {
                escaped.append(c);
            }
        }
        return escaped.toString();
    }

    private static String unescape(String escaped, Where where) {
        StringBuilder name = new StringBuilder(escaped.length());
        for (int i = 0; i < escaped.length(); i++) {
            char c = escaped.charAt(i);
            if (c != '\\') {
                name.append(c);
            } else if (escaped.startsWith("\\\\", i)) {
                name.append('\\');
                i++;
            } else if (escaped.startsWith("\\u", i) && i + 6 <= escaped.length()
                    && escaped.substring(i + 2, i + 6).matches("[0-9a-fA-F]{4}")) {
                name.append((char) Integer.parseInt(escaped.substring(i + 2, i + 6), 16));
                i += 5;
            } else {
                throw where.error("a backslash in a name starts \\\\ or \\uXXXX, got '" + escaped + "'");
            }
        }
        return name.toString();
    }

    /** A node being read, collecting its children until the next line at its level or above. */
    private record Node(Tree.Data data, List<Tree.Data> children) {
        Node(Tree.Data data) {
            this(data, new ArrayList<>());
        }

        void close() {
            data.children = children.toArray(Tree.Data[]::new);
        }
    }

    /** The line being read, for error messages. */
    private record Where(String source, int line) {
        IllegalArgumentException error(String problem) {
            return new IllegalArgumentException(source + " line " + line + ": " + problem);
        }

        <E extends Enum<E>> E parse(Class<E> kind, String value) {
            try {
                return Enum.valueOf(kind, value);
            } catch (IllegalArgumentException e) {
                throw error("'" + value + "' is no bnd " + kind.getSimpleName());
            }
        }
    }
}
