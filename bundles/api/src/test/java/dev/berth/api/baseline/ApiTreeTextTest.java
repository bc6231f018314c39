package dev.berth.api.baseline;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import aQute.bnd.service.diff.Delta;
import aQute.bnd.service.diff.Tree;
import aQute.bnd.service.diff.Type;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** The text form of bnd diff trees the API baseline is committed in. */
class ApiTreeTextTest {
    private static final String TREE = """
            # a comment
            BUNDLE CHANGED/CHANGED fixture.api
              API CHANGED/CHANGED <api>
                PACKAGE MINOR/MAJOR fixture.stage

                  INTERFACE MINOR/MAJOR fixture.stage.Stage
                    METHOD MAJOR/MAJOR run(java.lang.String)
                      RETURN MINOR/MAJOR java.lang.String
                  VERSION IGNORED/IGNORED 1.1.0
            """;

    @Test
    void readsNestingTypesAndDeltas() {
        Tree root = ApiTreeText.read(TREE, "tree");
        assertEquals(Type.BUNDLE, root.getType());
        Tree pkg = root.get("<api>").get("fixture.stage");
        assertEquals(Type.PACKAGE, pkg.getType());
        assertEquals(2, pkg.getChildren().length);
        Tree run = pkg.get("fixture.stage.Stage").get("run(java.lang.String)");
        assertEquals(Delta.MAJOR, run.ifAdded());
        assertEquals(Delta.MAJOR, run.ifRemoved());
        assertEquals("java.lang.String", run.getChildren()[0].getName());
        assertEquals("1.1.0", pkg.get("1.1.0").getName());
    }

    @Test
    void writesWhatItReads() {
        String written = ApiTreeText.write(ApiTreeText.read(TREE, "tree"));
        assertEquals(TREE.lines().filter(line -> !line.isBlank() && !line.startsWith("#")).toList(),
                written.lines().toList());
        assertEquals(written, ApiTreeText.write(ApiTreeText.read(written, "written")));
    }

    @ParameterizedTest
    @ValueSource(strings = {
        "value='a\\b'", "value='two\nlines'", " leading", "trailing ", "tab\there", "é ü \\u0041",
    })
    void namesThatNeedEscapingSurviveOnOneLine(String name) {
        String line = "PROPERTY CHANGED/CHANGED " + ApiTreeText.escape(name);
        String text = ApiTreeText.write(ApiTreeText.read(line, "x"));
        assertEquals(1, text.lines().count(), text);
        assertEquals(name, ApiTreeText.read(text, "x").getName());
    }

    @ParameterizedTest
    @ValueSource(strings = {
        "BUNDLE CHANGED/CHANGED a\n   API CHANGED/CHANGED <api>|line 2: indentation of 3 spaces",
        "BUNDLE CHANGED/CHANGED a\n    API CHANGED/CHANGED <api>|line 2: indented 2 levels under a node at level 0",
        "BUNDLE CHANGED/CHANGED a\nBUNDLE CHANGED/CHANGED b|line 2: a second root node",
        "BUNDLE CHANGED a|line 1: expected the deltas as ADD/REMOVE",
        "BUNDLE CHANGED/CHANGED|line 1: expected 'TYPE ADD/REMOVE name'",
        "WIDGET CHANGED/CHANGED a|line 1: 'WIDGET' is no bnd Type",
        "BUNDLE CHANGED/BIGGER a|line 1: 'BIGGER' is no bnd Delta",
        "BUNDLE CHANGED/CHANGED a\\q|line 1: a backslash in a name starts",
        "# only a comment|holds no tree",
    })
    void malformedTextNamesTheLineAndTheProblem(String caseText) {
        String[] parts = caseText.split("\\|");
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> ApiTreeText.read(parts[0], "baseline.txt"));
        assertTrue(e.getMessage().startsWith("baseline.txt"), e.getMessage());
        assertTrue(e.getMessage().contains(parts[1]), e.getMessage());
    }
}
