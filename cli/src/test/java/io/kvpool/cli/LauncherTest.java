package io.kvpool.cli;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
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
        Files.createSymbolicLink(jvmDir.resolve("temurin-25-jdk-amd64"), temurin);
        final Result result = launch("/usr/lib/jvm/java-17-openjdk-amd64", "jdk");
        assertEquals(0, result.exitCode, result.output);
        assertEquals(jvmDir.resolve("temurin-25-jdk-amd64") + " (Java " + Runtime.version().feature() + ")",
            result.output.strip());
    }

    private Result launch(final String javaHome, final String... args) throws IOException, InterruptedException
    {
        final ProcessBuilder builder = new ProcessBuilder();
        builder.command().add(ROOT.resolve("kvpool").toString());
        builder.command().addAll(java.util.List.of(args));
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
