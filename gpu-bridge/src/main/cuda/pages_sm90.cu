// The page gather/scatter of pages.cu for Hopper and later (sm_90+), through the bulk copy unit (cp.async.bulk,
// the TMA without a tensor map) instead of per-thread 16-byte loads: one thread per block moves each piece of a
// page host/device -> shared memory -> device/host as two bulk copies, two pieces in flight, so a few hundred
// threads keep as many bytes in flight as 130,000 threads with 16-byte loads do. On an H100 it moves pages as
// fast as pages.cu's vector kernel (bench/gpu/RESULTS-h100-sweep.txt) with one active thread per 16 KiB piece
// instead of 1,024, so an engine's kernels running beside a layer-wise load keep nearly all of the SMs' threads.
// Built to PTX (compute_90) by nvcc at build time where nvcc exists; the PTX is kept as a resource
// (io/kvpool/gpu/pages_sm90.ptx) and loaded only on devices of compute capability 9.0 or later.
//
// Work items are PIECE_BYTES pieces: item i is piece i % pieces_per_page of page i / pieces_per_page. Addresses are
// 16-byte aligned (the Java side checks); a piece's length rounded down to 16 bytes goes by bulk copy, the rest of
// it (a page's tail) by plain byte copies.

#include <stdint.h>

#define INLINE_PAGES 128
#define STAGES 2
#define PIECE_BYTES 16384

struct InlinePages
{
    uint64_t sources[INLINE_PAGES];
    uint64_t destinations[INLINE_PAGES];
    uint64_t lengths[INLINE_PAGES];
};

__device__ __forceinline__ uint32_t shared_address(const void* pointer)
{
    return (uint32_t)__cvta_generic_to_shared(pointer);
}

__device__ __forceinline__ void init_barriers(uint64_t* barrier)
{
    for (int s = 0; s < STAGES; s++)
    {
        asm volatile("mbarrier.init.shared::cta.b64 [%0], 1;" :: "r"(shared_address(&barrier[s])));
    }
    asm volatile("fence.mbarrier_init.release.cluster;" ::: "memory");
}

__device__ __forceinline__ void bulk_load(uint32_t shared, uint64_t source, uint32_t bytes, uint32_t bar)
{
    asm volatile("mbarrier.arrive.expect_tx.shared::cta.b64 _, [%0], %1;" :: "r"(bar), "r"(bytes) : "memory");
    if (bytes > 0)
    {
        asm volatile("cp.async.bulk.shared::cluster.global.mbarrier::complete_tx::bytes [%0], [%1], %2, [%3];"
            :: "r"(shared), "l"(source), "r"(bytes), "r"(bar) : "memory");
    }
}

__device__ __forceinline__ void bulk_store(uint64_t destination, uint32_t shared, uint32_t bytes)
{
    if (bytes > 0)
    {
        asm volatile("cp.async.bulk.global.shared::cta.bulk_group [%0], [%1], %2;"
            :: "l"(destination), "r"(shared), "r"(bytes) : "memory");
        asm volatile("cp.async.bulk.commit_group;" ::: "memory");
    }
}

// A piece staged in shared memory goes to destination: its 16-byte multiple by bulk copy, its tail (a page's last
// bytes) byte by byte from the source.
__device__ __forceinline__ void store_piece(uint64_t destination, uint64_t source, uint32_t shared, uint32_t bytes)
{
    const uint32_t bulk = bytes & ~15u;
    bulk_store(destination, shared, bulk);
    for (uint32_t at = bulk; at < bytes; at++)
    {
        reinterpret_cast<char*>(destination)[at] = reinterpret_cast<const char*>(source)[at];
    }
}

__device__ __forceinline__ void wait_phase(uint32_t bar, uint32_t parity)
{
    uint32_t arrived = 0;
    while (!arrived)
    {
        asm volatile("{ .reg .pred p; mbarrier.try_wait.parity.shared::cta.b64 p, [%1], %2; "
            "selp.u32 %0, 1, 0, p; }" : "=r"(arrived) : "r"(bar), "r"(parity) : "memory");
    }
}

