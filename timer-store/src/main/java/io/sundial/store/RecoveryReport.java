package io.sundial.store;

/**
 * What opening the store had to repair.
 *
 * @param cutBytes        bytes of torn tail cut from the last log segment
 * @param droppedEntries  index entries dropped because their records lay beyond the valid end of the log
 * @param replayedRecords log records after the applied position re-applied to the index
 * @param fromPosition    where replay started
 * @param toPosition      where replay ended (the end of the valid log)
 * @param journalAcks     timers delivered before a crash whose acknowledgement the {@link DeliveredJournal}
 *                        held, acknowledged now instead of delivered again
 * @param skippedDelivered records of delivered timers a rebuilt index left out, as the {@link DeliveredLedger} says
 * @param millis          how long recovery took
 */
public record RecoveryReport(long cutBytes, long droppedEntries, long replayedRecords, long fromPosition,
                             long toPosition, long journalAcks, long skippedDelivered, long millis) {
}
