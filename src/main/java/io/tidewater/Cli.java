package io.tidewater;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;

import io.tidewater.config.ConfigException;
import io.tidewater.config.TidewaterConfig;
import io.tidewater.replay.ReplayCli;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** The command line (picocli): {@code tidewater [run | check | schema | replay | redrive | hawtio]}, each with --help. */
@Command(name = "tidewater", mixinStandardHelpOptions = true, versionProvider = Cli.Version.class,
        description = "Real-time ETL from Kafka and PostgreSQL CDC into the warehouse, declared in YAML flows.",
        subcommands = {Cli.Run.class, Cli.Check.class, Cli.Schema.class, Cli.Replay.class, Cli.Redrive.class, Cli.Hawtio.class,
                CommandLine.HelpCommand.class})
public final class Cli implements Callable<Integer> {

    /** No command: run. */
    @Override
    public Integer call() {
        return Application.runPipeline();
    }

    public static int execute(String[] args) {
        return new CommandLine(new Cli()).setExecutionExceptionHandler((e, cmd, parsed) -> {
            cmd.getErr().println(e.getMessage());
            return 1;
        }).execute(args);
    }

    @Command(name = "run", mixinStandardHelpOptions = true,
            description = "Starts the pipeline: embedded Kafka and PostgreSQL unless external ones are configured in application.properties, the capture and the flows in routes/, demo traffic in embedded mode. Exit codes: 0 stopped, 1 failed, 2 bad configuration.")
    static final class Run implements Callable<Integer> {
        @Override
        public Integer call() {
            return Application.runPipeline();
        }
    }

    @Command(name = "check", mixinStandardHelpOptions = true,
            description = "Checks application.properties and every routes/*.camel.yaml without starting anything: Camel's YAML DSL schema, Tidewater's flow rules, and, when the warehouse answers, its tables against the flow declarations. Prints file:line and the reason for each problem. Exit codes: 0 all good, 1 problems found.")
    static final class Check implements Callable<Integer> {
        @Option(names = "--routes", description = "the routes directory (default: ${DEFAULT-VALUE})")
        Path routes = Path.of("routes");

        @Option(names = "--config", description = "the configuration file (default: ${DEFAULT-VALUE})")
        Path config = Path.of("application.properties");

        @Override
        public Integer call() {
            return io.tidewater.flow.FlowCheck.run(config, routes, System.getenv(), System.out);
        }
    }

    @Command(name = "schema", mixinStandardHelpOptions = true,
            description = "Prints the JSON Schema of a flow declaration (the properties of its io.tidewater.flow.FlowDeclaration bean), for editors; with --markdown, the README's reference table of the same properties.")
    static final class Schema implements Callable<Integer> {
        @Option(names = "--markdown", description = "print the reference table (Markdown) instead of the JSON Schema")
        boolean markdown;

        @Override
        public Integer call() {
            System.out.print(markdown ? io.tidewater.flow.DeclarationSchema.markdown() : io.tidewater.flow.DeclarationSchema.jsonSchemaText() + "\n");
            System.out.flush();
            return 0;
        }
    }

    /** The options replay and redrive share; the request goes to the running Tidewater through {@link ReplayCli}. */
    abstract static class RangeCommand implements Callable<Integer> {
        @Option(names = "--topic", required = true, split = ",", description = "the load topic(s)")
        List<String> topics;

        @Option(names = "--to", description = "an offset or an ISO-8601 time (exclusive); default: the end at the time of asking")
        String to;

        @Option(names = "--partition", split = ",", description = "only these partitions")
        List<Integer> partitions;

        @Option(names = "--wait", description = "follow the progress until it is done")
        boolean waitForEnd;

        @Option(names = "--url", description = "the running Tidewater's Jolokia; default http://localhost:<camel.management.port>/observe/jolokia; "
                + "the login is tidewater.ops.username with TIDEWATER_OPS_PASSWORD when that is set")
        String url;

        /** The operation's arguments: topics, partitions, from, to (empty for none). */
        List<Object> range(String from) {
            return new ArrayList<>(List.of(String.join(",", topics),
                    partitions == null ? "" : String.join(",", partitions.stream().map(String::valueOf).toList()),
                    from == null ? "" : from, to == null ? "" : to));
        }

        int request(String operation, List<Object> arguments) {
            try {
                TidewaterConfig config = TidewaterConfig.load(Path.of("application.properties"), System.getenv());
                return new ReplayCli(url, config, System.out, System.err).request(operation, arguments, waitForEnd);
            } catch (ConfigException e) {
                System.err.println(e.getMessage());
                return Application.EXIT_CONFIG;
            }
        }
    }

    @Command(name = "replay", mixinStandardHelpOptions = true,
            description = "Asks the running Tidewater to reprocess a range of load topics (JMX operation replay of tidewater:type=replay, over Jolokia). Exit codes: 0 started or done, 1 refused or failed, 2 bad usage.")
    static final class Replay extends RangeCommand {
        @Option(names = "--from", required = true, description = "an offset, an ISO-8601 time (2026-11-24T10:00:00Z) or 'beginning'")
        String from;

        @Option(names = "--side", description = "a separate consumer reads exactly the range and stops; by default the load itself rereads it")
        boolean side;

        @Override
        public Integer call() {
            List<Object> a = range(from);
            a.add(side ? "side" : "live");
            return request("replay", a);
        }
    }

    @Command(name = "redrive", mixinStandardHelpOptions = true,
            description = "Asks the running Tidewater to re-apply the dead letters of a topic (<topic>.dlq, by default all) through the topic's flow, once the cause is fixed; records that fail again go back with tidewater.redrive.count one higher. Exit codes: 0 started or done, 1 refused or failed, 2 bad usage.")
    static final class Redrive extends RangeCommand {
        @Option(names = "--from", description = "an offset or an ISO-8601 time in <topic>.dlq, or 'beginning' (the default)")
        String from;

        @Override
        public Integer call() {
            return request("redrive", range(from));
        }
    }

    @Command(name = "hawtio", mixinStandardHelpOptions = true,
            description = "Starts Hawtio alone on tidewater.hawtio.port (8090), connected to tidewater.hawtio.jolokia-url (a running Tidewater), behind the operator login (needs TIDEWATER_OPS_PASSWORD).")
    static final class Hawtio implements Callable<Integer> {
        @Override
        public Integer call() {
            return Application.hawtio();
        }
    }

    /** The version from the jar's manifest. */
    static final class Version implements CommandLine.IVersionProvider {
        @Override
        public String[] getVersion() {
            String v = Cli.class.getPackage().getImplementationVersion();
            return new String[] {"tidewater " + (v == null ? "(development)" : v)};
        }
    }
}
