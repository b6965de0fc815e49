package io.tidewater.model;

import net.jqwik.api.ForAll;
import net.jqwik.api.Property;

/**
 * The generated scenarios of {@link FlowModelPropertiesTest} with random seeds, for bench/fuzz.sh (not in the suite: its
 * name ends in neither Test nor IT). A divergence prints its seed and is shrunk to a minimal case.
 */
public class FlowModelFuzz {

    @Property(tries = 200)
    void everyTableEqualsTheModel(@ForAll("scenarios") Scenario scenario) throws Exception {
        FlowModelPropertiesTest.check(scenario);
    }

    @net.jqwik.api.Provide
    net.jqwik.api.Arbitrary<Scenario> scenarios() {
        return FlowModelPropertiesTest.scenarios();
    }
}
