package io.kvpool.cli;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The {@code ./kvpool} launcher's JDK search, run as a user would run it.
 */
class LauncherTest
{
    private static final Path ROOT = Path.of(System.getProperty("kvpool.jvm.options")).getParent();

    @TempDir
    Path jvmDir;

    @Test
    void shouldNameWhereItLookedWhenNoJdk25Exists() throws Exception
    {
        final Path old = Files.createDirectories(jvmDir.resolve("java-17-openjdk-amd64"));
        final Result result = launch(old.toString(), "jdk");
        assertEquals(1, result.exitCode, result.output);
        assertTrue(result.output.contains("needs a JDK >= 25 and found none"), result.output);
        assertTrue(result.output.contains("JAVA_HOME=" + old), result.output);
        assertTrue(result.output.contains(jvmDir + "/temurin-25*"), result.output);
    }

    @Test
    void shouldFindTemurin25WhenJavaHomeIsOlder() throws Exception
    {
        final Path temurin = Path.of(System.getProperty("java.home"));
        final Path link = Files.createSymbolicLink(jvmDir.resolve("temurin-25-jdk-amd64"), temurin);
        try
        {
            final Result result = launch("/usr/lib/jvm/java-17-openjdk-amd64", "jdk");
            assertEquals(0, result.exitCode, result.output);
            assertEquals(link + " (Java " + Runtime.version().feature() + ")", result.output.strip());
        }
        finally
        {
            // Removed here, not by @TempDir, which warns about a link that leads out of the directory.
            Files.delete(link);
        }
    }

    @Test
    void shouldSkipTheDeploymentTestWithItsReasonWhereAnsibleIsMissing() throws Exception
    {
        // A PATH with only what the script needs before its check: no ansible-playbook, whatever this host has.
        final Path bin = Files.createDirectories(jvmDir.resolve("bin"));
        Files.createSymbolicLink(bin.resolve("dirname"), Path.of("/usr/bin/dirname"));
        final String script = ROOT.resolve("ansible/test/run.sh").toString();
        final Result skipped = run(Map.of("PATH", bin.toString()), "/bin/bash", script);
        assertEquals(77, skipped.exitCode, skipped.output);
        assertEquals("[SKIPPED] ansible deployment test (ansible/test/run.sh) -- ansible-playbook is not installed: " +
            "apt-get install ansible ansible-lint python3, then ./kvpool test (.ci/run installs them and runs it)",
            skipped.output.strip());

        final Result required = run(Map.of("PATH", bin.toString(), "KVPOOL_REQUIRE_ANSIBLE", "1"), "/bin/bash",
            script);
        assertEquals(1, required.exitCode, "CI asks for the real run: a missing tool fails it");
        assertTrue(required.output.contains("KVPOOL_REQUIRE_ANSIBLE=1 asks for the real run"), required.output);
    }

    @Test
    void shouldSummarizeEachModuleAndCloseWithOneCountingLine() throws Exception
    {
        // A scratch tree with two modules and a stand-in mvn that writes Surefire reports as a run would.
        final Path tree = jvmDir.resolve("tree");
        for (final String module : List.of("alpha", "beta"))
        {
            Files.createDirectories(tree.resolve(module));
            Files.writeString(tree.resolve(module).resolve("pom.xml"), "<project/>");
        }
        final Path bin = Files.createDirectories(jvmDir.resolve("fake-bin"));
        final Path mvn = Files.writeString(bin.resolve("mvn"), String.join("\n",
            "#!/bin/bash",
            "mkdir -p alpha/target/surefire-reports beta/target/surefire-reports",
            "echo '<testsuite name=\"A\" tests=\"5\" errors=\"0\" skipped=\"1\" failures=\"0\">' " +
                "> alpha/target/surefire-reports/TEST-A.xml",
            "echo '<testsuite name=\"B\" tests=\"3\" errors=\"1\" skipped=\"0\" failures=\"1\">' " +
                "> beta/target/surefire-reports/TEST-B.xml",
            "exit 1", ""));
        Files.setPosixFilePermissions(mvn, PosixFilePermissions.fromString("rwxr-xr-x"));
        final Result result = run(Map.of("PATH", bin + ":/usr/bin:/bin", "KVPOOL_SUITE_ROOT", tree.toString()),
            "/bin/bash", ROOT.resolve("tests/suite.sh").toString(), "-pl", "alpha,beta");
        assertEquals(1, result.exitCode, result.output);
        final List<String> lines = result.output.strip().lines().toList();
        assertEquals("test: 5 passed, 2 failed, 1 skipped", lines.getLast(), result.output);
        assertTrue(lines.contains("alpha                 5       0        1"), result.output);
        assertTrue(lines.contains("beta                  3       2        0"), result.output);
        assertTrue(lines.contains("all                   8       2        1"), result.output);
    }

    private Result run(final Map<String, String> environment, final String... command)
        throws IOException, InterruptedException
    {
        final ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true);
        // The test decides whether a real run is required: CI exports these for the whole suite.
        builder.environment().keySet().removeIf(name -> name.startsWith("KVPOOL_REQUIRE_"));
        builder.environment().putAll(environment);
        final Process process = builder.start();
        final String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(process.waitFor(120, TimeUnit.SECONDS));
        return new Result(process.exitValue(), output);
    }

    private Result launch(final String javaHome, final String... args) throws IOException, InterruptedException
    {
        final ProcessBuilder builder = new ProcessBuilder();
        builder.command().add(ROOT.resolve("kvpool").toString());
        builder.command().addAll(List.of(args));
        builder.environment().put("JAVA_HOME", javaHome);
        builder.environment().put("KVPOOL_JVM_DIR", jvmDir.toString());
        builder.redirectErrorStream(true);
        final Process process = builder.start();
        final String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(process.waitFor(120, TimeUnit.SECONDS));
        return new Result(process.exitValue(), output);
    }

    private record Result(int exitCode, String output)
    {
    }
}
