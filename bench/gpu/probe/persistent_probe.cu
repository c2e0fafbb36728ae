// Probe (#6): does a persistent gather kernel, fed page descriptors through a ring in mapped pinned host memory,
// move 128 x 16 KiB scattered pages host -> device closer to the copy engine's contiguous rate than one launch per
// batch (what GpuBridge does: pages_sm90.cu's bulk kernel, the table inline, two streams)? The launches leave a
// per-batch cost (launch, ramp-up, drain) that 256 KiB pages amortize and 16 KiB pages do not; a kernel that never
// ends has none. Measured side by side in one process, on fresh pages per batch (no L2 re-reads):
//   contiguous   cudaMemcpyAsync of 256 MiB (the reference)
//   launches     one bulk-kernel launch per batch, streams alternating (the bridge's way)
//   one launch   every batch's pages in one launch, the table in device memory (the SM path's ceiling)
//   persistent   one resident kernel; the host publishes batch after batch into the ring and waits for the last
//                batch's done flag, which the kernel writes into mapped host memory
// Build: nvcc -O3 -std=c++20 -arch=sm_90 -o persistent_probe persistent_probe.cu
#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <random>
#include <vector>
#include <sys/mman.h>
#include <unistd.h>
#include <cuda_runtime.h>
#include "probe.h"

constexpr int PAGES = 128;
constexpr int PIECE = 16384;
constexpr int STAGES = 2;

struct Inline { uint64_t src[PAGES]; uint64_t dst[PAGES]; uint64_t len[PAGES]; };
struct Desc { uint64_t src; uint64_t dst; uint64_t len; };

__device__ __forceinline__ uint32_t smem(const void* p) { return (uint32_t)__cvta_generic_to_shared(p); }

__device__ __forceinline__ void wait_parity(uint32_t bar, uint32_t parity)
{
    uint32_t ok = 0;
    while (!ok)
    {
        asm volatile("{ .reg .pred p; mbarrier.try_wait.parity.shared::cta.b64 p, [%1], %2; selp.u32 %0, 1, 0, p; }"
            : "=r"(ok) : "r"(bar), "r"(parity) : "memory");
    }
}

__device__ __forceinline__ void bulk_load(uint32_t dst_smem, uint64_t src, uint32_t bytes, uint32_t bar)
{
    asm volatile("mbarrier.arrive.expect_tx.shared::cta.b64 _, [%0], %1;" :: "r"(bar), "r"(bytes) : "memory");
    asm volatile("cp.async.bulk.shared::cluster.global.mbarrier::complete_tx::bytes [%0], [%1], %2, [%3];"
        :: "r"(dst_smem), "l"(src), "r"(bytes), "r"(bar) : "memory");
}

__device__ __forceinline__ void bulk_store(uint64_t dst, uint32_t src_smem, uint32_t bytes)
{
    asm volatile("cp.async.bulk.global.shared::cta.bulk_group [%0], [%1], %2;" :: "l"(dst), "r"(src_smem), "r"(bytes)
        : "memory");
    asm volatile("cp.async.bulk.commit_group;" ::: "memory");
}

__device__ __forceinline__ void init_barriers(uint64_t* barrier)
{
    for (int s = 0; s < STAGES; s++)
    {
        asm volatile("mbarrier.init.shared::cta.b64 [%0], 1;" :: "r"(smem(&barrier[s])));
    }
    asm volatile("fence.mbarrier_init.release.cluster;" ::: "memory");
}

// The bridge's kernel for 16 KiB pages (one piece per page): items statically dealt out, two in flight per block.
template <typename Table>
__device__ void static_pages(const Table& t, uint64_t count)
{
    __shared__ alignas(128) char buffer[STAGES][PIECE];
    __shared__ alignas(8) uint64_t barrier[STAGES];
    if (threadIdx.x != 0) return;
    init_barriers(barrier);
    const uint64_t mine = count > blockIdx.x ? (count - blockIdx.x + gridDim.x - 1) / gridDim.x : 0;
    auto item = [&](uint64_t j) { return blockIdx.x + j * gridDim.x; };
    if (mine > 0) bulk_load(smem(buffer[0]), t.src(item(0)), t.len(item(0)), smem(&barrier[0]));
    for (uint64_t j = 0; j < mine; j++)
    {
        if (j + 1 < mine)
        {
            asm volatile("cp.async.bulk.wait_group.read 0;" ::: "memory");
            bulk_load(smem(buffer[(j + 1) % STAGES]), t.src(item(j + 1)), t.len(item(j + 1)),
                smem(&barrier[(j + 1) % STAGES]));
        }
        wait_parity(smem(&barrier[j % STAGES]), (j / STAGES) & 1);
        bulk_store(t.dst(item(j)), smem(buffer[j % STAGES]), t.len(item(j)));
    }
    asm volatile("cp.async.bulk.wait_group 0;" ::: "memory");
}

