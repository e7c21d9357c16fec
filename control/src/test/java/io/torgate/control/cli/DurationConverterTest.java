package io.torgate.control.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class DurationConverterTest {

    @ParameterizedTest
    @CsvSource({
            "1ms,    PT0.001S",
            "500ms,  PT0.5S",
            "10s,    PT10S",
            "90s,    PT1M30S",
            "5m,     PT5M",
            "2h,     PT2H",
            "0010s,  PT10S",
            "999999999h, PT999999999H",
    })
    void convertsAndFormatsBack(String text, Duration expected) {
        Duration d = new DurationConverter().convert(text);
        assertThat(d).isEqualTo(expected);
        assertThat(new DurationConverter().convert(DurationConverter.format(d))).isEqualTo(d);
    }

    @ParameterizedTest
    @CsvSource({"PT5S, 5s", "PT5M, 5m", "PT1H, 1h", "PT1M30S, 90s", "PT0.25S, 250ms", "PT120M, 2h"})
    void formatUsesTheLargestWholeUnit(Duration d, String expected) {
        assertThat(DurationConverter.format(d)).isEqualTo(expected);
    }
}
