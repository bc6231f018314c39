package dev.berth.eventlog.impl;

import dev.berth.api.event.EventLog;
import dev.berth.api.event.EventLogContract;
import java.nio.file.Path;

/**
 * Runs the {@link EventLogContract} against {@link SegmentedEventLog} with its default options. What only
 * this implementation promises (segment files, recovery, corruption, rollover) is tested beside it.
 */
class SegmentedEventLogContractTest extends EventLogContract {
    @Override
    protected EventLog open(Path directory) throws Exception {
        return SegmentedEventLog.open(directory);
    }

    @Override
    protected void close(EventLog log) {
        ((SegmentedEventLog) log).close();
    }
}
