-- Copied unchanged (below this header) from ../shared/reference/bench/ins.sql: the one-row INSERT
-- baseline of ../shared/reference/performance.md (autocommit), run against baseline-schema.sql.
INSERT INTO bench_insert(v) VALUES (:client_id);
