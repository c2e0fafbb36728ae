#!/usr/bin/env bash
# The whole test suite, as `./kvpool test` runs it (the launcher has chosen JAVA_HOME and checked Maven):
#  1. Maven Surefire over every module (extra arguments go to Maven and run only that part: no steps 2 and 3);
#  2. the Ansible deployment's test (ansible/test/run.sh), skipped with its reason where ansible is not installed,
#     unless KVPOOL_REQUIRE_ANSIBLE=1 (.ci/run sets it: CI installs ansible and must run it for real);
#  3. the Python client's tests (python/tests, pytest against a real manager), skipped with the reason where
#     python3, numpy or pytest is missing, unless KVPOOL_REQUIRE_PYTHON=1 (.ci/run sets it);
#  4. a summary: run/failed/skipped per module and overall, closing with one line "test: N passed, N failed,
#     N skipped". The exit status is 0 when everything that ran passed.
# KVPOOL_SUITE_ROOT points it at another tree (its own test runs it on a scratch tree with a stand-in mvn).
set -uo pipefail
ROOT="${KVPOOL_SUITE_ROOT:-$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)}"
cd "$ROOT"

marker="$(mktemp)"
trap 'rm -f "$marker"' EXIT
# Surefire's reports newer than the marker are this run's; older ones (other modules, earlier runs) are not counted.
touch "$marker"
sleep 1

mvn_status=0
# -ntp: no download progress lines; the tests' own output and Surefire's results stay.
# Maven 3.8 prints stray colour resets even in batch mode: strip them (pipefail keeps Maven's status).
mvn -ntp test "$@" 2>&1 | sed 's/\x1b\[[0-9;]*m//g' || mvn_status=$?

declare -a rows=()
total_run=0 total_failed=0 total_skipped=0
add_row() { # name run failed skipped
    rows+=("$(printf '%-16s %6d %7d %8d' "$1" "$2" "$3" "$4")")
    total_run=$((total_run + $2)); total_failed=$((total_failed + $3)); total_skipped=$((total_skipped + $4))
}
attribute() { # name line -> the attribute's number
    sed -n "s/.* $1=\"\([0-9]*\)\".*/\1/p" <<<"$2"
}
for module in */pom.xml; do
    module="${module%/pom.xml}"
    reports="$module/target/surefire-reports"
    [ -d "$reports" ] || continue
    run=0 failed=0 skipped=0 counted=0
    while IFS= read -r report; do
        line="$(grep -m1 -o '<testsuite [^>]*>' "$report")" || continue
        run=$((run + $(attribute tests "$line")))
        failed=$((failed + $(attribute failures "$line") + $(attribute errors "$line")))
        skipped=$((skipped + $(attribute skipped "$line")))
        counted=1
    done < <(find "$reports" -name 'TEST-*.xml' -newer "$marker")
    [ "$counted" = 1 ] && add_row "$module" "$run" "$failed" "$skipped"
done
if [ "$mvn_status" != 0 ] && [ "$total_failed" = 0 ]; then
    # Maven failed before or outside the tests (compilation, a crashed fork): count it as a failure.
    add_row "(maven)" 1 1 0
fi

ansible_status=0
if [ $# -eq 0 ]; then
    bash "$ROOT/ansible/test/run.sh"
    ansible_status=$?
    case "$ansible_status" in
        0) add_row "ansible" 1 0 0 ;;
        77) add_row "ansible" 1 0 1; ansible_status=0 ;;
        *) add_row "ansible" 1 1 0 ;;
    esac
fi

python_status=0
if [ $# -eq 0 ]; then
    python=/usr/bin/python3
    [ -x "$python" ] || python="$(command -v python3 || true)"
    missing=""
    if [ -z "$python" ]; then
        missing="python3 is not installed"
    elif ! "$python" -c 'import numpy, pytest' 2>/dev/null; then
        missing="numpy or pytest is missing for $python: apt-get install python3-numpy python3-pytest"
    fi
    if [ -n "$missing" ]; then
        if [ "${KVPOOL_REQUIRE_PYTHON:-0}" = 1 ]; then
            echo "python tests: $missing; KVPOOL_REQUIRE_PYTHON=1 asks for the real run" >&2
            add_row "python" 1 1 0
            python_status=1
        else
            echo "[SKIPPED] python client tests (python/tests) -- $missing (.ci/run installs them and runs them)"
            add_row "python" 1 0 1
        fi
    else
        mkdir -p "$ROOT/python/target"
        report="$ROOT/python/target/pytest.xml"
        rm -f "$report"
        # -rs prints every skip with its reason.
        (cd "$ROOT/python" && PYTHONPATH="$ROOT/python" "$python" -m pytest -q -rs -p no:cacheprovider \
            --junitxml="$report" tests) || python_status=$?
        if [ -f "$report" ]; then
            line="$(grep -m1 -o '<testsuite [^>]*>' "$report")"
            add_row "python" "$(attribute tests "$line")" \
                "$(( $(attribute failures "$line") + $(attribute errors "$line") ))" "$(attribute skipped "$line")"
        else
            add_row "python" 1 1 0
        fi
    fi
fi

echo
echo "test summary"
printf '%-16s %6s %7s %8s\n' "part" "run" "failed" "skipped"
printf '%s\n' "${rows[@]}"
printf '%-16s %6d %7d %8d\n' "all" "$total_run" "$total_failed" "$total_skipped"
# Skipped tests are counted in run (Surefire's convention), so passed = run - failed - skipped.
echo "test: $((total_run - total_failed - total_skipped)) passed, $total_failed failed, $total_skipped skipped"
[ "$mvn_status" = 0 ] && [ "$ansible_status" = 0 ] && [ "$python_status" = 0 ]
