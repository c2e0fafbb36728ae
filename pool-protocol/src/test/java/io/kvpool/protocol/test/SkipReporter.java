package io.kvpool.protocol.test;

import org.junit.platform.engine.TestExecutionResult;
import org.junit.platform.engine.TestSource;
import org.junit.platform.engine.support.descriptor.ClassSource;
import org.junit.platform.engine.support.descriptor.MethodSource;
import org.junit.platform.launcher.TestExecutionListener;
import org.junit.platform.launcher.TestIdentifier;

/**
 * Prints every skipped test or class with its reason on the console, {@code [SKIPPED] WHAT -- REASON}, whatever
 * skipped it ({@link RequiresHardware}, an {@code @Enabled*} condition, an assumption): Surefire by itself shows only
 * the count, and the reasons only in its XML reports. Registered for every module's tests through
 * {@code META-INF/services} in this test-jar. Thread-safe: holds no state.
 */
public final class SkipReporter implements TestExecutionListener
{
    @Override
    public void executionSkipped(final TestIdentifier identifier, final String reason)
    {
        System.out.println("[SKIPPED] " + name(identifier) + " -- " + reason);
    }

    @Override
    public void executionFinished(final TestIdentifier identifier, final TestExecutionResult result)
    {
        // An assumption that failed inside a test aborts it: that is a skip too, and says why in its exception.
        if (result.getStatus() == TestExecutionResult.Status.ABORTED)
        {
            System.out.println("[SKIPPED] " + name(identifier) + " -- " +
                result.getThrowable().map(Throwable::getMessage).orElse("aborted"));
        }
    }

    private static String name(final TestIdentifier identifier)
    {
        // "Class.method" for a test, "Class" for a class: the display name alone may be a bare "seed 42".
        final TestSource source = identifier.getSource().orElse(null);
        if (source instanceof MethodSource method)
        {
            return simpleName(method.getClassName()) + "." + method.getMethodName() +
                (identifier.getDisplayName().startsWith(method.getMethodName()) ? "" :
                " [" + identifier.getDisplayName() + "]");
        }
        if (source instanceof ClassSource type)
        {
            return simpleName(type.getClassName());
        }
        return identifier.getDisplayName();
    }

    private static String simpleName(final String className)
    {
        return className.substring(className.lastIndexOf('.') + 1);
    }
}