struct InlineTable
{
    const Inline& p;
    __device__ uint64_t src(uint64_t i) const { return p.src[i]; }
    __device__ uint64_t dst(uint64_t i) const { return p.dst[i]; }
    __device__ uint32_t len(uint64_t i) const { return (uint32_t)p.len[i]; }
};

struct DescTable
{
    const Desc* d;
    __device__ uint64_t src(uint64_t i) const { return d[i].src; }
    __device__ uint64_t dst(uint64_t i) const { return d[i].dst; }
    __device__ uint32_t len(uint64_t i) const { return (uint32_t)d[i].len; }
};

__global__ void launch_kernel(const __grid_constant__ Inline p) { static_pages(InlineTable{p}, PAGES); }

__global__ void one_launch_kernel(const Desc* d, uint64_t count) { static_pages(DescTable{d}, count); }

// The resident kernel. The host writes each batch's descriptors into a ring in mapped host memory and then raises
// `published`; block 0 copies each published batch's table (3 KiB) into device memory with one bulk copy and marks
// it ready; the other blocks take items (pages) in order from a device counter and read their descriptors from
// device memory. (A first version read each descriptor from host memory: those reads serialize on the bus, 14 GB/s.
// A second had the first block to take an item of a batch fetch its table: every batch start then stalled the
// workers for a bus round trip, 88 %, no better than launches.) The block that finishes a batch's last page raises
// the batch's done flag in host memory. Ends at `total` (the probe knows its length; the real thing would take a
// stop flag and an idle timeout).
__global__ void persistent_kernel(const Desc* ring, const volatile uint64_t* published, uint64_t total,
    unsigned long long* next, int* state, Desc* tables, unsigned int* batch_pages,
    volatile uint32_t* done)
{
    __shared__ alignas(128) char buffer[STAGES][PIECE];
    __shared__ alignas(128) Desc table[PAGES];
    __shared__ alignas(8) uint64_t barrier[STAGES + 1];
    if (threadIdx.x != 0) return;
    init_barriers(barrier);
    asm volatile("mbarrier.init.shared::cta.b64 [%0], 1;" :: "r"(smem(&barrier[STAGES])));
    asm volatile("fence.mbarrier_init.release.cluster;" ::: "memory");
    if (blockIdx.x == 0)
    {
        // The fetcher: copies each published batch's table into device memory as soon as the host publishes it,
        // ahead of the workers, so that no worker waits on the bus for a descriptor.
        const uint32_t bar = smem(&barrier[STAGES]);
        for (uint64_t b = 0; b * PAGES < total; b++)
        {
            while (*published < (b + 1) * PAGES) __nanosleep(128);
            bulk_load(smem(table), (uint64_t)(ring + b * PAGES), sizeof(table), bar);
            wait_parity(bar, b & 1);
            bulk_store((uint64_t)(tables + b * PAGES), smem(table), sizeof(table));
            asm volatile("cp.async.bulk.wait_group 0;" ::: "memory");
            __threadfence();
            *(volatile int*)&state[b] = 2;
        }
        return;
    }
    auto take = [&](Desc& d) -> uint64_t
    {
        const uint64_t i = atomicAdd(next, 1ull);
        if (i >= total) return i;
        const uint64_t b = i / PAGES;
        while (*(volatile int*)&state[b] != 2) __nanosleep(64);
        d.src = __ldcg(&tables[i].src);
        d.dst = __ldcg(&tables[i].dst);
        d.len = __ldcg(&tables[i].len);
        return i;
    };
    auto finish = [&](uint64_t i)
    {
        __threadfence();
        const uint64_t batch = i / PAGES;
        if (atomicAdd(&batch_pages[batch], 1u) == PAGES - 1)
        {
            __threadfence_system();
            done[batch] = 1;
        }
    };
    Desc d;
    uint64_t current = take(d);
    if (current >= total) return;
    bulk_load(smem(buffer[0]), d.src, (uint32_t)d.len, smem(&barrier[0]));
    uint64_t previous = ~0ull;
    for (uint64_t j = 0;; j++)
    {
        Desc f;
        const uint64_t following = take(f);
        if (following < total)
        {
            asm volatile("cp.async.bulk.wait_group.read 0;" ::: "memory");
            bulk_load(smem(buffer[(j + 1) % STAGES]), f.src, (uint32_t)f.len, smem(&barrier[(j + 1) % STAGES]));
        }
        wait_parity(smem(&barrier[j % STAGES]), (j / STAGES) & 1);
        bulk_store(d.dst, smem(buffer[j % STAGES]), (uint32_t)d.len);
        // The store before this one has landed: its page is done.
        asm volatile("cp.async.bulk.wait_group 1;" ::: "memory");
        if (previous != ~0ull) finish(previous);
        previous = current;
        if (following >= total) break;
        current = following;
        d = f;
    }
    asm volatile("cp.async.bulk.wait_group 0;" ::: "memory");
    finish(previous);
}

