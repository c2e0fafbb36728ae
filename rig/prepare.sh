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
# The JUnit console launcher, and the test classes of the modules whose suites the scenarios run (their
# classpath in the guest: the test classes, then /opt/kvpool/lib/*, which holds every module and dependency).
CONSOLE=org.junit.platform:junit-platform-console-standalone:1.14.4
if [ ! -f "$DIST/tests/junit-console.jar" ]; then
    (cd "$ROOT" && mvn -q dependency:copy -Dartifact="$CONSOLE" -DoutputDirectory="$DIST/tests" \
        -Dmdep.stripVersion=true) >&2
    mv "$DIST/tests/junit-platform-console-standalone.jar" "$DIST/tests/junit-console.jar"
fi
(cd "$ROOT" && mvn -q -DskipTests test-compile) >&2
for module in pool-protocol transport-cxl pool-client; do
    rm -rf "${DIST:?}/tests/$module"
    cp -r "$ROOT/$module/target/test-classes" "$DIST/tests/$module"
done
# The AOT cache the launcher starts the guests' JVMs from (emulated CPUs, where parsing, verifying and linking the
# manager's few thousand classes cost it tens of seconds); retrained whenever the jars are staged, since it is only
# valid with them. The JUnit launcher's JVMs (another class path) do without.
bash "$ROOT/ansible/roles/kvpool_runtime/files/train-aot-cache.sh" "$DIST"
echo "rig: guest distribution staged in $DIST"
