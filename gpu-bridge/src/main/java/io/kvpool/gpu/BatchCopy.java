package io.kvpool.gpu;

import jcuda.NativePointerObject;
import jcuda.driver.CUstream;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemoryLayout;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.StructLayout;
import java.lang.foreign.SymbolLookup;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;
import java.util.Optional;

/**
 * {@code cuMemcpyBatchAsync}: a whole page list in one driver call, moved by the GPU's copy engines (no
 * multiprocessor is used, so it overlaps an engine's compute). The driver API gained it in CUDA 12.8, after JCuda
 * 12.6, so it is called here through an FFM downcall into the same {@code libcuda.so.1} that JCuda loaded (the
 * context JCuda made current is current for this call too). CUDA 13 drivers export {@code cuMemcpyBatchAsync_v2}
 * (no failure-index argument); 12.8 and 12.9 drivers only {@code cuMemcpyBatchAsync} (with one): whichever exists
 * is used. Stateless apart from the bound handle; thread-safe.
 */
final class BatchCopy
{
    /** CU_MEMCPY_SRC_ACCESS_ORDER_STREAM: sources are read in stream order, like any async copy. */
    static final int SRC_ACCESS_ORDER_STREAM = 1;

    /**
     * {@code CUmemcpyAttributes} (cuda.h): srcAccessOrder, srcLocHint {type, id}, dstLocHint {type, id}, flags.
     */
    static final StructLayout ATTRIBUTES = MemoryLayout.structLayout(
        ValueLayout.JAVA_INT.withName("srcAccessOrder"),
        MemoryLayout.structLayout(ValueLayout.JAVA_INT.withName("type"), ValueLayout.JAVA_INT.withName("id"))
            .withName("srcLocHint"),
        MemoryLayout.structLayout(ValueLayout.JAVA_INT.withName("type"), ValueLayout.JAVA_INT.withName("id"))
            .withName("dstLocHint"),
        ValueLayout.JAVA_INT.withName("flags"));

    private final MethodHandle call;
    private final boolean withFailIndex;

    private BatchCopy(final MethodHandle call, final boolean withFailIndex)
    {
        this.call = call;
        this.withFailIndex = withFailIndex;
    }

    /**
     * @return the batched copy where the loaded driver has it; empty with older drivers (or no libcuda).
     */
    static Optional<BatchCopy> find()
    {
        final SymbolLookup cuda;
        try
        {
            cuda = SymbolLookup.libraryLookup("libcuda.so.1", Arena.global());
        }
        catch (final IllegalArgumentException ex)
        {
            return Optional.empty();
        }
        final Linker linker = Linker.nativeLinker();
        final ValueLayout pointer = ValueLayout.ADDRESS;
        final ValueLayout size = ValueLayout.JAVA_LONG;
        final Optional<MemorySegment> v2 = cuda.find("cuMemcpyBatchAsync_v2");
        if (v2.isPresent())
        {
            return Optional.of(new BatchCopy(linker.downcallHandle(v2.get(), FunctionDescriptor.of(
                ValueLayout.JAVA_INT, pointer, pointer, pointer, size, pointer, pointer, size, pointer)), false));
        }
        return cuda.find("cuMemcpyBatchAsync").map(symbol -> new BatchCopy(linker.downcallHandle(symbol,
            FunctionDescriptor.of(ValueLayout.JAVA_INT, pointer, pointer, pointer, size, pointer, pointer, size,
                pointer, pointer)), true));
    }

    /**
     * Enqueues every page of {@code pages} on {@code stream} as one batch.
     *
     * @return the CUDA result.
     */
    int enqueue(final PageList pages, final CUstream stream)
    {
        final int count = pages.count();
        try (Arena arena = Arena.ofConfined())
        {
            // The driver reads these arrays during the call; the copies themselves run later, in stream order.
            final MemorySegment destinations = arena.allocate(ValueLayout.JAVA_LONG, count);
            final MemorySegment sources = arena.allocate(ValueLayout.JAVA_LONG, count);
            final MemorySegment sizes = arena.allocate(ValueLayout.JAVA_LONG, count);
            for (int i = 0; i < count; i++)
            {
                destinations.setAtIndex(ValueLayout.JAVA_LONG, i, pages.destination(i));
                sources.setAtIndex(ValueLayout.JAVA_LONG, i, pages.source(i));
                sizes.setAtIndex(ValueLayout.JAVA_LONG, i, pages.length(i));
            }
            final MemorySegment attributes = arena.allocate(ATTRIBUTES);
            attributes.set(ValueLayout.JAVA_INT, 0, SRC_ACCESS_ORDER_STREAM);
            final MemorySegment attributeIndex = arena.allocate(ValueLayout.JAVA_LONG);
            final MemorySegment handle = MemorySegment.ofAddress(nativePointer(stream));
            if (withFailIndex)
            {
                return (int)call.invokeExact(destinations, sources, sizes, (long)count, attributes, attributeIndex,
                    1L, arena.allocate(ValueLayout.JAVA_LONG), handle);
            }
            return (int)call.invokeExact(destinations, sources, sizes, (long)count, attributes, attributeIndex, 1L,
                handle);
        }
        catch (final RuntimeException | Error ex)
        {
            throw ex;
        }
        catch (final Throwable ex)
        {
            throw new IllegalStateException("cuMemcpyBatchAsync downcall failed", ex);
        }
    }

    /**
     * @return the driver's handle behind a JCuda stream (JCuda keeps it in a protected field of its base class;
     *         the classes are on the class path, so reflection may read it).
     */
    private static long nativePointer(final CUstream stream)
    {
        try
        {
            final java.lang.reflect.Method getter = NativePointerObject.class.getDeclaredMethod("getNativePointer");
            getter.setAccessible(true);
            return (long)getter.invoke(stream);
        }
        catch (final ReflectiveOperationException ex)
        {
            throw new IllegalStateException("cannot read the CUDA stream handle from JCuda", ex);
        }
    }
}
