#!/usr/bin/env bash
# Builds what `bench remote` needs on the device machine (16 cores, no Java, no network): a jlink'd Java 25 runtime
# (the manager runs in the benchmark's JVM, and Chronicle Map compiles code at run time: jdk.compiler; jdk.jfr, so
# that -XX:StartFlightRecording=filename=$OUT/x.jfr profiles a run there, read back here with `jfr print`), the jars,
# and Debian's redis-server with the libraries it links (the device runs another distribution), packed into one
# archive under the 64 MiB a call carries (a machine goes cold 30 s after a call, so two carries do not add up):
#   run carry=["out/remote.tar.xz"]  command="bash bench/device/run-remote.sh [CONFIG ...]"
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/../.." && pwd)"
cd "$ROOT"
./kvpool build
JDK="$(./kvpool jdk | cut -d' ' -f1)"
rm -rf out/remote && mkdir -p out/remote/lib/jars out/remote/lib/redis
"$JDK/bin/jlink" \
    --add-modules java.base,java.logging,java.management,jdk.unsupported,java.sql,java.naming,jdk.compiler,jdk.httpserver,jdk.jfr \
    --compress zip-9 --strip-debug --no-header-files --no-man-pages --output out/remote/runtime
for jar in bench/target/lib/*.jar; do
    case "$(basename "$jar")" in
        jcuda*|jffi*|jnr*|jna*|pdfbox*|fontbox*|xchart*|VectorGraphics2D*|graphics2d*|animated-gif*) ;;
        *) cp "$jar" out/remote/lib/jars/ ;;
    esac
done
if REDIS="$(command -v redis-server)"; then
    cp "$REDIS" out/remote/lib/redis/
    # Every library it links but the C runtime itself (the device's glibc is newer, hence compatible).
    ldd "$REDIS" | awk '/=> \// {print $3}' | grep -v -e '/libc\.so' -e '/libm\.so' -e 'ld-linux' |
        xargs -I{} cp -L {} out/remote/lib/redis/
else
    echo "prepare-remote: no redis-server here (apt-get install redis-server): this archive serves bench" \
        "shapes; bench remote (run-remote.sh) needs Redis and will not start without it" >&2
fi
# javac's symbol tables (--release) are not used at run time; the JVM's symbols are not needed either.
rm -f out/remote/runtime/lib/ct.sym
strip --strip-unneeded out/remote/runtime/lib/server/libjvm.so
tar -C out/remote -cf - runtime lib | xz -T0 -6 > out/remote.tar.xz
du -sh out/remote.tar.xz
