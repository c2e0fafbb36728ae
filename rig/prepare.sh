#!/usr/bin/env bash
# Stages what the guests run, shared into them read-only over 9p at /opt/kvpool: a jlink'd Java 25 runtime, the
# jars of the CLI and of bench, jvm.options, the launcher (the one Ansible installs), and, under tests/, the JUnit
# console launcher with the test classpaths of the suites the scenarios run. Rebuilt when the jars are newer.
set -euo pipefail
RIG="$(cd "$(dirname "$0")" && pwd)"
ROOT="$(cd "$RIG/.." && pwd)"
CACHE="${KVPOOL_RIG_CACHE:-$RIG/.cache}"
DIST="$CACHE/dist"
"$ROOT/kvpool" build
JDK="$("$ROOT/kvpool" jdk | cut -d' ' -f1)"
mkdir -p "$DIST/bin" "$DIST/lib" "$DIST/tests"
if [ ! -x "$DIST/runtime/bin/java" ]; then
    modules=java.base,java.logging,java.management,java.naming,java.sql,jdk.compiler,jdk.httpserver,jdk.management
    "$JDK/bin/jlink" --add-modules "$modules,jdk.unsupported" \
        --compress zip-6 --strip-debug --no-header-files --no-man-pages --output "$DIST/runtime"
fi
rm -f "$DIST/lib/"*.jar
cp "$ROOT/cli/target/lib/"*.jar "$DIST/lib/"
cp -n "$ROOT/bench/target/lib/"*.jar "$DIST/lib/"
cp "$ROOT/jvm.options" "$DIST/"
install -m 0755 "$ROOT/ansible/roles/kvpool_runtime/files/kvpool.sh" "$DIST/bin/kvpool"
# The JUnit console launcher, the test classes of the modules whose suites the scenarios run (as jars), and the
# class path the guests run every suite on (tests/classpath, relative to the distribution: the jars of lib/ in
# C-locale order, then the test jars and the launcher): one class path for all, so that one AOT cache serves them.
CONSOLE=org.junit.platform:junit-platform-console-standalone:1.14.4
if [ ! -f "$DIST/tests/junit-console.jar" ]; then
    (cd "$ROOT" && mvn -q dependency:copy -Dartifact="$CONSOLE" -DoutputDirectory="$DIST/tests" \
        -Dmdep.stripVersion=true) >&2
    mv "$DIST/tests/junit-platform-console-standalone.jar" "$DIST/tests/junit-console.jar"
fi
(cd "$ROOT" && mvn -q -DskipTests test-compile) >&2
TEST_MODULES=(pool-protocol transport-cxl pool-client)
for module in "${TEST_MODULES[@]}"; do
    rm -rf "${DIST:?}/tests/$module" "$DIST/tests/$module.jar"
    "$JDK/bin/jar" --create --file "$DIST/tests/$module.jar" -C "$ROOT/$module/target/test-classes" .
done
(cd "$DIST" && LC_ALL=C && printf '%s\n' lib/*.jar && printf 'tests/%s.jar\n' "${TEST_MODULES[@]}" &&
    echo tests/junit-console.jar) >"$DIST/tests/classpath"
# The AOT cache the launcher starts the guests' JVMs from (emulated CPUs, where parsing, verifying and linking the
# manager's few thousand classes cost it tens of seconds); retrained whenever the jars are staged, since it is only
# valid with them.
bash "$ROOT/ansible/roles/kvpool_runtime/files/train-aot-cache.sh" "$DIST"
# And one for the JUnit launcher's JVMs, trained on the host by suites that need no hardware but load what the
# guests' suites do: the region contract suite (anonymous memory; the guests run it on devdax) and the transport
# conformance suite over Aeron UDP (the guests run it over RDMA). What those suites find is `./kvpool test`'s
# business: a cache is written whatever their outcome, and only a missing cache fails here.
rm -f "$DIST/tests/junit.aot"
train="$(mktemp -d)"
(cd "$train" && "$DIST/runtime/bin/java" "@$DIST/jvm.options" -XX:AOTCacheOutput="$DIST/tests/junit.aot" \
    -Xlog:aot=error -cp "$(sed "s|^|$DIST/|" "$DIST/tests/classpath" | paste -sd:)" \
    org.junit.platform.console.ConsoleLauncher execute --disable-banner \
    --select-class io.kvpool.transport.cxl.AnonymousRegionTest \
    --select-class io.kvpool.client.AeronUdpTransportConformanceTest >"$train/tests.log" 2>&1) || true
if [ ! -s "$DIST/tests/junit.aot" ]; then
    cat "$train/tests.log" >&2
    rm -rf "$train"
    echo "rig: training the tests' AOT cache wrote no cache" >&2
    exit 1
fi
rm -rf "$train"
echo "rig: guest distribution staged in $DIST"
