-- Copied unchanged (below this header) from the reference baselines: ../shared/reference/bench/schema.sql
-- (relative to the repository; see ../shared/reference/performance.md). Loaded into a throwaway
-- database by bench/ledger-post.sh for the one-row INSERT baseline (bench_insert).
DROP TABLE IF EXISTS bench_insert, entries, txns, accounts CASCADE;
CREATE TABLE bench_insert (id bigserial PRIMARY KEY, v bigint NOT NULL, t timestamptz NOT NULL DEFAULT now());
CREATE TABLE accounts (id bigint PRIMARY KEY, balance bigint NOT NULL DEFAULT 0, version bigint NOT NULL DEFAULT 0);
CREATE TABLE txns (id bigserial PRIMARY KEY, idem_key text UNIQUE, created_at timestamptz NOT NULL DEFAULT now());
CREATE TABLE entries (id bigserial PRIMARY KEY, txn_id bigint NOT NULL REFERENCES txns(id), account_id bigint NOT NULL REFERENCES accounts(id), amount bigint NOT NULL, created_at timestamptz NOT NULL DEFAULT now());
CREATE INDEX ON entries(account_id, id);
INSERT INTO accounts(id) SELECT g FROM generate_series(1,10000) g;
-- pessimistic transfer: lock both rows in id order, then update + insert journal
CREATE OR REPLACE FUNCTION transfer(a bigint, b bigint, amt bigint) RETURNS bigint LANGUAGE plpgsql AS $$
DECLARE t bigint;
BEGIN
  PERFORM 1 FROM accounts WHERE id IN (a,b) ORDER BY id FOR UPDATE;
  UPDATE accounts SET balance = balance - amt, version = version + 1 WHERE id = a;
  UPDATE accounts SET balance = balance + amt, version = version + 1 WHERE id = b;
  INSERT INTO txns DEFAULT VALUES RETURNING id INTO t;
  INSERT INTO entries(txn_id, account_id, amount) VALUES (t, a, -amt), (t, b, amt);
  RETURN t;
END $$;
-- append-only: journal only, no balance row update
CREATE OR REPLACE FUNCTION transfer_append(a bigint, b bigint, amt bigint) RETURNS bigint LANGUAGE plpgsql AS $$
DECLARE t bigint;
BEGIN
  INSERT INTO txns DEFAULT VALUES RETURNING id INTO t;
  INSERT INTO entries(txn_id, account_id, amount) VALUES (t, a, -amt), (t, b, amt);
  RETURN t;
END $$;
-- batched: n transfers in one transaction, accounts locked in sorted order once
CREATE OR REPLACE FUNCTION transfer_batch(n int, hot bigint) RETURNS int LANGUAGE plpgsql AS $$
DECLARE i int; a bigint; b bigint; t bigint; ids bigint[]; srcs bigint[] := '{}'; dsts bigint[] := '{}';
BEGIN
  FOR i IN 1..n LOOP
    srcs := srcs || (CASE WHEN hot > 0 THEN hot ELSE 1 + floor(random()*10000)::bigint END);
    dsts := dsts || (1 + floor(random()*10000)::bigint);
  END LOOP;
  SELECT array_agg(DISTINCT x ORDER BY x) INTO ids FROM unnest(srcs || dsts) x;
  PERFORM 1 FROM accounts WHERE id = ANY(ids) ORDER BY id FOR UPDATE;
  FOR i IN 1..n LOOP
    a := srcs[i]; b := dsts[i];
    IF a = b THEN CONTINUE; END IF;
    UPDATE accounts SET balance = balance - 1, version = version + 1 WHERE id = a;
    UPDATE accounts SET balance = balance + 1, version = version + 1 WHERE id = b;
    INSERT INTO txns DEFAULT VALUES RETURNING id INTO t;
    INSERT INTO entries(txn_id, account_id, amount) VALUES (t, a, -1), (t, b, 1);
  END LOOP;
  RETURN n;
END $$;