__device__ __forceinline__ void copy_pieces(
    const uint64_t* sources, const uint64_t* destinations, const uint64_t* lengths, int count,
    uint32_t pieces_per_page)
{
    __shared__ alignas(128) char buffer[STAGES][PIECE_BYTES];
    __shared__ alignas(8) uint64_t barrier[STAGES];
    if (threadIdx.x != 0)
    {
        return;
    }
    init_barriers(barrier);
    const uint64_t items = (uint64_t)count * pieces_per_page;
    const uint64_t mine = items > blockIdx.x ? (items - blockIdx.x + gridDim.x - 1) / gridDim.x : 0;
    // Piece j of this block: its page, its offset in the page, its bytes (0 past the page's end).
    auto piece = [&](uint64_t j, uint64_t& page, uint64_t& start) -> uint32_t
    {
        const uint64_t item = blockIdx.x + j * gridDim.x;
        page = item / pieces_per_page;
        start = (item % pieces_per_page) * (uint64_t)PIECE_BYTES;
        const uint64_t length = lengths[page];
        return start >= length ? 0 : (uint32_t)(min(length, start + PIECE_BYTES) - start);
    };
    auto load = [&](uint64_t j)
    {
        uint64_t page, start;
        const uint32_t bulk = piece(j, page, start) & ~15u;
        bulk_load(shared_address(buffer[j % STAGES]), sources[page] + start, bulk,
            shared_address(&barrier[j % STAGES]));
    };
    for (uint64_t j = 0; j < mine && j < STAGES - 1; j++)
    {
        load(j);
    }
    for (uint64_t j = 0; j < mine; j++)
    {
        if (j + STAGES - 1 < mine)
        {
            // That stage last held piece j - 1, whose store must have finished reading it.
            asm volatile("cp.async.bulk.wait_group.read 0;" ::: "memory");
            load(j + STAGES - 1);
        }
        wait_phase(shared_address(&barrier[j % STAGES]), (uint32_t)(j / STAGES) & 1);
        uint64_t page, start;
        const uint32_t bytes = piece(j, page, start);
        store_piece(destinations[page] + start, sources[page] + start, shared_address(buffer[j % STAGES]), bytes);
    }
    asm volatile("cp.async.bulk.wait_group 0;" ::: "memory");
}

extern "C" __global__ void copy_pages_bulk_inline(
    const __grid_constant__ InlinePages pages, int count, uint32_t pieces_per_page)
{
    copy_pieces(pages.sources, pages.destinations, pages.lengths, count, pieces_per_page);
}

extern "C" __global__ void copy_pages_bulk(
    const uint64_t* __restrict__ sources, const uint64_t* __restrict__ destinations,
    const uint64_t* __restrict__ lengths, int count, uint32_t pieces_per_page)
{
    copy_pieces(sources, destinations, lengths, count, pieces_per_page);
}

// ---- The resident kernel (GpuBridge.Method.RESIDENT; protocol in docs/spec/gpu-resident.md) ----
// One launch serves batch after batch until the host stops it, so that a stream of small batches pays no launch,
// ramp-up and drain per batch (bench/gpu/probe/persistent_probe.cu: 128 x 16 KiB host-to-device at 92 % of the
// contiguous rate, against 89 % for a launch per batch on the same machine). Block 0 is the fetcher: it copies
// newly published items from the ring in mapped host memory into the same slots of the device ring, a chunk at a
// time with one bulk copy, and raises state->ready; every other block takes item indices in order from
// state->next and moves each item's bytes as copy_pieces does. The block that finishes a batch's last piece writes
// the batch's sequence number into done[slot] (mapped host memory).

#define RESIDENT_CHUNK 128

struct ResidentItem
{
    uint64_t source;
    uint64_t destination;
    uint32_t length;
    uint32_t slot;
    uint32_t pieces;
    uint32_t sequence;
};

struct ResidentState
{
    unsigned long long next;
    unsigned long long ready;
    unsigned long long stop_at;
    unsigned long long reserved;
};

__device__ __forceinline__ unsigned long long load_acquire(const unsigned long long* address)
{
    unsigned long long value;
    asm volatile("ld.acquire.gpu.global.u64 %0, [%1];" : "=l"(value) : "l"(address) : "memory");
    return value;
}

// The fetcher: block 0, until the host raises stop with nothing left to fetch.
__device__ void fetch_items(const ResidentItem* host_ring, ResidentItem* device_ring, uint64_t ring_mask,
    const volatile uint64_t* control, ResidentState* state, char* staging, uint32_t bar)
{
    uint64_t fetched = state->ready;
    uint32_t phase = 0;
    uint32_t sleep = 32;
    while (true)
    {
        const uint64_t published = control[0];
        if (published > fetched)
        {
            const uint64_t at = fetched & ring_mask;
            const uint32_t count =
                (uint32_t)min(min(published - fetched, (uint64_t)RESIDENT_CHUNK), ring_mask + 1 - at);
            const uint64_t source = (uint64_t)(host_ring + at);
            const uint32_t bytes = count * (uint32_t)sizeof(ResidentItem);
            // The host rewrites these slots on every lap of the ring: drop whatever copy of them the L2 cache kept
            // from the last lap, so that the bulk copy reads host memory. (PTX's memory model calls a discarded
            // line's contents indeterminate until written again; Hopper invalidates the line, and GpuBench's
            // ResidentCheck compares every byte across ring laps. A fetcher of system-scope loads, which the model
            // covers, moved 75 % where this one moves 92 %.)
            for (uint64_t line = source & ~127ull; line < source + bytes; line += 128)
            {
                asm volatile("discard.global.L2 [%0], 128;" :: "l"(line) : "memory");
            }
            bulk_load(shared_address(staging), source, bytes, bar);
            wait_phase(bar, phase);
            phase ^= 1;
            bulk_store((uint64_t)(device_ring + at), shared_address(staging), bytes);
            asm volatile("cp.async.bulk.wait_group 0;" ::: "memory");
            __threadfence();
            fetched += count;
            atomicExch(&state->ready, (unsigned long long)fetched);
            sleep = 32;
            continue;
        }
        if (control[8] != 0)
        {
            // The host stops the kernel only when every published batch is done: nothing is left to take.
            atomicExch(&state->stop_at, (unsigned long long)fetched);
            return;
        }
        __nanosleep(sleep);
        sleep = min(sleep * 2, 2048u);
    }
}

