#!/usr/bin/env bash
# Builds what the client device-path check (GpuClientCheck) carries to the GPU machine: it runs a pool manager in
# the same JVM, so it needs Chronicle Map (which compiles code at run time: jdk.compiler), Aeron and Prometheus.
# That is more than one call may carry (64 MiB), so it is split in two: out/gpu-client/runtime (~61 MB) and
# out/gpu-client/lib (~18 MB). Carry the runtime in one call and the jars in the next on the same warm machine:
#   run carry=["out/gpu-client/runtime"]  command="true"
#   run carry=["out/gpu-client/lib"]      command="timeout 300 bash bench/gpu/run-client.sh"
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/../.." && pwd)"
cd "$ROOT"
./kvpool build
JDK="$(./kvpool jdk | cut -d' ' -f1)"
rm -rf out/gpu-client && mkdir -p out/gpu-client/lib
"$JDK/bin/jlink" \
    --add-modules java.base,java.logging,java.management,jdk.unsupported,java.sql,java.naming,jdk.compiler,jdk.httpserver \
    --compress zip-9 --strip-debug --no-header-files --no-man-pages --output out/gpu-client/runtime
for jar in bench/target/lib/*.jar; do
    case "$(basename "$jar")" in
        jedis*|jmh*|commons-math3*|commons-pool2*|gson*|json-*|HdrHistogram*|jna*|jnr*|jffi*|picocli*|redis*) ;;
        *) cp "$jar" out/gpu-client/lib/ ;;
    esac
done
du -sh out/gpu-client/runtime out/gpu-client/lib
