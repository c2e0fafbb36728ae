package io.kvpool.transport.cxl.internal;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemoryLayout;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.StructLayout;
import java.lang.foreign.SymbolLookup;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.VarHandle;

/**
 * FFM downcalls to the libc calls that region mapping needs and that the JDK does not expose: {@code open} on a
 * character device, {@code mmap} of one (FileChannel.map tries to extend it), {@code madvise}. Each call captures
 * {@code errno} so failures are reported with the kernel's reason.
 * <p>
 * Thread-safe: the handles are immutable; each call uses a confined arena of its own for errno.
 */
public final class Posix
{
    public static final int O_RDONLY = 0;
    public static final int O_RDWR = 2;
    public static final int O_CREAT = 0100;
    public static final int O_CLOEXEC = 02000000;
    public static final int PROT_READ = 1;
    public static final int PROT_WRITE = 2;
    public static final int MAP_SHARED = 0x01;
    public static final int MAP_ANONYMOUS = 0x20;
    public static final int MADV_POPULATE_WRITE = 23;
    public static final int MADV_HUGEPAGE = 14;
    public static final long MAP_FAILED = -1L;
    public static final int EINVAL = 22;

    private static final Linker LINKER = Linker.nativeLinker();
    private static final SymbolLookup LIBC = LINKER.defaultLookup();
    private static final StructLayout CAPTURE_LAYOUT = Linker.Option.captureStateLayout();
    private static final VarHandle ERRNO =
        CAPTURE_LAYOUT.varHandle(MemoryLayout.PathElement.groupElement("errno"));
    private static final Linker.Option CAPTURE_ERRNO = Linker.Option.captureCallState("errno");

    private static final MethodHandle OPEN = downcall("open",
        FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.ADDRESS, ValueLayout.JAVA_INT, ValueLayout.JAVA_INT));
    private static final MethodHandle CLOSE = downcall("close",
        FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.JAVA_INT));
    private static final MethodHandle FTRUNCATE = downcall("ftruncate",
        FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.JAVA_INT, ValueLayout.JAVA_LONG));
    private static final MethodHandle MMAP = downcall("mmap",
        FunctionDescriptor.of(ValueLayout.JAVA_LONG, ValueLayout.JAVA_LONG, ValueLayout.JAVA_LONG,
            ValueLayout.JAVA_INT, ValueLayout.JAVA_INT, ValueLayout.JAVA_INT, ValueLayout.JAVA_LONG));
    private static final MethodHandle MUNMAP = downcall("munmap",
        FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.JAVA_LONG, ValueLayout.JAVA_LONG));
    private static final MethodHandle MADVISE = downcall("madvise",
        FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.JAVA_LONG, ValueLayout.JAVA_LONG,
            ValueLayout.JAVA_INT));
    private static final MethodHandle STRERROR = LINKER.downcallHandle(
        LIBC.find("strerror").orElseThrow(),
        FunctionDescriptor.of(ValueLayout.ADDRESS, ValueLayout.JAVA_INT));

    private Posix()
    {
    }

    /**
     * Result of a call: its return value, and errno where it failed.
     *
     * @param value return value of the call.
     * @param errno errno captured right after the call; meaningful only when the call failed.
     */
    public record Result(long value, int errno)
    {
        /**
         * @return the kernel's text for errno, e.g. "Invalid argument (errno 22)".
         */
        public String reason()
        {
            return strerror(errno) + " (errno " + errno + ")";
        }
    }

    public static Result open(final String path, final int flags, final int mode)
    {
        try (Arena arena = Arena.ofConfined())
        {
            final MemorySegment state = arena.allocate(CAPTURE_LAYOUT);
            final int fd = (int)OPEN.invokeExact(state, arena.allocateFrom(path), flags, mode);
            return new Result(fd, (int)ERRNO.get(state, 0L));
        }
        catch (final Throwable t)
        {
            throw new IllegalStateException("open downcall failed: path=" + path, t);
        }
    }

    public static Result close(final int fd)
    {
        try (Arena arena = Arena.ofConfined())
        {
            final MemorySegment state = arena.allocate(CAPTURE_LAYOUT);
            final int rc = (int)CLOSE.invokeExact(state, fd);
            return new Result(rc, (int)ERRNO.get(state, 0L));
        }
        catch (final Throwable t)
        {
            throw new IllegalStateException("close downcall failed: fd=" + fd, t);
        }
    }

    public static Result ftruncate(final int fd, final long lengthBytes)
    {
        try (Arena arena = Arena.ofConfined())
        {
            final MemorySegment state = arena.allocate(CAPTURE_LAYOUT);
            final int rc = (int)FTRUNCATE.invokeExact(state, fd, lengthBytes);
            return new Result(rc, (int)ERRNO.get(state, 0L));
        }
        catch (final Throwable t)
        {
            throw new IllegalStateException("ftruncate downcall failed: fd=" + fd, t);
        }
    }

    /**
     * @return the mapped address, or {@link #MAP_FAILED} with errno.
     */
    public static Result mmap(
        final long lengthBytes, final int prot, final int flags, final int fd, final long offsetBytes)
    {
        try (Arena arena = Arena.ofConfined())
        {
            final MemorySegment state = arena.allocate(CAPTURE_LAYOUT);
            final long address = (long)MMAP.invokeExact(state, 0L, lengthBytes, prot, flags, fd, offsetBytes);
            return new Result(address, (int)ERRNO.get(state, 0L));
        }
        catch (final Throwable t)
        {
            throw new IllegalStateException("mmap downcall failed: length=" + lengthBytes, t);
        }
    }

    public static Result munmap(final long address, final long lengthBytes)
    {
        try (Arena arena = Arena.ofConfined())
        {
            final MemorySegment state = arena.allocate(CAPTURE_LAYOUT);
            final int rc = (int)MUNMAP.invokeExact(state, address, lengthBytes);
            return new Result(rc, (int)ERRNO.get(state, 0L));
        }
        catch (final Throwable t)
        {
            throw new IllegalStateException("munmap downcall failed: length=" + lengthBytes, t);
        }
    }

    public static Result madvise(final long address, final long lengthBytes, final int advice)
    {
        try (Arena arena = Arena.ofConfined())
        {
            final MemorySegment state = arena.allocate(CAPTURE_LAYOUT);
            final int rc = (int)MADVISE.invokeExact(state, address, lengthBytes, advice);
            return new Result(rc, (int)ERRNO.get(state, 0L));
        }
        catch (final Throwable t)
        {
            throw new IllegalStateException("madvise downcall failed: length=" + lengthBytes, t);
        }
    }

    /**
     * @param errno error number.
     * @return the C library's description of it.
     */
    public static String strerror(final int errno)
    {
        try
        {
            final MemorySegment text = (MemorySegment)STRERROR.invokeExact(errno);
            return text.reinterpret(256).getString(0);
        }
        catch (final Throwable t)
        {
            return "errno " + errno;
        }
    }

    private static MethodHandle downcall(final String name, final FunctionDescriptor descriptor)
    {
        return LINKER.downcallHandle(
            LIBC.find(name).orElseThrow(() -> new UnsatisfiedLinkError("libc has no symbol " + name)),
            descriptor, CAPTURE_ERRNO);
    }
}
