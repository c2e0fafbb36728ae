package io.kvpool.protocol.test;

import org.junit.jupiter.api.extension.ExtendWith;

import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/**
 * Marks a test that needs hardware (or a host set-up) that may be absent. Where it is absent the test is skipped and
 * the reason is printed on the console as well as reported; it is never faked. Pair it with the matching
 * {@code @Tag} ("devdax", "rdma", "gpu", "hugetlbfs") so a run can select or exclude such tests.
 */
@Target({ElementType.TYPE, ElementType.METHOD})
@Retention(RetentionPolicy.RUNTIME)
@ExtendWith(HardwareCondition.class)
public @interface RequiresHardware
{
    /**
     * @return what the test needs.
     */
    Hardware value();
}