int main(int argc, char** argv)
{
    const size_t region_bytes = 1ull << 30;
    const int batches = 128;  // 128 x 128 x 16 KiB = 256 MiB a run, every page read once
    const uint64_t total = (uint64_t)batches * PAGES;
    char* region = (char*)mmap(nullptr, region_bytes, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
    for (size_t i = 0; i < region_bytes; i += 8) *(uint64_t*)(region + i) = i * 0x9E3779B97F4A7C15ull;
    CHECK(cudaHostRegister(region, region_bytes, cudaHostRegisterPortable | cudaHostRegisterMapped));
    char* device;
    const size_t device_bytes = total * PIECE;  // distinct destinations, so a run can be checked whole
    CHECK(cudaMalloc(&device, device_bytes));
    int sms;
    CHECK(cudaDeviceGetAttribute(&sms, cudaDevAttrMultiProcessorCount, 0));
    cudaStream_t streams[4];
    for (auto& s : streams) CHECK(cudaStreamCreateWithFlags(&s, cudaStreamNonBlocking));
    std::mt19937_64 random(11);
    std::vector<uint64_t> slots(region_bytes / PIECE);
    for (size_t i = 0; i < slots.size(); i++) slots[i] = i;
    std::shuffle(slots.begin(), slots.end(), random);
    std::vector<Desc> descs(total);
    for (uint64_t i = 0; i < total; i++)
    {
        descs[i] = Desc{(uint64_t)region + slots[i] * PIECE, (uint64_t)device + i * PIECE, PIECE};
    }
    std::vector<Inline> tables(batches);
    for (int b = 0; b < batches; b++)
    {
        for (int i = 0; i < PAGES; i++)
        {
            const Desc& d = descs[(uint64_t)b * PAGES + i];
            tables[b].src[i] = d.src; tables[b].dst[i] = d.dst; tables[b].len[i] = d.len;
        }
    }
    Desc* device_descs;
    CHECK(cudaMalloc(&device_descs, total * sizeof(Desc)));
    CHECK(cudaMemcpy(device_descs, descs.data(), total * sizeof(Desc), cudaMemcpyHostToDevice));
    Desc* ring;
    uint64_t* published;
    uint32_t* done;
    CHECK(cudaHostAlloc(&ring, total * sizeof(Desc), cudaHostAllocMapped | cudaHostAllocPortable));
    CHECK(cudaHostAlloc(&published, 64, cudaHostAllocMapped | cudaHostAllocPortable));
    CHECK(cudaHostAlloc(&done, batches * sizeof(uint32_t), cudaHostAllocMapped | cudaHostAllocPortable));
    unsigned long long* next;
    int* state;
    Desc* tables_device;
    unsigned int* batch_pages;
    CHECK(cudaMalloc(&next, 8));
    CHECK(cudaMalloc(&state, batches * sizeof(int)));
    CHECK(cudaMalloc(&tables_device, total * sizeof(Desc)));
    CHECK(cudaMalloc(&batch_pages, batches * sizeof(unsigned int)));
    const double bytes = (double)total * PIECE;

    auto check = [&](const char* what)
    {
        std::vector<char> back(device_bytes);
        CHECK(cudaMemcpy(back.data(), device, device_bytes, cudaMemcpyDeviceToHost));
        long bad = 0;
        for (uint64_t i = 0; i < total; i++) bad += memcmp(back.data() + i * PIECE, (char*)descs[i].src, PIECE) != 0;
        CHECK(cudaMemset(device, 0x5A, device_bytes));
        CHECK(cudaDeviceSynchronize());
        if (bad) { printf("%s: %ld of %llu pages wrong\n", what, bad, (unsigned long long)total); exit(1); }
    };
    // Wall time of one run on the host's clock, as an engine sees it: from the first enqueue to the last completion.
    auto median = [&](auto run) { return median_gbps(run, bytes); };
    // The bench's reference: one contiguous copy of the run's bytes.
    auto contiguous = [&]
    {
        const double s = now_s();
        CHECK(cudaMemcpyAsync(device, region, (size_t)bytes, cudaMemcpyHostToDevice, streams[0]));
        CHECK(cudaStreamSynchronize(streams[0]));
        return now_s() - s;
    };
    auto launches = [&](int count)
    {
        return [&, count]
        {
            const double s = now_s();
            for (int b = 0; b < batches; b++)
            {
                launch_kernel<<<PAGES, 32, 0, streams[b % count]>>>(tables[b]);
            }
            for (int k = 0; k < count; k++) CHECK(cudaStreamSynchronize(streams[k]));
            return now_s() - s;
        };
    };
    auto one_launch = [&]
    {
        const double s = now_s();
        one_launch_kernel<<<sms * 6, 32, 0, streams[0]>>>(device_descs, total);
        CHECK(cudaStreamSynchronize(streams[0]));
        return now_s() - s;
    };
    auto persistent = [&](int blocks)
    {
        return [&, blocks]
        {
            std::atomic_ref<uint64_t>(*published).store(0, std::memory_order_release);
            memset(done, 0, batches * sizeof(uint32_t));
            CHECK(cudaMemsetAsync(next, 0, 8, streams[0]));
            CHECK(cudaMemsetAsync(state, 0, batches * sizeof(int), streams[0]));
            CHECK(cudaMemsetAsync(batch_pages, 0, batches * sizeof(unsigned int), streams[0]));
            persistent_kernel<<<blocks, 32, 0, streams[0]>>>(ring, published, total, next, state, tables_device,
                batch_pages, done);
            CHECK(cudaGetLastError());
            // Let the kernel become resident and idle before the clock starts: the launch is paid once, not per run.
            usleep(2000);
            const double s = now_s();
            for (int b = 0; b < batches; b++)
            {
                memcpy(ring + (size_t)b * PAGES, descs.data() + (size_t)b * PAGES, PAGES * sizeof(Desc));
                std::atomic_ref<uint64_t>(*published).store((uint64_t)(b + 1) * PAGES, std::memory_order_release);
            }
            while (std::atomic_ref<uint32_t>(done[batches - 1]).load(std::memory_order_acquire) == 0) { }
            const double e = now_s();
            CHECK(cudaStreamSynchronize(streams[0]));
            for (int b = 0; b < batches; b++) if (!done[b]) { printf("batch %d not done\n", b); exit(1); }
            return e - s;
        };
    };
    CHECK(cudaMemset(device, 0x5A, device_bytes));
    printf("%d x %d x 16 KiB scattered pages host -> device a run (%.0f MiB), median of 20 runs, host wall clock\n",
        batches, PAGES, bytes / (1 << 20));
    for (int pass = 0; pass < 2; pass++)
    {
        printf("-- pass %d\n", pass + 1);
        const double ce = median(contiguous);
        printf("%-36s %6.1f GB/s\n", "contiguous copy engine (256 MiB)", ce);
        for (int count : {1, 2, 4})
        {
            const double r = median(launches(count));
            check("launches");
            printf("launch per batch, %d stream(s)         %6.1f GB/s  %5.1f %%\n", count, r, 100 * r / ce);
        }
        const double one = median(one_launch);
        check("one launch");
        printf("%-36s %6.1f GB/s  %5.1f %%\n", "one launch of all pages", one, 100 * one / ce);
        for (int blocks : {sms / 2 + 1, sms + 1, sms * 2 + 1, sms * 6 + 1})
        {
            const double r = median(persistent(blocks));
            check("persistent");
            printf("persistent, %4d blocks                %6.1f GB/s  %5.1f %%\n", blocks, r, 100 * r / ce);
        }
        const double ce2 = median(contiguous);
        printf("%-36s %6.1f GB/s\n", "contiguous copy engine, again", ce2);
    }
    return 0;
}
