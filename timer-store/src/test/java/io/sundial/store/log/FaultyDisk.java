package io.sundial.store.log;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.MappedByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.ReadableByteChannel;
import java.nio.channels.WritableByteChannel;
import java.nio.file.Path;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A disk that returns I/O errors on cue, for the timer log's segments: writes fail after writing part of what
 * they were given (a torn write, as a failing disk leaves), fsyncs fail outright. Reads always work. Use
 * {@link #channels()} where the store opens its segment files. With {@link #loseUnsyncedWritesOnFailedFsync}, a
 * failed fsync also loses what it should have made durable, as Linux may once it has marked those pages clean:
 * they read back as zeros.
 */
public final class FaultyDisk {
    private volatile boolean failWrites;
    private volatile boolean failFsyncs;
    private volatile boolean loseUnsynced;
    private final AtomicInteger failNextFsyncs = new AtomicInteger();
    /** Guards {@link #fsyncsPaused} and {@link #fsyncsWaiting}. */
    private final Object pause = new Object();
    private boolean fsyncsPaused;
    private int fsyncsWaiting;

    public SegmentChannels channels() {
        return path -> new FaultyChannel(SegmentChannels.FILES.open(path), path);
    }

    public void failWrites(boolean fail) {
        failWrites = fail;
    }

    public void failFsyncs(boolean fail) {
        failFsyncs = fail;
    }

    public void loseUnsyncedWritesOnFailedFsync(boolean lose) {
        loseUnsynced = lose;
    }

    /** The next {@code n} fsyncs fail; those after them work (unless {@link #failFsyncs} says otherwise). */
    public void failNextFsyncs(int n) {
        failNextFsyncs.set(n);
    }

    /** While paused, an fsync waits before it starts (writes go on meanwhile). */
    public void pauseFsyncs(boolean paused) {
        synchronized (pause) {
            fsyncsPaused = paused;
            pause.notifyAll();
        }
    }

    /** Waits until an fsync is held by {@link #pauseFsyncs}; false if none is within {@code timeoutMs}. */
    public boolean awaitPausedFsync(long timeoutMs) throws InterruptedException {
        long deadline = System.currentTimeMillis() + timeoutMs;
        synchronized (pause) {
            while (fsyncsWaiting == 0) {
                long left = deadline - System.currentTimeMillis();
                if (left <= 0) {
                    return false;
                }
                pause.wait(left);
            }
            return true;
        }
    }

    private void waitWhilePaused() throws IOException {
        synchronized (pause) {
            fsyncsWaiting++;
            pause.notifyAll();
            try {
                while (fsyncsPaused) {
                    pause.wait();
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IOException("interrupted while the fsync was paused", e);
            } finally {
                fsyncsWaiting--;
            }
        }
    }

    private final class FaultyChannel extends FileChannel {
        private final FileChannel file;
        private final Path path;
        /** The file's bytes written since its last fsync: [unsyncedFrom, unsyncedTo), none if from > to. */
        private long unsyncedFrom = Long.MAX_VALUE;
        private long unsyncedTo = Long.MIN_VALUE;

        FaultyChannel(FileChannel file, Path path) {
            this.file = file;
            this.path = path;
        }

        private IOException ioError() {
            return new IOException("Input/output error (injected) writing " + path.getFileName());
        }

        /** Writes half of the first buffer, then fails. */
        private void tear(ByteBuffer first) throws IOException {
            ByteBuffer half = first.duplicate();
            half.limit(half.position() + half.remaining() / 2);
            file.write(half);
            throw ioError();
        }

        private synchronized void written(long from, long bytes) {
            unsyncedFrom = Math.min(unsyncedFrom, from);
            unsyncedTo = Math.max(unsyncedTo, from + bytes);
        }

        @Override
        public int write(ByteBuffer src) throws IOException {
            if (failWrites) {
                tear(src);
            }
            long from = file.position();
            int n = file.write(src);
            written(from, n);
            return n;
        }

        @Override
        public long write(ByteBuffer[] srcs, int offset, int length) throws IOException {
            if (failWrites) {
                tear(srcs[offset]);
            }
            long from = file.position();
            long n = file.write(srcs, offset, length);
            written(from, n);
            return n;
        }

        @Override
        public int write(ByteBuffer src, long position) throws IOException {
            if (failWrites) {
                throw ioError();
            }
            int n = file.write(src, position);
            written(position, n);
            return n;
        }

        @Override
        public void force(boolean metaData) throws IOException {
            waitWhilePaused();
            boolean fail = failFsyncs || failNextFsyncs.getAndUpdate(n -> Math.max(0, n - 1)) > 0;
            synchronized (this) {
                forceOrFail(metaData, fail);
            }
        }

        private void forceOrFail(boolean metaData, boolean fail) throws IOException {
            if (fail) {
                if (loseUnsynced && unsyncedFrom < unsyncedTo) {
                    file.write(ByteBuffer.allocate((int) (unsyncedTo - unsyncedFrom)), unsyncedFrom);
                }
                unsyncedFrom = Long.MAX_VALUE;
                unsyncedTo = Long.MIN_VALUE;
                throw new IOException("Input/output error (injected) fsyncing " + path.getFileName());
            }
            file.force(metaData);
            unsyncedFrom = Long.MAX_VALUE;
            unsyncedTo = Long.MIN_VALUE;
        }

        @Override
        public int read(ByteBuffer dst) throws IOException {
            return file.read(dst);
        }

        @Override
        public long read(ByteBuffer[] dsts, int offset, int length) throws IOException {
            return file.read(dsts, offset, length);
        }

        @Override
        public int read(ByteBuffer dst, long position) throws IOException {
            return file.read(dst, position);
        }

        @Override
        public long position() throws IOException {
            return file.position();
        }

        @Override
        public FileChannel position(long newPosition) throws IOException {
            file.position(newPosition);
            return this;
        }

        @Override
        public long size() throws IOException {
            return file.size();
        }

        @Override
        public FileChannel truncate(long size) throws IOException {
            file.truncate(size);
            return this;
        }

        @Override
        public long transferTo(long position, long count, WritableByteChannel target) throws IOException {
            return file.transferTo(position, count, target);
        }

        @Override
        public long transferFrom(ReadableByteChannel src, long position, long count) throws IOException {
            return file.transferFrom(src, position, count);
        }

        @Override
        public MappedByteBuffer map(MapMode mode, long position, long size) throws IOException {
            return file.map(mode, position, size);
        }

        @Override
        public FileLock lock(long position, long size, boolean shared) throws IOException {
            return file.lock(position, size, shared);
        }

        @Override
        public FileLock tryLock(long position, long size, boolean shared) throws IOException {
            return file.tryLock(position, size, shared);
        }

        @Override
        protected void implCloseChannel() throws IOException {
            file.close();
        }
    }
}
