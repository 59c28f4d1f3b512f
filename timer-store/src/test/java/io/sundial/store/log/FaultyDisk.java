package io.sundial.store.log;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.MappedByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.ReadableByteChannel;
import java.nio.channels.WritableByteChannel;
import java.nio.file.Path;

/**
 * A disk that returns I/O errors on cue, for the timer log's segments: writes fail after writing part of what
 * they were given (a torn write, as a failing disk leaves), fsyncs fail outright. Reads always work. Use
 * {@link #channels()} where the store opens its segment files.
 */
public final class FaultyDisk {
    private volatile boolean failWrites;
    private volatile boolean failFsyncs;

    public SegmentChannels channels() {
        return path -> new FaultyChannel(SegmentChannels.FILES.open(path), path);
    }

    public void failWrites(boolean fail) {
        failWrites = fail;
    }

    public void failFsyncs(boolean fail) {
        failFsyncs = fail;
    }

    private final class FaultyChannel extends FileChannel {
        private final FileChannel file;
        private final Path path;

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

        @Override
        public int write(ByteBuffer src) throws IOException {
            if (failWrites) {
                tear(src);
            }
            return file.write(src);
        }

        @Override
        public long write(ByteBuffer[] srcs, int offset, int length) throws IOException {
            if (failWrites) {
                tear(srcs[offset]);
            }
            return file.write(srcs, offset, length);
        }

        @Override
        public int write(ByteBuffer src, long position) throws IOException {
            if (failWrites) {
                throw ioError();
            }
            return file.write(src, position);
        }

        @Override
        public void force(boolean metaData) throws IOException {
            if (failFsyncs) {
                throw new IOException("Input/output error (injected) fsyncing " + path.getFileName());
            }
            file.force(metaData);
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
