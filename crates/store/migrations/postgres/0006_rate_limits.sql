-- Rate-limit windows: requests counted per bucket per one-minute window, summed across
-- nodes (each node adds its local count every fraction of a second).
CREATE TABLE rate_windows (
    bucket TEXT NOT NULL,
    window_start BIGINT NOT NULL,
    count BIGINT NOT NULL,
    PRIMARY KEY (bucket, window_start)
);
