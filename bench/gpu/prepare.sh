#!/usr/bin/env bash
# Builds what a GPU run carries to the GPU machine (which has no Java): a jlink'd Java 25 runtime and only the jars
# the GPU bench needs, under out/gpu (ignored by git; well under the 64 MiB a call carries).
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/../.." && pwd)"
cd "$ROOT"
./kvpool build
JDK="$(./kvpool jdk | cut -d' ' -f1)"
rm -rf out/gpu && mkdir -p out/gpu/lib
"$JDK/bin/jlink" --add-modules java.base,java.logging,java.management,jdk.unsupported \
    --compress zip-9 --strip-debug --no-header-files --no-man-pages --output out/gpu/runtime
for jar in bench gpu-bridge transport-cxl pool-protocol jcuda-12 jcuda-natives-12.6.0-linux; do
    cp bench/target/lib/${jar}*.jar out/gpu/lib/
done
du -sh out/gpu/runtime out/gpu/lib
