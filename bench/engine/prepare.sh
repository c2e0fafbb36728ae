#!/usr/bin/env bash
# Builds what the engine benchmark carries to the GPU machine (which has no Java) in one call: a jlink'd Java 25
# runtime and the jars `kvpool manager` needs, under out/engine (ignored by git). One carry holds at most 64 MiB
# with the working tree, so the runtime is trimmed: no ct.sym (javac's --release data; Chronicle Map compiles its
# generated classes for this runtime only), libjvm.so stripped, and no jars the manager does not load (GPU natives,
# charts). Then, from the repository root:
#   run carry=["out/engine"] command="bash bench/engine/run.sh"
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/../.." && pwd)"
cd "$ROOT"
./kvpool build
JDK="$(./kvpool jdk | cut -d' ' -f1)"
rm -rf out/engine && mkdir -p out/engine/lib
"$JDK/bin/jlink" \
    --add-modules java.base,java.logging,java.management,jdk.unsupported,java.sql,java.naming,jdk.compiler,jdk.httpserver \
    --compress zip-9 --strip-debug --no-header-files --no-man-pages --output out/engine/runtime
rm -f out/engine/runtime/lib/ct.sym
# The JVM's own symbol table (5 MB); its exported symbols stay.
strip --strip-unneeded out/engine/runtime/lib/server/libjvm.so
for jar in cli/target/lib/*.jar; do
    case "$(basename "$jar")" in
        jcuda*|gpu-bridge*|pdfbox*|fontbox*|xchart*|VectorGraphics2D*|graphics2d*|jna*|jnr*|jffi*) ;;
        *) cp "$jar" out/engine/lib/ ;;
    esac
done
cp jvm.options out/engine/
du -sh out/engine/runtime out/engine/lib
total=$(du -sb out/engine | cut -f1)
if [ "$total" -gt $((60 << 20)) ]; then
    echo "prepare: out/engine is $((total >> 20)) MiB: over what one call carries beside the tree" >&2
    exit 1
fi
