package io.kvpool.manager.internal;

import net.openhft.chronicle.values.ValueModel;
import org.junit.jupiter.api.Test;

import java.lang.reflect.Method;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * The class Chronicle Map would compile with javac in every manager at run time (the native implementation of its
 * global mutable state) is shipped compiled: the shipped source is what the library generates, and Chronicle loads
 * the shipped class instead of compiling one.
 */
class ChronicleGeneratedSourceTest
{
    private static final String STATE = "net.openhft.chronicle.hash.VanillaGlobalMutableState";

    @Test
    void shouldShipTheSourceChronicleWouldGenerate() throws Exception
    {
        final Path file = Path.of(System.getProperty("kvpool.jvm.options")).getParent()
            .resolve("pool-manager/src/main/java/net/openhft/chronicle/hash/VanillaGlobalMutableState$$Native.java");
        final Method generate = Class.forName("net.openhft.chronicle.values.Generators")
            .getDeclaredMethod("generateNativeClass", ValueModel.class, String.class);
        generate.setAccessible(true);
        final String generated = ((String)generate.invoke(null, ValueModel.acquire(Class.forName(STATE)),
            "VanillaGlobalMutableState$$Native")).strip();
        final String shipped = Files.readString(file);
        final String header = shipped.substring(0, shipped.indexOf("package "));
        if (Boolean.getBoolean("kvpool.regenerate"))
        {
            Files.writeString(file, header + generated + "\n");
        }
        assertEquals(generated, shipped.substring(header.length()).strip(), "Chronicle generates another class " +
            "now (a new version?): run this test with -Dkvpool.regenerate=true and review the difference");
    }

    @Test
    void shouldLoadTheShippedClassInsteadOfCompilingOne() throws ClassNotFoundException
    {
        final Class<?> loaded = ValueModel.acquire(Class.forName(STATE)).nativeClass();
        assertEquals(STATE + "$$Native", loaded.getName());
        assertEquals(BlockIndex.class.getProtectionDomain().getCodeSource().getLocation(),
            loaded.getProtectionDomain().getCodeSource().getLocation(), "loaded from kvpool's classes, not compiled");
    }
}
