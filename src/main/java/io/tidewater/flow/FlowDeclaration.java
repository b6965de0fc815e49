package io.tidewater.flow;

import org.apache.camel.CamelContext;
import org.apache.camel.spi.PropertyConfigurer;
import org.apache.camel.spi.PropertyConfigurerAware;
import org.apache.camel.spi.PropertyConfigurerGetter;

/**
 * The bean a flow file declares its flow with (type io.tidewater.flow.FlowDeclaration). Camel binds a bean's nested
 * properties path by path; this bean accepts any of them, because the flow is read from the file by {@link FlowReader},
 * which knows the rules and reports mistakes with their line. Camel's own reading only has to succeed. Camel finds the
 * configurer through META-INF/services/org/apache/camel/configurer/io.tidewater.flow.FlowDeclaration.
 */
public class FlowDeclaration implements PropertyConfigurerAware {

    private static final Accepting ACCEPTING = new Accepting();

    @Override
    public PropertyConfigurer getPropertyConfigurer(Object instance) {
        return ACCEPTING;
    }

    /** Takes every property, at any depth, and keeps none. */
    public static final class Accepting implements PropertyConfigurer, PropertyConfigurerGetter {

        @Override
        public boolean configure(CamelContext camelContext, Object target, String name, Object value, boolean ignoreCase) {
            return true;
        }

        @Override
        public Class<?> getOptionType(String name, boolean ignoreCase) {
            return FlowDeclaration.class;
        }

        @Override
        public Object getOptionValue(Object target, String name, boolean ignoreCase) {
            return target;
        }

        @Override
        public Object getCollectionValueType(Object target, String name, boolean ignoreCase) {
            return null;
        }
    }
}
