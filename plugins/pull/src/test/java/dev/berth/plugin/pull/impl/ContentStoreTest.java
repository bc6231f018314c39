package dev.berth.plugin.pull.impl;

import dev.berth.api.BerthException;
import dev.berth.api.ErrorKind;
import dev.berth.api.image.Descriptor;
import dev.berth.api.image.MediaTypes;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayInputStream;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The content store: verified commits, resumable partial files, and nothing half-written under a final name. */
class ContentStoreTest {
    private static final byte[] DATA = "hello, content store\n".repeat(100).getBytes(StandardCharsets.UTF_8);
    private static final Descriptor BLOB = new Descriptor(MediaTypes.OCI_LAYER, TestImages.sha256(DATA), DATA.length);

    @TempDir
    Path root;

    private Path partial() {
        return root.resolve("content/ingest/sha256-" + BLOB.digest().hex() + ".partial");
    }

    @Test
    void commitStoresUnderFinalNameAndLists() throws Exception {
        ContentStore store = new ContentStore(root);
        try (ContentStore.Writer writer = store.writer(BLOB)) {
            assertEquals(0, writer.size());
            writer.write(DATA, 0, DATA.length);
            assertFalse(store.has(BLOB.digest()), "not visible before commit");
            Path path = writer.commit();
            assertEquals(root.resolve("content/blobs/sha256/" + BLOB.digest().hex()), path);
        }
        assertTrue(store.has(BLOB.digest()));
        try (InputStream in = store.open(BLOB.digest())) {
            assertArrayEquals(DATA, in.readAllBytes());
        }
        assertEquals(List.of(BLOB.digest()), store.list());
        assertFalse(Files.exists(partial()));
        assertTrue(store.delete(BLOB.digest()));
        assertFalse(store.has(BLOB.digest()));
        assertEquals(ErrorKind.NOT_FOUND, assertThrows(BerthException.class, () -> store.path(BLOB.digest())).kind());
    }

    @Test
    void partialFileIsResumedAndRehashed() throws Exception {
        ContentStore store = new ContentStore(root);
        try (ContentStore.Writer writer = store.writer(BLOB)) {
            writer.write(DATA, 0, 1000);
        }
        assertEquals(1000, Files.size(partial()), "close without commit keeps the partial file");
        try (ContentStore.Writer writer = store.writer(BLOB)) {
            assertEquals(1000, writer.size());
            writer.write(DATA, 1000, DATA.length - 1000);
            writer.commit();
        }
        assertArrayEquals(DATA, Files.readAllBytes(store.path(BLOB.digest())));
    }

    @Test
    void digestMismatchDeletesPartialAndNamesBothDigests() throws Exception {
        ContentStore store = new ContentStore(root);
        byte[] altered = DATA.clone();
        altered[7] ^= 1;
        try (ContentStore.Writer writer = store.writer(BLOB)) {
            writer.write(altered, 0, altered.length);
            BerthException e = assertThrows(BerthException.class, writer::commit);
            assertEquals(ErrorKind.INVALID, e.kind());
            assertEquals("blob " + BLOB.digest() + ": digest mismatch: got " + TestImages.sha256(altered), e.getMessage());
        }
        assertFalse(store.has(BLOB.digest()));
        assertFalse(Files.exists(partial()));
    }

    @Test
    void sizeMismatchAndOverrunAreRejected() throws Exception {
        ContentStore store = new ContentStore(root);
        try (ContentStore.Writer writer = store.writer(BLOB)) {
            writer.write(DATA, 0, 10);
            BerthException e = assertThrows(BerthException.class, writer::commit);
            assertEquals("blob " + BLOB.digest() + ": size mismatch: expected " + DATA.length + " bytes, got 10",
                    e.getMessage());
        }
        assertFalse(Files.exists(partial()));
        try (ContentStore.Writer writer = store.writer(BLOB)) {
            writer.write(DATA, 0, DATA.length);
            BerthException e = assertThrows(BerthException.class, () -> writer.write(DATA, 0, 1));
            assertEquals(ErrorKind.INVALID, e.kind());
            assertTrue(e.getMessage().endsWith("size mismatch: expected " + DATA.length + " bytes, got more"));
        }
        assertFalse(Files.exists(partial()));
        assertFalse(store.has(BLOB.digest()));
    }

    @Test
    void garbagePartialFromACrashIsCaughtAtCommit() throws Exception {
        ContentStore store = new ContentStore(root);
        Files.write(partial(), "garbage".getBytes(StandardCharsets.UTF_8));
        try (ContentStore.Writer writer = store.writer(BLOB)) {
            assertEquals(7, writer.size());
            writer.write(DATA, 7, DATA.length - 7);
            assertEquals(ErrorKind.INVALID, assertThrows(BerthException.class, writer::commit).kind());
        }
        assertFalse(Files.exists(partial()), "the bad partial is gone; the next pull starts over");
        store.put(BLOB, DATA);
        assertTrue(store.has(BLOB.digest()));
    }

    @Test
    void secondWriterForTheSameBlobConflicts() throws Exception {
        ContentStore store = new ContentStore(root);
        try (ContentStore.Writer first = store.writer(BLOB)) {
            first.write(DATA, 0, 1);
            BerthException e = assertThrows(BerthException.class, () -> store.writer(BLOB));
            assertEquals(ErrorKind.CONFLICT, e.kind());
        }
        try (ContentStore.Writer again = store.writer(BLOB)) {
            assertEquals(1, again.size());
        }
    }

    @Test
    void readCappedRefusesMoreThanTheLimit() throws Exception {
        byte[] big = new byte[ContentStore.MAX_MANIFEST_BYTES + 1];
        BerthException e = assertThrows(BerthException.class, () -> ContentStore.readCapped(
                new ByteArrayInputStream(big), ContentStore.MAX_MANIFEST_BYTES, "manifest x"));
        assertEquals("manifest x: larger than the 4 MiB limit", e.getMessage());
        assertEquals(10, ContentStore.readCapped(new ByteArrayInputStream(new byte[10]), 10, "x").length);
    }
}
