// Harness (#6): the bridge's own resident kernel (gpu-bridge/src/main/cuda/pages_sm90.cu, copy_pages_resident)
// driven from C++ with the protocol ResidentCopier speaks (docs/spec/gpu-resident.md), beside the bridge's launch
// per batch (copy_pages_bulk_inline, two streams), to tell a slow kernel from a slow Java side: persistent_probe.cu's
// simpler resident kernel moved 128 x 16 KiB host -> device at 92 % of contiguous, the bridge's first version,
// driven by Java, 54-90 %. Found: the kernel moves 92 % from C++; the Java side lost it to ring stores that ran at
// C1 speed for the first thousand batches and a completion thread that parked between batches (both mended). A
// fetcher that read the host ring with a warp's volatile loads instead of one bulk copy moved 75 % and was dropped.
// Destinations are either distinct per batch or the same 128 device pages for every batch (GpuBench's pattern).
// Build: nvcc -O3 -std=c++20 -arch=sm_90 -o resident_harness resident_harness.cu
#include "../../../gpu-bridge/src/main/cuda/pages_sm90.cu"

#include <algorithm>
#include <atomic>
#include <chrono>
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
constexpr int BATCHES = 128;
constexpr uint64_t RING = 1 << 16;
constexpr int SLOTS = 256;

