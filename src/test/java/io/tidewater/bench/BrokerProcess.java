package io.tidewater.bench;

import java.nio.file.Path;
import java.util.concurrent.CountDownLatch;

import io.tidewater.embedded.EmbeddedKafka;

/**
 * A Kafka broker (KRaft, from Kafka's own jars) as a process of its own, so that the chaos run can kill and restart it
 * on the same log directory: {@code BrokerProcess <data-dir> <port> <controller-port> <partitions>}.
 */
public final class BrokerProcess {

    private BrokerProcess() {
    }

    public static void main(String[] args) throws Exception {
        EmbeddedKafka kafka = new EmbeddedKafka(Path.of(args[0]), Integer.parseInt(args[1]), Integer.parseInt(args[2]),
                Integer.parseInt(args[3])).start();
        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            kafka.close();
            stopped.countDown();
        }, "broker-shutdown"));
        System.out.println("BROKER READY " + kafka.bootstrapServers());
        System.out.flush();
        stopped.await();
    }
}
