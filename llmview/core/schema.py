"""The index's DuckDB schema. A change here bumps ``SCHEMA_VERSION``; an index written with another
version is rebuilt from the logs (the logs are the truth, the index is a cache)."""

from __future__ import annotations

SCHEMA_VERSION = 3

DDL = """
CREATE TABLE IF NOT EXISTS meta (key VARCHAR PRIMARY KEY, value VARCHAR);

CREATE TABLE IF NOT EXISTS files (
    file_id     INTEGER PRIMARY KEY,
    path        VARCHAR NOT NULL,      -- where it was last seen
    dev         UBIGINT,
    inode       UBIGINT,
    head_hash   VARCHAR,               -- hash of the first 4 KB: tells a re-created file apart
    kind        VARCHAR,               -- lines | concat | document | gzip
    size        BIGINT DEFAULT 0,      -- size when last read
    mtime       DOUBLE,
    "offset"    BIGINT DEFAULT 0,      -- bytes consumed: the next read starts here
    line_no     BIGINT DEFAULT 0,      -- lines consumed
    gone        BOOLEAN DEFAULT false, -- no longer found under the watched paths
    error       VARCHAR
);

-- calls and spans have no key constraint and no index: DuckDB keeps an index in memory whole
-- once used, and these tables grow without bound. The store finds stored rows by a range of
-- seq instead (first_seqs.py) and never inserts a key twice.
CREATE TABLE IF NOT EXISTS calls (
    key           VARCHAR NOT NULL,
    seq           BIGINT,              -- arrival order, a stable tie-breaker for paging
    origin        VARCHAR,
    shadowed      BOOLEAN DEFAULT false, -- a span-derived call that a log line or child span covers
    ts            TIMESTAMP,           -- UTC
    request_id    VARCHAR,
    app           VARCHAR,
    user_id       VARCHAR,
    session       VARCHAR,
    conversation  VARCHAR,
    trace_id      VARCHAR,
    span_id       VARCHAR,
    provider      VARCHAR,
    model         VARCHAR,
    operation     VARCHAR,
    temperature   DOUBLE,
    top_p         DOUBLE,
    max_tokens    BIGINT,
    seed          BIGINT,
    params        JSON,
    messages      JSON,
    tools         JSON,
    tool_calls    JSON,
    output        VARCHAR,
    parsed_output JSON,
    finish_reason VARCHAR,
    input_tokens  BIGINT,
    output_tokens BIGINT,
    total_tokens  BIGINT,
    latency_ms    DOUBLE,
    ttft_ms       DOUBLE,
    status        VARCHAR,             -- ok | error | NULL (request seen, no response yet)
    error_type    VARCHAR,
    error_message VARCHAR,
    http_status   INTEGER,
    cost_usd      DOUBLE,              -- cost the log recorded
    tags          JSON,
    dialect       VARCHAR,
    preview       VARCHAR,             -- first words of the last user message
    search_text   VARCHAR,             -- lower-cased prompt, output and error text
    truncated     BOOLEAN DEFAULT false
);

CREATE TABLE IF NOT EXISTS spans (
    trace_id    VARCHAR NOT NULL,
    span_id     VARCHAR NOT NULL,
    seq         BIGINT,
    parent_id   VARCHAR,
    name        VARCHAR,
    kind        VARCHAR,
    service     VARCHAR,
    start_ts    TIMESTAMP,
    end_ts      TIMESTAMP,
    duration_ms DOUBLE,
    status      VARCHAR,
    error       VARCHAR,
    attributes  JSON,
    events      JSON,
    dialect     VARCHAR
);

-- One row per trace, rewritten by the store for the traces each batch touches, so the traces
-- list pages a small table instead of aggregating every span on every page.
CREATE TABLE IF NOT EXISTS traces (
    trace_id    VARCHAR NOT NULL,
    start_ts    TIMESTAMP,
    duration_ms DOUBLE,
    spans       BIGINT,
    errors      BIGINT,
    root_name   VARCHAR,               -- the root span's name, else the earliest span's
    service     VARCHAR,
    calls       BIGINT,
    tokens      DOUBLE,                -- DOUBLE: absurd logged counts cannot overflow a sum
    cost        DOUBLE,
    first_seq   BIGINT                 -- the least seq of its spans and calls: reading them
                                       -- from there skips the row groups stored before
);

CREATE TABLE IF NOT EXISTS events (
    seq          BIGINT,
    ts           TIMESTAMP,
    level        VARCHAR,
    message      VARCHAR,
    app          VARCHAR,
    user_id      VARCHAR,
    session      VARCHAR,
    trace_id     VARCHAR,
    span_id      VARCHAR,
    content_hash VARCHAR,
    dialect      VARCHAR,
    file_id      INTEGER,
    line_no      BIGINT,
    "offset"     BIGINT,
    length       BIGINT,
    search_text  VARCHAR
);

CREATE TABLE IF NOT EXISTS problems (
    seq       BIGINT,
    file_id   INTEGER,
    line_no   BIGINT,
    "offset"  BIGINT,
    length    BIGINT,
    severity  VARCHAR,                 -- error: nothing else was made of the line; warning: a field
    reason    VARCHAR,
    raw       VARCHAR,
    truncated BOOLEAN DEFAULT false
);

-- Where each call and span came from, one row per contributing line, so the raw JSON can be
-- read back from the log file on demand instead of being copied into the index.
CREATE TABLE IF NOT EXISTS sources (
    kind     VARCHAR,                  -- call | span
    key      VARCHAR,                  -- calls.key, or trace_id || ':' || span_id
    file_id  INTEGER,
    line_no  BIGINT,
    "offset" BIGINT,
    length   BIGINT,
    raw      VARCHAR                   -- only where the file cannot be re-read (.gz)
);

CREATE OR REPLACE VIEW llm_calls AS SELECT * FROM calls WHERE NOT shadowed;
"""
