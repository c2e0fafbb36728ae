package io.kvpool.protocol.test;

import org.junit.jupiter.api.extension.ConditionEvaluationResult;
import org.junit.jupiter.api.extension.ExecutionCondition;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.platform.commons.support.AnnotationSupport;

import java.util.Optional;

/**
 * Skips tests marked {@link RequiresHardware} where the hardware is absent, with the reason (which
 * {@link SkipReporter} prints on the console).
 */
public final class HardwareCondition implements ExecutionCondition
{
    @Override
    public ConditionEvaluationResult evaluateExecutionCondition(final ExtensionContext context)
    {
        final Optional<RequiresHardware> annotation =
            AnnotationSupport.findAnnotation(context.getElement(), RequiresHardware.class);
        if (annotation.isEmpty())
        {
            return ConditionEvaluationResult.enabled("no hardware needed");
        }
        final Hardware hardware = annotation.get().value();
        final Hardware.Probe probe = hardware.probe();
        if (probe.isPresent())
        {
            return ConditionEvaluationResult.enabled(hardware + " present: " + probe.resource().orElseThrow());
        }
        // SkipReporter prints the reason on the console.
        return ConditionEvaluationResult.disabled(hardware + " test skipped: " + probe.reason());
    }
}
