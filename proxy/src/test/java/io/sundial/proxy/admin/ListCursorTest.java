package io.sundial.proxy.admin;

import org.apache.rocketmq.remoting.protocol.ResponseCode;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;

class ListCursorTest {
    @Test
    void shouldRoundTripAndRefuseADamagedCursor() {
        ListCursor c = new ListCursor(1_764_576_000_000L, 42);
        assertEquals(c, ListCursor.parse(c.toString()));
        assertNull(ListCursor.parse(null));
        AdminException e = assertThrows(AdminException.class, () -> ListCursor.parse(c.toString().substring(3)));
        assertEquals(ResponseCode.INVALID_PARAMETER, e.code());
        assertThrows(AdminException.class, () -> ListCursor.parse("not base64 at all!"));
    }

    @Test
    void shouldBucketDueTimesFromNow() {
        long now = 1_000_000_000L;
        long[] bounds = DueHistogram.bounds(now);
        assertEquals(now + 60_000, bounds[0]);
        assertEquals(now + 30L * 86_400_000L, bounds[3]);
        assertEquals(java.util.List.of("nextMinute", "nextHour", "nextDay", "nextMonth", "later"),
                java.util.List.copyOf(DueHistogram.labelled(new long[5]).keySet()));
    }
}
