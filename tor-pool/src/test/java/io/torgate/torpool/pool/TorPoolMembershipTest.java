package io.torgate.torpool.pool;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.torgate.torpool.instance.InstanceState;
import io.torgate.torpool.instance.TorInstance;
import io.torgate.torpool.instance.TorInstanceConfig;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Growing and shrinking a pool without tor: membership, listeners, the one-instance floor. */
class TorPoolMembershipTest {

    @TempDir
    Path dir;

    private TorPool pool;
    private final List<TorInstance> removed = new CopyOnWriteArrayList<>();

    @AfterEach
    void close() {
        removed.forEach(TorInstance::close);
        if (pool != null) {
            pool.close();
        }
    }

    private TorInstanceConfig config(String name) {
        // A tor that does not exist: start() fails fast with FAILED, which is all these tests need to observe.
        return TorInstanceConfig.builder(name, dir).torPath(Optional.of(dir.resolve("no-such-tor"))).build();
    }

    private static final class Recorder implements PoolListener {
        final List<String> events = new CopyOnWriteArrayList<>();

        @Override
        public void instanceAdded(TorInstance instance) {
            events.add("+" + instance.name());
        }

        @Override
        public void instanceRemoved(TorInstance instance) {
            events.add("-" + instance.name());
        }
    }

    @Test
    void addedInstancesJoinTheListAndListenersHearOfThem() {
        pool = TorPool.create(List.of(config("a")));
        Recorder rec = new Recorder();
        pool.addPoolListener(rec);

        TorInstance b = pool.add(config("b"));

        assertThat(b.state()).as("added, not started").isEqualTo(InstanceState.STOPPED);
        assertThat(pool.instances()).extracting(TorInstance::name).containsExactly("a", "b");
        assertThat(pool.instance("b")).containsSame(b);
        assertThat(rec.events).containsExactly("+b");
    }

    @Test
    void stateListenersAddedBeforeReachInstancesAddedAfter() {
        pool = TorPool.create(List.of(config("a")));
        List<String> heard = new CopyOnWriteArrayList<>();
        pool.addListener((instance, from, to, reason) -> heard.add(instance.name() + ":" + to));

        TorInstance b = pool.add(config("b"));
        b.start();

        Awaitility.await().atMost(Duration.ofSeconds(10)).until(() -> heard.contains("b:FAILED"));
        assertThat(heard).doesNotContain("a:FAILED");
    }

    @Test
    void aDuplicateNameIsRefusedAndNamesIt() {
        pool = TorPool.create(List.of(config("a")));
        Recorder rec = new Recorder();
        pool.addPoolListener(rec);

        assertThatThrownBy(() -> pool.add(config("a")))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("'a'");
        assertThat(pool.instances()).hasSize(1);
        assertThat(rec.events).isEmpty();
    }

    @Test
    void removedInstancesLeaveTheListButAreNotStopped() {
        pool = TorPool.create(List.of(config("a"), config("b")));
        Recorder rec = new Recorder();
        pool.addPoolListener(rec);

        Optional<TorInstance> b = pool.remove("b");

        assertThat(b).isPresent();
        removed.add(b.get());
        assertThat(pool.instances()).extracting(TorInstance::name).containsExactly("a");
        assertThat(pool.instance("b")).isEmpty();
        assertThat(rec.events).containsExactly("-b");
        assertThat(pool.remove("nope")).isEmpty();
        assertThat(rec.events).containsExactly("-b");
    }

    @Test
    void theLastInstanceCannotBeRemoved() {
        pool = TorPool.create(List.of(config("a")));

        assertThatThrownBy(() -> pool.remove("a"))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("last instance");
        assertThat(pool.instances()).hasSize(1);
    }

    @Test
    void aNameCanBeReusedAfterRemoval() {
        pool = TorPool.create(List.of(config("a"), config("b")));
        removed.add(pool.remove("b").orElseThrow());

        TorInstance again = pool.add(config("b"));

        assertThat(pool.instances()).extracting(TorInstance::name).containsExactly("a", "b");
        assertThat(again).isNotSameAs(removed.get(0));
    }

    @Test
    void aThrowingPoolListenerDoesNotStopTheOthers() {
        pool = TorPool.create(List.of(config("a")));
        pool.addPoolListener(new PoolListener() {
            @Override
            public void instanceAdded(TorInstance instance) {
                throw new IllegalStateException("boom");
            }
        });
        Recorder rec = new Recorder();
        pool.addPoolListener(rec);

        pool.add(config("b"));

        assertThat(rec.events).containsExactly("+b");
    }
}