// Waits for item `index` to be fetched: 1 when it is (and copies it into `item`), -1 when the kernel is stopping,
// 0 when it is not there yet and `block` is false.
__device__ __forceinline__ int await_item(const ResidentItem* device_ring, uint64_t ring_mask, ResidentState* state,
    uint64_t index, bool block, ResidentItem& item)
{
    uint32_t sleep = 32;
    while (index >= load_acquire(&state->ready))
    {
        if (index >= *(volatile unsigned long long*)&state->stop_at)
        {
            return -1;
        }
        if (!block)
        {
            return 0;
        }
        __nanosleep(sleep);
        sleep = min(sleep * 2, 1024u);
    }
    const ResidentItem* slot = device_ring + (index & ring_mask);
    item.source = __ldcg(&slot->source);
    item.destination = __ldcg(&slot->destination);
    item.length = __ldcg(&slot->length);
    item.slot = __ldcg(&slot->slot);
    item.pieces = __ldcg(&slot->pieces);
    item.sequence = __ldcg(&slot->sequence);
    return 1;
}

// An item's bytes have landed: count it, and the batch's last piece raises the batch's done flag.
__device__ __forceinline__ void finish_item(const ResidentItem& item, unsigned int* counts, volatile uint32_t* done)
{
    __threadfence();
    if (atomicAdd(&counts[item.slot], 1u) + 1 == item.pieces)
    {
        // Every piece of the batch is counted; the slot is not reused before the host has seen done[slot].
        counts[item.slot] = 0;
        __threadfence_system();
        done[item.slot] = item.sequence;
    }
}

extern "C" __global__ void copy_pages_resident(
    const ResidentItem* host_ring, ResidentItem* device_ring, uint64_t ring_mask, const volatile uint64_t* control,
    volatile uint32_t* done, ResidentState* state, unsigned int* counts)
{
    __shared__ alignas(128) char buffer[STAGES][PIECE_BYTES];
    __shared__ alignas(8) uint64_t barrier[STAGES];
    if (threadIdx.x != 0)
    {
        return;
    }
    init_barriers(barrier);
    if (blockIdx.x == 0)
    {
        fetch_items(host_ring, device_ring, ring_mask, control, state, buffer[0], shared_address(&barrier[0]));
        return;
    }
    // Item j of this block sits in stage j % STAGES; its bulk part goes by bulk copy, its tail byte by byte.
    auto load = [&](uint64_t j, const ResidentItem& item)
    {
        bulk_load(shared_address(buffer[j % STAGES]), item.source, item.length & ~15u,
            shared_address(&barrier[j % STAGES]));
    };
    auto store = [&](uint64_t j, const ResidentItem& item)
    {
        wait_phase(shared_address(&barrier[j % STAGES]), (uint32_t)(j / STAGES) & 1);
        store_piece(item.destination, item.source, shared_address(buffer[j % STAGES]), item.length);
    };
    ResidentItem current;
    if (await_item(device_ring, ring_mask, state, atomicAdd(&state->next, 1ull), true, current) < 0)
    {
        return;
    }
    load(0, current);
    ResidentItem previous;
    bool stored = false;
    for (uint64_t j = 0;; j++)
    {
        const uint64_t index = atomicAdd(&state->next, 1ull);
        ResidentItem following;
        int ready = await_item(device_ring, ring_mask, state, index, false, following);
        if (ready > 0)
        {
            // That stage last held item j - 1, whose store must have finished reading it.
            asm volatile("cp.async.bulk.wait_group.read 0;" ::: "memory");
            load(j + 1, following);
        }
        store(j, current);
        if (ready > 0)
        {
            // The store before this one has landed.
            asm volatile("cp.async.bulk.wait_group 1;" ::: "memory");
            if (stored)
            {
                finish_item(previous, counts, done);
            }
            previous = current;
            stored = true;
        }
        else
        {
            // Nothing more to overlap with: land this item (its batch may be waiting for it) before waiting.
            asm volatile("cp.async.bulk.wait_group 0;" ::: "memory");
            if (stored)
            {
                finish_item(previous, counts, done);
            }
            finish_item(current, counts, done);
            stored = false;
            if (ready == 0)
            {
                ready = await_item(device_ring, ring_mask, state, index, true, following);
            }
            if (ready < 0)
            {
                return;
            }
            load(j + 1, following);
        }
        current = following;
    }
}
