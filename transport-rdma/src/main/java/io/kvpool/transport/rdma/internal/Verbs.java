package io.kvpool.transport.rdma.internal;

import java.lang.foreign.AddressLayout;
import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemoryLayout;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.SymbolLookup;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * Downcalls to libibverbs (rdma-core's {@code libibverbs.so.1}) through FFM: no JNI library to build or ship.
 * Exported functions are bound by symbol. {@code ibv_post_send}, {@code ibv_post_recv} and {@code ibv_poll_cq}
 * are static inline functions in verbs.h that call through the device context's ops table
 * ({@code qp->context->ops.post_send(...)}); they have no symbol, so {@link #postSend} and {@link #pollCq} read the
 * function pointer from the context at the offsets {@link VerbsLayouts} gives (checked against the headers by
 * {@code VerbsLayoutTest}) and call it.
 * <p>
 * Thread-safe: the handles are immutable. Loading fails softly: {@link #load()} answers empty with the reason.
 */
public final class Verbs
{
    public static final int IBV_ACCESS_LOCAL_WRITE = 1;
    public static final int IBV_ACCESS_REMOTE_WRITE = 1 << 1;
    public static final int IBV_ACCESS_REMOTE_READ = 1 << 2;
    public static final int IBV_WR_RDMA_WRITE = 0;
    public static final int IBV_WR_RDMA_READ = 4;
    public static final int IBV_SEND_SIGNALED = 1 << 1;
    public static final int IBV_QPT_RC = 2;

    private static final Linker LINKER = Linker.nativeLinker();
    private static final ValueLayout.OfInt INT = ValueLayout.JAVA_INT;
    private static final AddressLayout ADDRESS = ValueLayout.ADDRESS;
    private static volatile Verbs instance;
    private static volatile String unavailable;

    private final MethodHandle getDeviceList;
    private final MethodHandle freeDeviceList;
    private final MethodHandle getDeviceName;
    private final MethodHandle openDevice;
    private final MethodHandle closeDevice;
    private final MethodHandle allocPd;
    private final MethodHandle deallocPd;
    private final MethodHandle regMr;
    private final MethodHandle deregMr;
    private final MethodHandle createCq;
    private final MethodHandle destroyCq;
    private final MethodHandle createQp;
    private final MethodHandle destroyQp;
    private final MethodHandle modifyQp;
    private final MethodHandle queryPort;
    private final MethodHandle queryGid;

    private Verbs(final SymbolLookup library)
    {
        getDeviceList = bind(library, "ibv_get_device_list", FunctionDescriptor.of(ADDRESS, ADDRESS));
        freeDeviceList = bind(library, "ibv_free_device_list", FunctionDescriptor.ofVoid(ADDRESS));
        getDeviceName = bind(library, "ibv_get_device_name", FunctionDescriptor.of(ADDRESS, ADDRESS));
        openDevice = bind(library, "ibv_open_device", FunctionDescriptor.of(ADDRESS, ADDRESS));
        closeDevice = bind(library, "ibv_close_device", FunctionDescriptor.of(INT, ADDRESS));
        allocPd = bind(library, "ibv_alloc_pd", FunctionDescriptor.of(ADDRESS, ADDRESS));
        deallocPd = bind(library, "ibv_dealloc_pd", FunctionDescriptor.of(INT, ADDRESS));
        regMr = bind(library, "ibv_reg_mr", FunctionDescriptor.of(ADDRESS, ADDRESS, ADDRESS, ValueLayout.JAVA_LONG,
            INT));
        deregMr = bind(library, "ibv_dereg_mr", FunctionDescriptor.of(INT, ADDRESS));
        createCq = bind(library, "ibv_create_cq", FunctionDescriptor.of(ADDRESS, ADDRESS, INT, ADDRESS, ADDRESS,
            INT));
        destroyCq = bind(library, "ibv_destroy_cq", FunctionDescriptor.of(INT, ADDRESS));
        createQp = bind(library, "ibv_create_qp", FunctionDescriptor.of(ADDRESS, ADDRESS, ADDRESS));
        destroyQp = bind(library, "ibv_destroy_qp", FunctionDescriptor.of(INT, ADDRESS));
        modifyQp = bind(library, "ibv_modify_qp", FunctionDescriptor.of(INT, ADDRESS, ADDRESS, INT));
        queryPort = bind(library, "ibv_query_port", FunctionDescriptor.of(INT, ADDRESS, ValueLayout.JAVA_BYTE,
            ADDRESS));
        queryGid = bind(library, "ibv_query_gid", FunctionDescriptor.of(INT, ADDRESS, ValueLayout.JAVA_BYTE, INT,
            ADDRESS));
    }

    /**
     * @return the bindings, or empty when libibverbs cannot be loaded ({@link #unavailableReason()} says why).
     */
    public static Optional<Verbs> load()
    {
        if (instance == null && unavailable == null)
        {
            synchronized (Verbs.class)
            {
                if (instance == null && unavailable == null)
                {
                    try
                    {
                        instance = new Verbs(SymbolLookup.libraryLookup("libibverbs.so.1", Arena.global()));
                    }
                    catch (final IllegalArgumentException | UnsatisfiedLinkError ex)
                    {
                        unavailable = "libibverbs.so.1 cannot be loaded (" + ex.getMessage() + "): install " +
                            "rdma-core's libibverbs1 and ibverbs-providers";
                    }
                }
            }
        }
        return Optional.ofNullable(instance);
    }

    /**
     * @return why {@link #load()} is empty, or {@code null}.
     */
    public static String unavailableReason()
    {
        return unavailable;
    }

    /**
     * @return the names of the RDMA devices present (e.g. "mlx5_0", "rxe0"); empty where there are none.
     */
    public List<String> deviceNames()
    {
        try (Arena arena = Arena.ofConfined())
        {
            final MemorySegment count = arena.allocate(INT);
            final MemorySegment list = (MemorySegment)getDeviceList.invokeExact(count);
            final List<String> names = new ArrayList<>();
            if (list.equals(MemorySegment.NULL))
            {
                return names;
            }
            try
            {
                final int devices = count.get(INT, 0);
                final MemorySegment entries = list.reinterpret(ADDRESS.byteSize() * (devices + 1L));
                for (int i = 0; i < devices; i++)
                {
                    final MemorySegment device = entries.getAtIndex(ADDRESS, i);
                    names.add(((MemorySegment)getDeviceName.invokeExact(device)).reinterpret(256).getString(0));
                }
            }
            finally
            {
                freeDeviceList.invokeExact(list);
            }
            return names;
        }
        catch (final Throwable t)
        {
            throw new IllegalStateException("ibv_get_device_list failed", t);
        }
    }

    /**
     * Opens a device by name, or the first device when the name is {@code null}.
     *
     * @return the {@code ibv_context*}.
     * @throws IllegalStateException naming the devices present when none matches or the open fails.
     */
    public MemorySegment openByName(final String name)
    {
        try (Arena arena = Arena.ofConfined())
        {
            final MemorySegment count = arena.allocate(INT);
            final MemorySegment list = (MemorySegment)getDeviceList.invokeExact(count);
            if (list.equals(MemorySegment.NULL))
            {
                throw new IllegalStateException("ibv_get_device_list failed");
            }
            try
            {
                final int devices = count.get(INT, 0);
                final MemorySegment entries = list.reinterpret(ADDRESS.byteSize() * (devices + 1L));
                final List<String> names = new ArrayList<>();
                for (int i = 0; i < devices; i++)
                {
                    final MemorySegment device = entries.getAtIndex(ADDRESS, i);
                    final String deviceName =
                        ((MemorySegment)getDeviceName.invokeExact(device)).reinterpret(256).getString(0);
                    names.add(deviceName);
                    if (name == null || name.equals(deviceName))
                    {
                        final MemorySegment context = ((MemorySegment)openDevice.invokeExact(device))
                            .reinterpret(VerbsLayouts.IBV_CONTEXT.byteSize());
                        if (context.equals(MemorySegment.NULL))
                        {
                            throw new IllegalStateException("ibv_open_device(" + deviceName + ") failed");
                        }
                        return context;
                    }
                }
                throw new IllegalStateException("no RDMA device " + (name == null ? "" : "named " + name + " ") +
                    "among " + names);
            }
            finally
            {
                freeDeviceList.invokeExact(list);
            }
        }
        catch (final IllegalStateException ex)
        {
            throw ex;
        }
        catch (final Throwable t)
        {
            throw new IllegalStateException("opening RDMA device " + name + " failed", t);
        }
    }

    /**
     * Posts a chain of send work requests (RDMA READ/WRITE) through the QP's context ops table.
     *
     * @param qp     an {@code ibv_qp*}.
     * @param wr     the first {@code ibv_send_wr} of the chain.
     * @param badWr  receives the first failed request.
     * @return 0, or an errno value.
     */
    public int postSend(final MemorySegment qp, final MemorySegment wr, final MemorySegment badWr)
    {
        final MemorySegment function = opsFunction(qp, "post_send");
        try
        {
            return (int)LINKER.downcallHandle(function, FunctionDescriptor.of(INT, ADDRESS, ADDRESS, ADDRESS))
                .invokeExact(qp, wr, badWr);
        }
        catch (final Throwable t)
        {
            throw new IllegalStateException("post_send failed", t);
        }
    }

    /**
     * Polls a completion queue through its context ops table.
     *
     * @param cq      an {@code ibv_cq*}; its context pointer is its first field.
     * @param entries room for this many completions.
     * @param wc      {@code entries} consecutive {@code ibv_wc}.
     * @return completions written, or a negative value on error.
     */
    public int pollCq(final MemorySegment cq, final int entries, final MemorySegment wc)
    {
        final MemorySegment function = opsFunction(cq, "poll_cq");
        try
        {
            return (int)LINKER.downcallHandle(function, FunctionDescriptor.of(INT, ADDRESS, INT, ADDRESS))
                .invokeExact(cq, entries, wc);
        }
        catch (final Throwable t)
        {
            throw new IllegalStateException("poll_cq failed", t);
        }
    }

    /**
     * Reads {@code object->context->ops.<name>}: every verbs object with an ops-table call starts with its context
     * pointer.
     */
    private static MemorySegment opsFunction(final MemorySegment object, final String name)
    {
        final MemorySegment context = object.reinterpret(ADDRESS.byteSize()).get(ADDRESS, 0)
            .reinterpret(VerbsLayouts.IBV_CONTEXT.byteSize());
        final long offset = VerbsLayouts.IBV_CONTEXT.byteOffset(MemoryLayout.PathElement.groupElement("ops"),
            MemoryLayout.PathElement.groupElement(name));
        return context.get(ADDRESS, offset);
    }

    public MethodHandle openDevice()
    {
        return openDevice;
    }

    public MethodHandle closeDevice()
    {
        return closeDevice;
    }

    public MethodHandle allocPd()
    {
        return allocPd;
    }

    public MethodHandle deallocPd()
    {
        return deallocPd;
    }

    public MethodHandle regMr()
    {
        return regMr;
    }

    public MethodHandle deregMr()
    {
        return deregMr;
    }

    public MethodHandle createCq()
    {
        return createCq;
    }

    public MethodHandle destroyCq()
    {
        return destroyCq;
    }

    public MethodHandle createQp()
    {
        return createQp;
    }

    public MethodHandle destroyQp()
    {
        return destroyQp;
    }

    public MethodHandle modifyQp()
    {
        return modifyQp;
    }

    public MethodHandle queryPort()
    {
        return queryPort;
    }

    public MethodHandle queryGid()
    {
        return queryGid;
    }

    private static MethodHandle bind(final SymbolLookup library, final String name, final FunctionDescriptor function)
    {
        return LINKER.downcallHandle(library.find(name).orElseThrow(() ->
            new UnsatisfiedLinkError("libibverbs has no symbol " + name)), function);
    }
}
