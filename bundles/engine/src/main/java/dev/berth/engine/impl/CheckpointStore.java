package dev.berth.engine.impl;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.berth.api.event.ChainHash;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.Map;
import java.util.Optional;

/**
 * Stores the projections' state as of one log record, so start-up replays only what came after it.
 * A checkpoint is written to a temporary file, fsynced and renamed: a crash leaves the old one or the
 * new one, never half of either. Thread-safe for one writer at a time (callers serialise).
 */
public final class CheckpointStore {
    /** The checkpoint file format version. */
    static final int FORMAT = 1;

    private final Path directory;
    private final ObjectMapper mapper;

    /** A checkpoint as read back: the record it stands at and each projection's snapshot by name. */
    public record Checkpoint(long sequence, ChainHash hash, Map<String, JsonNode> projections) {
        public Checkpoint {
            projections = Map.copyOf(projections);
        }
    }

    public CheckpointStore(Path directory, ObjectMapper mapper) {
        this.directory = directory;
        this.mapper = mapper;
    }

    /** The directory the checkpoints live in. */
    Path directory() {
        return directory;
    }

    /** The file holding the current checkpoint. */
    public Path file() {
        return directory.resolve("engine.json");
    }

    /** Writes a checkpoint durably, replacing the previous one. */
    public void write(Checkpoint checkpoint) throws IOException {
        write(file(), checkpoint);
    }

    /** Writes {@code checkpoint} durably to {@code file}, a file of this store's directory. */
    void write(Path file, Checkpoint checkpoint) throws IOException {
        Files.createDirectories(directory);
        ObjectNode root = mapper.createObjectNode();
        root.put("format", FORMAT);
        root.put("sequence", checkpoint.sequence());
        root.put("hash", checkpoint.hash().hex());
        ObjectNode projections = root.putObject("projections");
        checkpoint.projections().forEach(projections::set);
        byte[] bytes = mapper.writeValueAsBytes(root);
        Path temporary = directory.resolve(file.getFileName() + ".tmp");
        try (FileChannel channel = FileChannel.open(temporary, StandardOpenOption.CREATE,
                StandardOpenOption.TRUNCATE_EXISTING, StandardOpenOption.WRITE)) {
            ByteBuffer buffer = ByteBuffer.wrap(bytes);
            while (buffer.hasRemaining()) {
                channel.write(buffer);
            }
            channel.force(true);
        }
        try {
            Files.move(temporary, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } catch (AtomicMoveNotSupportedException e) {
            Files.move(temporary, file, StandardCopyOption.REPLACE_EXISTING);
        }
        try (FileChannel dir = FileChannel.open(directory, StandardOpenOption.READ)) {
            dir.force(true);
        }
    }

    /**
     * Reads the current checkpoint. A missing file is empty; an unreadable or unknown-format file is
     * reported through {@link IOException} so the caller can fall back to a full replay and say why.
     */
    public Optional<Checkpoint> read() throws IOException {
        return read(file());
    }

    /** Reads the checkpoint in {@code file}, as {@link #read()} does. */
    Optional<Checkpoint> read(Path file) throws IOException {
        if (!Files.exists(file)) {
            return Optional.empty();
        }
        JsonNode root = mapper.readTree(file.toFile());
        if (root == null || root.path("format").asInt() != FORMAT) {
            throw new IOException("checkpoint " + file + ": unknown format " + (root == null ? null : root.path("format")));
        }
        try {
            ChainHash hash = new ChainHash(root.path("hash").asText());
            Map<String, JsonNode> projections = new java.util.HashMap<>();
            root.path("projections").fields().forEachRemaining(e -> projections.put(e.getKey(), e.getValue()));
            return Optional.of(new Checkpoint(root.path("sequence").asLong(), hash, projections));
        } catch (IllegalArgumentException e) {
            throw new IOException("checkpoint " + file + ": " + e.getMessage(), e);
        }
    }
}
