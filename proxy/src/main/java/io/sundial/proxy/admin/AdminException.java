package io.sundial.proxy.admin;

/** An admin request that cannot be answered with success: a RocketMQ response code and a readable remark. */
public final class AdminException extends RuntimeException {
    private final int code;

    public AdminException(int code, String remark) {
        super(remark);
        this.code = code;
    }

    public int code() {
        return code;
    }
}
