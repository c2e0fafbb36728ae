/* Prints sizeof and offsetof of CUmemcpyAttributes as cuda.h defines it; BatchCopyLayoutTest compiles it with gcc
   where the CUDA toolkit's headers are installed and compares with BatchCopy.ATTRIBUTES. */
#include <stdio.h>
#include <stddef.h>
#include <cuda.h>
int main(void) {
  printf("sizeof %zu\n", sizeof(CUmemcpyAttributes));
  printf("srcAccessOrder %zu\n", offsetof(CUmemcpyAttributes, srcAccessOrder));
  printf("srcLocHint %zu\n", offsetof(CUmemcpyAttributes, srcLocHint));
  printf("dstLocHint %zu\n", offsetof(CUmemcpyAttributes, dstLocHint));
  printf("flags %zu\n", offsetof(CUmemcpyAttributes, flags));
  printf("CU_MEMCPY_SRC_ACCESS_ORDER_STREAM %d\n", (int)CU_MEMCPY_SRC_ACCESS_ORDER_STREAM);
  return 0;
}