int main()
{
    const size_t region_bytes = 1ull << 30;
    const uint64_t total = (uint64_t)BATCHES * PAGES;
    char* region = (char*)mmap(nullptr, region_bytes, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
    memset(region, 7, region_bytes);
    CHECK(cudaHostRegister(region, region_bytes, cudaHostRegisterPortable | cudaHostRegisterMapped));
    char* device;
    CHECK(cudaMalloc(&device, total * PIECE_BYTES));
    int sms;
    CHECK(cudaDeviceGetAttribute(&sms, cudaDevAttrMultiProcessorCount, 0));
    std::mt19937_64 random(11);
    std::vector<uint64_t> slots(region_bytes / PIECE_BYTES);
    for (size_t i = 0; i < slots.size(); i++) slots[i] = i;
    std::shuffle(slots.begin(), slots.end(), random);

    ResidentItem* host_ring;
    uint64_t* control;  // published at [0], stop at [8], done u32[SLOTS] from byte 128
    CHECK(cudaHostAlloc(&host_ring, RING * sizeof(ResidentItem), cudaHostAllocMapped | cudaHostAllocPortable));
    CHECK(cudaHostAlloc(&control, 128 + 4 * SLOTS, cudaHostAllocMapped | cudaHostAllocPortable));
    uint32_t* done = (uint32_t*)((char*)control + 128);
    ResidentItem* device_ring;
    char* state;
    CHECK(cudaMalloc(&device_ring, RING * sizeof(ResidentItem)));
    CHECK(cudaMalloc(&state, 32 + 4 * SLOTS));
    CHECK(cudaMemset(state, 0, 32 + 4 * SLOTS));
    memset(control, 0, 128 + 4 * SLOTS);
    for (int s = 0; s < SLOTS; s++) done[s] = (uint32_t)(s - SLOTS);
    cudaStream_t resident_stream, streams[2];
    CHECK(cudaStreamCreateWithFlags(&resident_stream, cudaStreamNonBlocking));
    for (auto& s : streams) CHECK(cudaStreamCreateWithFlags(&s, cudaStreamNonBlocking));
    uint64_t published = 0;
    uint32_t sequence = 0;
    auto destination = [&](bool reuse, uint64_t b, int i)
    {
        return (uint64_t)device + (reuse ? i : b * PAGES + i) * PIECE_BYTES;
    };

    auto launch_resident = [&](int workers)
    {
        uint64_t init[3] = {published, published, ~0ull >> 1};
        CHECK(cudaMemcpy(state, init, 24, cudaMemcpyHostToDevice));
        std::atomic_ref<uint64_t>(control[8]).store(0);
        void* kernel = (void*)copy_pages_resident;
        uint64_t mask = RING - 1;
        uint32_t* done_device = done;
        unsigned int* counts = (unsigned int*)(state + 32);
        ResidentState* st = (ResidentState*)state;
        const volatile uint64_t* ctl = control;
        void* args[] = {&host_ring, &device_ring, &mask, &ctl, &done_device, &st, &counts};
        CHECK(cudaLaunchKernel(kernel, workers + 1, 32, args, 0, resident_stream));
    };
    auto stop_resident = [&]
    {
        std::atomic_ref<uint64_t>(control[8]).store(1, std::memory_order_release);
        CHECK(cudaStreamSynchronize(resident_stream));
    };
    // One run: BATCHES batches published back to back; returns seconds until the last is done.
    auto run_resident = [&](bool reuse)
    {
        const double start = now_s();
        uint32_t last = 0;
        for (uint64_t b = 0; b < BATCHES; b++)
        {
            const uint32_t batch = sequence++;
            const int slot = batch % SLOTS;
            // The slot's batch one lap ago must be done before the slot is reused.
            while ((int32_t)(std::atomic_ref<uint32_t>(done[slot]).load(std::memory_order_acquire) -
                (batch - SLOTS)) < 0) { }
            for (int i = 0; i < PAGES; i++)
            {
                ResidentItem& item = host_ring[(published + i) & (RING - 1)];
                item.source = (uint64_t)region + slots[b * PAGES + i] * PIECE_BYTES;
                item.destination = destination(reuse, b, i);
                item.length = PIECE_BYTES;
                item.slot = slot;
                item.pieces = PAGES;
                item.sequence = batch;
            }
            published += PAGES;
            std::atomic_ref<uint64_t>(control[0]).store(published, std::memory_order_release);
            last = batch;
        }
        while ((int32_t)(std::atomic_ref<uint32_t>(done[last % SLOTS]).load(std::memory_order_acquire) - last) < 0) { }
        return now_s() - start;
    };
    std::vector<InlinePages> tables(BATCHES);
    auto run_launches = [&](bool reuse)
    {
        for (int b = 0; b < BATCHES; b++)
        {
            for (int i = 0; i < PAGES; i++)
            {
                tables[b].sources[i] = (uint64_t)region + slots[b * PAGES + i] * PIECE_BYTES;
                tables[b].destinations[i] = destination(reuse, b, i);
                tables[b].lengths[i] = PIECE_BYTES;
            }
        }
        const double start = now_s();
        for (int b = 0; b < BATCHES; b++)
        {
            copy_pages_bulk_inline<<<PAGES, 32, 0, streams[b & 1]>>>(tables[b], PAGES, 1);
        }
        CHECK(cudaStreamSynchronize(streams[0]));
        CHECK(cudaStreamSynchronize(streams[1]));
        return now_s() - start;
    };
    auto contiguous = [&]
    {
        const double start = now_s();
        CHECK(cudaMemcpyAsync(device, region, total * PIECE_BYTES, cudaMemcpyHostToDevice, streams[0]));
        CHECK(cudaStreamSynchronize(streams[0]));
        return now_s() - start;
    };
    auto median = [&](auto run) { return median_gbps(run, (double)total * PIECE_BYTES); };
    printf("%d batches of %d x 16 KiB host -> device a run, median of 20, host clock\n", BATCHES, PAGES);
    for (int pass = 0; pass < 2; pass++)
    {
        const double ce = median(contiguous);
        printf("-- pass %d: contiguous %.1f GB/s\n", pass + 1, ce);
        for (bool reuse : {false, true})
        {
            const double l = median([&] { return run_launches(reuse); });
            printf("launch per batch, %-22s %5.1f GB/s %5.1f %%\n",
                reuse ? "same 128 destinations" : "distinct destinations", l, 100 * l / ce);
            launch_resident(sms);
            const double r = median([&] { return run_resident(reuse); });
            stop_resident();
            printf("resident kernel,  %-22s %5.1f GB/s %5.1f %%\n",
                reuse ? "same 128 destinations" : "distinct destinations", r, 100 * r / ce);
        }
    }
    CHECK(cudaGetLastError());
    return 0;
}
