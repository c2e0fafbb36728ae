package io.kvpool.cli;

import picocli.CommandLine.Command;

import java.util.concurrent.Callable;

/**
 * Documents {@code ./kvpool test}, which the launcher runs itself (through Maven) before Java starts.
 */
@Command(
    name = "test",
    mixinStandardHelpOptions = true,
    header = "Runs the whole test suite, then the deployment's test.",
    description = {
        "The suite is Maven Surefire over every module; the deployment's test is ansible/test/run.sh (syntax " +
            "check, ansible-lint, site.yml run twice on this machine).",
        "Handled by the ./kvpool launcher: extra arguments go to Maven and skip the deployment's test, e.g. " +
            "./kvpool test -pl pool-manager -Dtest=PoolCoreTest. The launcher also takes: ./kvpool build (build " +
            "only), ./kvpool jdk (print the JDK it chose).",
        "Hardware-bound tests (gpu, rdma, devdax) skip themselves and print why where the hardware is absent."})
final class TestCommand implements Callable<Integer>
{
    @Override
    public Integer call()
    {
        System.err.println("kvpool test: run it through the launcher (./kvpool test), which starts Maven.");
        return 2;
    }
}
