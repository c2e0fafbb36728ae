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
    for (int s = 0; s < STAGES; s++)
    {
        asm volatile("mbarrier.init.shared::cta.b64 [%0], 1;" :: "r"(shared_address(&barrier[s])));
    }
    asm volatile("fence.mbarrier_init.release.cluster;" ::: "memory");
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
        const uint32_t bar = shared_address(&barrier[j % STAGES]);
        asm volatile("mbarrier.arrive.expect_tx.shared::cta.b64 _, [%0], %1;" :: "r"(bar), "r"(bulk) : "memory");
        if (bulk > 0)
        {
            asm volatile("cp.async.bulk.shared::cluster.global.mbarrier::complete_tx::bytes [%0], [%1], %2, [%3];"
                :: "r"(shared_address(buffer[j % STAGES])), "l"(sources[page] + start), "r"(bulk), "r"(bar)
                : "memory");
        }
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
        const uint32_t bar = shared_address(&barrier[j % STAGES]);
        const uint32_t parity = (uint32_t)(j / STAGES) & 1;
        uint32_t arrived = 0;
        while (!arrived)
        {
            asm volatile("{ .reg .pred p; mbarrier.try_wait.parity.shared::cta.b64 p, [%1], %2; "
                "selp.u32 %0, 1, 0, p; }" : "=r"(arrived) : "r"(bar), "r"(parity) : "memory");
        }
        uint64_t page, start;
        const uint32_t bytes = piece(j, page, start);
        const uint32_t bulk = bytes & ~15u;
        if (bulk > 0)
        {
            asm volatile("cp.async.bulk.global.shared::cta.bulk_group [%0], [%1], %2;"
                :: "l"(destinations[page] + start), "r"(shared_address(buffer[j % STAGES])), "r"(bulk) : "memory");
            asm volatile("cp.async.bulk.commit_group;" ::: "memory");
        }
        for (uint32_t at = bulk; at < bytes; at++)
        {
            reinterpret_cast<char*>(destinations[page])[start + at] =
                reinterpret_cast<const char*>(sources[page])[start + at];
        }
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
