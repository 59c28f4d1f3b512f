package io.sundial.proxy.config;

import org.junit.jupiter.api.Test;

import java.util.Properties;

import static io.sundial.proxy.config.AdminAccess.Decision.ALLOWED;
import static io.sundial.proxy.config.AdminAccess.Decision.NO_TOKEN_CONFIGURED;
import static io.sundial.proxy.config.AdminAccess.Decision.TOKEN_MISSING;
import static io.sundial.proxy.config.AdminAccess.Decision.TOKEN_WRONG;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

class AdminAccessTest {
    @Test
    void shouldNeedTheTokenForChangesOnly() {
        AdminAccess access = new AdminAccess("s3cret", true, false);
        assertEquals(ALLOWED, access.check(null, false), "reads are open by default");
        assertEquals(TOKEN_MISSING, access.check(null, true));
        assertEquals(TOKEN_MISSING, access.check("", true));
        assertEquals(TOKEN_WRONG, access.check("s3cre", true));
        assertEquals(TOKEN_WRONG, access.check("s3cret!", true));
        assertEquals(ALLOWED, access.check("s3cret", true));
    }

    @Test
    void shouldNeedTheTokenForReadsWhenConfigured() {
        AdminAccess access = new AdminAccess("s3cret", true, true);
        assertEquals(TOKEN_MISSING, access.check(null, false));
        assertEquals(ALLOWED, access.check("s3cret", false));
    }

    @Test
    void shouldRefuseChangesWithoutAConfiguredTokenUnlessExplicitlyNotRequired() {
        assertEquals(NO_TOKEN_CONFIGURED, new AdminAccess("", true, false).check("anything", true));
        assertEquals(ALLOWED, new AdminAccess("", false, false).check(null, true));
    }

    @Test
    void shouldReadTheSettingsWithTheirDefaults() {
        AdminAccess defaults = ProxyConfig.defaults().admin();
        assertEquals(new AdminAccess("", true, false), defaults);
        Properties p = new Properties();
        p.setProperty(ProxyConfig.ADMIN_TOKEN, " tok ");
        p.setProperty(ProxyConfig.ADMIN_READ_REQUIRES_TOKEN, "TRUE");
        assertEquals(new AdminAccess("tok", true, true), ProxyConfig.fromProperties(p).admin());
        p.setProperty(ProxyConfig.ADMIN_TOKEN_REQUIRED, "maybe");
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> ProxyConfig.fromProperties(p));
        assertEquals(true, e.getMessage().contains("adminTokenRequired"), e.getMessage());
    }
}
