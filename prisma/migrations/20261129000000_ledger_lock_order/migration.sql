-- Ledger lock order and hot-account holds.
--
-- 1. A hold on a hot account (a refund hold credits the hot channel clearing account) reserved its
--    amount in the slot of the connection that created it, and a release from another connection
--    looked for it in its own slot ("Nothing is reserved on this account to release"). Pending
--    amounts of hot accounts now always sit in slot 0: holds, releases, expiries and the posts of
--    holds use slot 0; ordinary posted entries keep spreading over the connection's slot. Pending
--    amounts already reserved in other slots move to slot 0 below (the account's totals are sums
--    over its slots, so no balance changes).
-- 2. Every balance row is locked in one ascending order of (account id, slot). Batches and
--    lock-ahead now also create missing balance rows in that order (INSERT … ORDER BY: two
--    transactions inserting the same new rows in hash order deadlocked), lock-ahead covers both
--    slots a hot account may use, and the hold-expiry sweep locks every row it will touch first.
-- 3. A transaction that posts several entries must take all their locks in that one order, i.e.
--    lock ahead. With ledger.check_lock_order = on (test databases), a lock taken out of order is
--    refused with LOCK_ORDER naming the account, so a missing lock-ahead fails a test every time
--    instead of deadlocking once in a while.

-- (account id, slot) as text that sorts like ORDER BY account_id, slot under the "C" collation.
CREATE FUNCTION ledger_lock_key(p_account uuid, p_slot integer) RETURNS text
LANGUAGE sql IMMUTABLE AS $$ SELECT p_account::text || ':' || lpad(p_slot::text, 2, '0') $$;

-- Records the balance rows a transaction is about to lock and refuses one that would be taken
-- below a row it already holds (ledger.check_lock_order = on only; a no-op otherwise).
CREATE FUNCTION ledger_note_locks(p_keys text[]) RETURNS void
LANGUAGE plpgsql AS $$
DECLARE
  v_held text[] := string_to_array(NULLIF(current_setting('ledger.held_locks', true), ''), ',');
  v_max text := NULLIF(current_setting('ledger.held_max', true), '');
  v_new text[];
BEGIN
  IF current_setting('ledger.check_lock_order', true) IS DISTINCT FROM 'on' THEN RETURN; END IF;
  SELECT array_agg(x.k ORDER BY x.k COLLATE "C") INTO v_new
    FROM (SELECT DISTINCT k FROM unnest(p_keys) k WHERE NOT (k = ANY (COALESCE(v_held, '{}')))) x;
  IF v_new IS NULL THEN RETURN; END IF;
  IF v_max IS NOT NULL AND v_new[1] COLLATE "C" < v_max COLLATE "C" THEN
    PERFORM ledger_raise('LOCK_ORDER', format(
      'Balance row %s is locked after %s in this transaction: lock every account of a multi-entry transaction first (lockAhead)', v_new[1], v_max));
  END IF;
  PERFORM set_config('ledger.held_locks', array_to_string(COALESCE(v_held, '{}') || v_new, ','), true);
  IF v_max IS NULL OR v_new[cardinality(v_new)] COLLATE "C" > v_max COLLATE "C" THEN
    PERFORM set_config('ledger.held_max', v_new[cardinality(v_new)], true);
  END IF;
END $$;

UPDATE ledger_balance z SET pending_debit_minor = z.pending_debit_minor + m.d, pending_credit_minor = z.pending_credit_minor + m.c, updated_at = now()
  FROM (SELECT b.tenant_id, b.account_id, sum(b.pending_debit_minor) AS d, sum(b.pending_credit_minor) AS c
          FROM ledger_balance b WHERE b.slot <> 0 AND (b.pending_debit_minor <> 0 OR b.pending_credit_minor <> 0)
         GROUP BY b.tenant_id, b.account_id) m
 WHERE z.tenant_id = m.tenant_id AND z.account_id = m.account_id AND z.slot = 0;
INSERT INTO ledger_balance (tenant_id, account_id, slot, pending_debit_minor, pending_credit_minor)
SELECT b.tenant_id, b.account_id, 0, sum(b.pending_debit_minor), sum(b.pending_credit_minor)
  FROM ledger_balance b
 WHERE b.slot <> 0 AND (b.pending_debit_minor <> 0 OR b.pending_credit_minor <> 0)
   AND NOT EXISTS (SELECT 1 FROM ledger_balance z WHERE z.tenant_id = b.tenant_id AND z.account_id = b.account_id AND z.slot = 0)
 GROUP BY b.tenant_id, b.account_id;
UPDATE ledger_balance SET pending_debit_minor = 0, pending_credit_minor = 0, updated_at = now()
 WHERE slot <> 0 AND (pending_debit_minor <> 0 OR pending_credit_minor <> 0);

CREATE OR REPLACE FUNCTION ledger_write_entry(p_entry jsonb, p_internal boolean)
RETURNS TABLE (entry_id uuid, entry_seq bigint, replayed boolean)
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
DECLARE
  v_tenant uuid := NULLIF(current_setting('app.tenant_id', true), '')::uuid;
  v_key text := p_entry->>'idempotencyKey';
  v_hash text := p_entry->>'contentHash';
  v_phase "JournalPhase" := COALESCE(p_entry->>'phase', 'POSTED')::"JournalPhase";
  v_date date := (p_entry->>'businessDate')::date;
  v_release boolean := COALESCE((p_entry->>'release')::boolean, false);
  -- Hot accounts: posted amounts spread over the connection's slot; pending amounts (holds, their
  -- releases, and the posts of holds, which pass hotSlot 0) always sit in slot 0, so any connection
  -- can release what another reserved.
  v_hot_slot smallint := CASE WHEN COALESCE(p_entry->>'phase', 'POSTED') = 'PENDING' THEN 0
                              ELSE COALESCE((p_entry->>'hotSlot')::smallint, (pg_backend_pid() % 16)::smallint) END;
  v_existing record;
  v_ids uuid[];
  v_amounts bigint[];
  v_distinct int;
  v_found int := 0;
  v_sums jsonb := '{}'::jsonb;
  v_book_key text;
  v_acc record;
  v_slot smallint;
  v_debit_normal boolean;
  v_avail bigint;
  v_after bigint;
  v_after_map jsonb := '{}'::jsonb;
  v_id uuid;
  v_seq bigint;
BEGIN
  IF v_tenant IS NULL THEN PERFORM ledger_raise('NO_TENANT', 'No tenant is bound to this transaction'); END IF;
  IF v_release AND NOT p_internal THEN PERFORM ledger_raise('ENTRY_INVALID', 'Holds are released only through ledger_resolve_hold'); END IF;
  IF v_release AND v_phase <> 'PENDING' THEN PERFORM ledger_raise('ENTRY_INVALID', 'Only pending entries release holds'); END IF;
  IF v_key IS NULL OR v_hash IS NULL OR v_date IS NULL OR p_entry->>'kind' IS NULL THEN
    PERFORM ledger_raise('ENTRY_INVALID', 'An entry needs kind, businessDate, idempotencyKey and contentHash');
  END IF;

  -- Same key at once from several connections: the second waits here, then sees the first.
  PERFORM pg_advisory_xact_lock(hashtextextended(v_tenant::text || '|' || v_key, 0));
  SELECT e.id, e.seq, e.content_hash INTO v_existing FROM journal_entry e WHERE e.tenant_id = v_tenant AND e.idempotency_key = v_key;
  IF FOUND THEN
    IF v_existing.content_hash <> v_hash THEN
      PERFORM ledger_raise('IDEMPOTENCY_CONFLICT', format('Idempotency key %s was already used for a different entry', v_key));
    END IF;
    RETURN QUERY SELECT v_existing.id, v_existing.seq, true;
    RETURN;
  END IF;

  -- Day-end close takes this lock exclusively: no entry slips in while a date closes. Any date on
  -- or before a closed one is refused, so balances as of a closed date never change.
  PERFORM pg_advisory_xact_lock_shared(hashtextextended(v_tenant::text || '|days', 0));
  IF EXISTS (SELECT 1 FROM business_day d WHERE d.tenant_id = v_tenant AND d.business_date >= v_date AND d.status = 'CLOSED') THEN
    PERFORM ledger_raise('BUSINESS_DAY_CLOSED', format('Business date %s is on or before a closed date; post the correction in the open period with correctsDate = %s', v_date, v_date));
  END IF;

  -- The JSON is read once, into two arrays.
  SELECT array_agg((x.p->>'accountId')::uuid ORDER BY x.ord), array_agg((x.p->>'amountMinor')::bigint ORDER BY x.ord)
    INTO v_ids, v_amounts
    FROM jsonb_array_elements(p_entry->'postings') WITH ORDINALITY AS x(p, ord);
  IF COALESCE(cardinality(v_ids), 0) < 2 THEN PERFORM ledger_raise('ENTRY_INVALID', 'An entry needs at least two postings'); END IF;
  IF array_position(v_ids, NULL) IS NOT NULL OR array_position(v_amounts, NULL) IS NOT NULL OR array_position(v_amounts, 0::bigint) IS NOT NULL THEN
    PERFORM ledger_raise('ENTRY_INVALID', 'Every posting needs an account and a non-zero amount');
  END IF;
  SELECT count(DISTINCT u) INTO v_distinct FROM unnest(v_ids) u;

  IF current_setting('ledger.check_lock_order', true) = 'on' THEN
    PERFORM ledger_note_locks(ARRAY(
      SELECT ledger_lock_key(a.id, CASE WHEN a.is_hot THEN v_hot_slot ELSE 0 END)
        FROM ledger_account a WHERE a.tenant_id = v_tenant AND a.id = ANY (v_ids)));
  END IF;

  -- Balances, one account at a time in account-id order (one lock order everywhere: no deadlocks).
  -- A failure anywhere below aborts the caller's transaction, so checking balance after the
  -- updates writes nothing either.
  FOR v_acc IN
    SELECT a.id, a.type, a.bound, a.is_hot, a.book, a.currency,
           COALESCE(sum(u.amount) FILTER (WHERE u.amount > 0), 0) AS debit,
           COALESCE(-sum(u.amount) FILTER (WHERE u.amount < 0), 0) AS credit
      FROM unnest(v_ids, v_amounts) AS u(account_id, amount)
      JOIN ledger_account a ON a.tenant_id = v_tenant AND a.id = u.account_id
     GROUP BY a.id, a.type, a.bound, a.is_hot, a.book, a.currency
     ORDER BY a.id
  LOOP
    v_found := v_found + 1;
    v_book_key := v_acc.book || ' ' || v_acc.currency;
    v_sums := v_sums || jsonb_build_object(v_book_key, COALESCE((v_sums->>v_book_key)::bigint, 0) + v_acc.debit - v_acc.credit);
    v_debit_normal := v_acc.type IN ('ASSET', 'EXPENSE');
    v_slot := CASE WHEN v_acc.is_hot THEN v_hot_slot ELSE 0 END;
    IF v_phase = 'POSTED' THEN
      INSERT INTO ledger_balance AS b (tenant_id, account_id, slot, posted_debit_minor, posted_credit_minor)
      VALUES (v_tenant, v_acc.id, v_slot, v_acc.debit, v_acc.credit)
      ON CONFLICT (tenant_id, account_id, slot) DO UPDATE
        SET posted_debit_minor = b.posted_debit_minor + EXCLUDED.posted_debit_minor,
            posted_credit_minor = b.posted_credit_minor + EXCLUDED.posted_credit_minor, updated_at = now()
      RETURNING CASE WHEN v_debit_normal THEN (b.posted_debit_minor - b.posted_credit_minor) - b.pending_credit_minor
                     ELSE (b.posted_credit_minor - b.posted_debit_minor) - b.pending_debit_minor END,
                CASE WHEN v_debit_normal THEN b.posted_debit_minor - b.posted_credit_minor
                     ELSE b.posted_credit_minor - b.posted_debit_minor END
      INTO v_avail, v_after;
    ELSIF v_release THEN
      -- Releasing a hold: the release entry's lines mirror the hold's, and take back what it reserved.
      UPDATE ledger_balance b SET pending_debit_minor = pending_debit_minor - v_acc.credit,
                                  pending_credit_minor = pending_credit_minor - v_acc.debit, updated_at = now()
       WHERE b.tenant_id = v_tenant AND b.account_id = v_acc.id AND b.slot = v_slot
      RETURNING CASE WHEN v_debit_normal THEN (posted_debit_minor - posted_credit_minor) - pending_credit_minor
                     ELSE (posted_credit_minor - posted_debit_minor) - pending_debit_minor END, NULL::bigint
      INTO v_avail, v_after;
      IF NOT FOUND THEN PERFORM ledger_raise('HOLD_INVALID', 'Nothing is reserved on this account to release'); END IF;
    ELSE
      INSERT INTO ledger_balance AS b (tenant_id, account_id, slot, pending_debit_minor, pending_credit_minor)
      VALUES (v_tenant, v_acc.id, v_slot, v_acc.debit, v_acc.credit)
      ON CONFLICT (tenant_id, account_id, slot) DO UPDATE
        SET pending_debit_minor = b.pending_debit_minor + EXCLUDED.pending_debit_minor,
            pending_credit_minor = b.pending_credit_minor + EXCLUDED.pending_credit_minor, updated_at = now()
      RETURNING CASE WHEN v_debit_normal THEN (b.posted_debit_minor - b.posted_credit_minor) - b.pending_credit_minor
                     ELSE (b.posted_credit_minor - b.posted_debit_minor) - b.pending_debit_minor END, NULL::bigint
      INTO v_avail, v_after;
    END IF;
    IF v_acc.bound = 'NON_NEGATIVE' AND v_avail < 0 AND (
         (v_debit_normal AND v_acc.credit > v_acc.debit) OR (NOT v_debit_normal AND v_acc.debit > v_acc.credit)) THEN
      PERFORM ledger_raise('INSUFFICIENT_FUNDS', format('Account %s would go below zero (available after: %s)', v_acc.id, v_avail));
    END IF;
    IF NOT v_acc.is_hot AND v_phase = 'POSTED' THEN
      v_after_map := v_after_map || jsonb_build_object(v_acc.id::text, v_after);
    END IF;
  END LOOP;

  -- RLS would hide other tenants' accounts; here the tenant filter does: such an account is not found.
  IF v_found <> v_distinct THEN
    PERFORM ledger_raise('ACCOUNT_NOT_FOUND', 'A posting names an account that does not exist in this tenant');
  END IF;
  SELECT s.key, s.value INTO v_book_key, v_after FROM jsonb_each_text(v_sums) AS s(key, value) WHERE s.value::bigint <> 0 LIMIT 1;
  IF FOUND THEN
    PERFORM ledger_raise('UNBALANCED', format('The entry does not balance in book %s: off by %s minor units', v_book_key, v_after));
  END IF;

  INSERT INTO journal_entry (tenant_id, kind, phase, business_date, corrects_date, effective_at, description,
                             cause_type, cause_id, idempotency_key, content_hash, reverses_entry_id, hold_id, created_by)
  VALUES (v_tenant, p_entry->>'kind', v_phase, v_date, (p_entry->>'correctsDate')::date,
          COALESCE((p_entry->>'effectiveAt')::timestamptz, now()), p_entry->>'description',
          p_entry->>'causeType', p_entry->>'causeId', v_key, v_hash,
          (p_entry->>'reversesEntryId')::uuid, (p_entry->>'holdId')::uuid, p_entry->>'createdBy')
  RETURNING id, seq INTO v_id, v_seq;

  INSERT INTO ledger_posting (tenant_id, entry_id, line, account_id, book, currency, amount_minor, phase, seq, business_date, balance_after_minor)
  SELECT v_tenant, v_id, (u.ord - 1)::int, u.account_id, a.book, a.currency, u.amount, v_phase, v_seq, v_date,
         -- Several lines on one account: each carries the balance after itself (the balance after
         -- the whole entry less the lines that follow it in the entry).
         (v_after_map->>(u.account_id::text))::bigint
           - CASE WHEN a.type IN ('ASSET', 'EXPENSE') THEN 1 ELSE -1 END
             * COALESCE(sum(u.amount) OVER (PARTITION BY u.account_id ORDER BY u.ord DESC ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING), 0)
    FROM unnest(v_ids, v_amounts) WITH ORDINALITY AS u(account_id, amount, ord)
    JOIN ledger_account a ON a.tenant_id = v_tenant AND a.id = u.account_id;

  RETURN QUERY SELECT v_id, v_seq, false;
END $$;

CREATE OR REPLACE FUNCTION ledger_resolve_hold(p jsonb)
RETURNS TABLE (hold_id uuid, entry_id uuid, replayed boolean)
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
DECLARE
  v_tenant uuid := NULLIF(current_setting('app.tenant_id', true), '')::uuid;
  v_action text := p->>'action';
  v_key text := p->>'idempotencyKey';
  h ledger_hold;
  v_amount bigint;
  r record;
  v_release_key text;
BEGIN
  IF v_action NOT IN ('post', 'void') THEN PERFORM ledger_raise('HOLD_INVALID', 'action must be post or void'); END IF;
  SELECT * INTO h FROM ledger_hold WHERE tenant_id = v_tenant AND id = (p->>'holdId')::uuid FOR UPDATE;
  IF NOT FOUND THEN PERFORM ledger_raise('HOLD_NOT_FOUND', 'Hold not found'); END IF;

  IF h.status <> 'PENDING' THEN
    -- The same request again returns the first result; anything else is refused.
    IF h.resolved_entry_id IS NOT NULL AND EXISTS (
         SELECT 1 FROM journal_entry e WHERE e.tenant_id = v_tenant AND e.id = h.resolved_entry_id
            AND e.idempotency_key = v_key AND e.content_hash = p->>'contentHash') THEN
      RETURN QUERY SELECT h.id, h.resolved_entry_id, true;
      RETURN;
    END IF;
    PERFORM ledger_raise('HOLD_NOT_PENDING', format('This hold is already %s; it cannot be %s', lower(h.status::text),
      CASE v_action WHEN 'post' THEN 'posted' ELSE 'voided' END));
  END IF;
  IF h.expires_at IS NOT NULL AND h.expires_at <= now() THEN
    PERFORM ledger_raise('HOLD_EXPIRED', 'This hold has expired; its funds are being released');
  END IF;

  v_amount := COALESCE((p->>'amountMinor')::bigint, h.amount_minor);
  IF v_action = 'post' AND (v_amount <= 0 OR v_amount > h.amount_minor) THEN
    PERFORM ledger_raise('HOLD_AMOUNT_EXCEEDED', format('Cannot post %s from a hold of %s', v_amount, h.amount_minor));
  END IF;

  v_release_key := CASE v_action WHEN 'void' THEN v_key ELSE v_key || ':release' END;
  SELECT * INTO r FROM ledger_write_entry(jsonb_build_object(
    'kind', COALESCE(p->>'kind', 'hold') || '.release', 'phase', 'PENDING', 'release', true,
    'businessDate', p->>'businessDate', 'idempotencyKey', v_release_key, 'contentHash', p->>'contentHash',
    'holdId', h.id, 'description', p->>'description', 'createdBy', p->>'createdBy',
    'postings', ledger_hold_lines(h.credit_account_id, h.debit_account_id, h.amount_minor)), true);

  IF v_action = 'post' THEN
    SELECT * INTO r FROM ledger_write_entry(jsonb_build_object(
      'kind', COALESCE(p->>'kind', 'hold') || '.post', 'phase', 'POSTED', 'hotSlot', 0,
      'businessDate', p->>'businessDate', 'idempotencyKey', v_key, 'contentHash', p->>'contentHash',
      'holdId', h.id, 'description', p->>'description', 'createdBy', p->>'createdBy',
      'causeType', p->>'causeType', 'causeId', p->>'causeId',
      'postings', ledger_hold_lines(h.debit_account_id, h.credit_account_id, v_amount)), true);
    UPDATE ledger_hold SET status = 'POSTED', posted_minor = v_amount, resolved_entry_id = r.entry_id, resolved_at = now()
     WHERE tenant_id = v_tenant AND id = h.id;
  ELSE
    UPDATE ledger_hold SET status = 'VOIDED', resolved_entry_id = r.entry_id, resolved_at = now()
     WHERE tenant_id = v_tenant AND id = h.id;
  END IF;
  RETURN QUERY SELECT h.id, r.entry_id, false;
END $$;

-- Batches: every balance row the batch touches is created (where missing) and locked first, both
-- in ascending (account, slot) order; hot accounts use the connection's slot for the whole batch.
CREATE OR REPLACE FUNCTION ledger_post_entries(p jsonb)
RETURNS TABLE (entry_id uuid, entry_seq bigint, replayed boolean)
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
DECLARE
  v_tenant uuid := NULLIF(current_setting('app.tenant_id', true), '')::uuid;
  v_slot smallint := COALESCE((p->>'hotSlot')::smallint, (pg_backend_pid() % 16)::smallint);
  v_ids uuid[];
  v_slots smallint[];
  v_entry jsonb;
BEGIN
  SELECT array_agg(x.id), array_agg(x.slot) INTO v_ids, v_slots FROM (
    SELECT DISTINCT a.id, CASE WHEN a.is_hot THEN v_slot ELSE 0 END AS slot
      FROM jsonb_array_elements(p->'entries') e, ledger_lines(e) l JOIN ledger_account a ON a.tenant_id = v_tenant AND a.id = l.account_id) x;
  PERFORM ledger_lock_rows(v_tenant, v_ids, v_slots);
  FOR v_entry IN SELECT value FROM jsonb_array_elements(p->'entries') LOOP
    RETURN QUERY SELECT * FROM ledger_write_entry(v_entry || jsonb_build_object('hotSlot', v_slot), false);
  END LOOP;
END $$;

-- Creates the missing balance rows among (account, slot) pairs and locks all of them, both in
-- ascending (account, slot) order: the one order every ledger lock is taken in.
CREATE FUNCTION ledger_lock_rows(p_tenant uuid, p_accounts uuid[], p_slots smallint[]) RETURNS void
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
BEGIN
  IF p_accounts IS NULL THEN RETURN; END IF;
  PERFORM ledger_note_locks(ARRAY(SELECT ledger_lock_key(u.a, u.s) FROM unnest(p_accounts, p_slots) u(a, s)));
  INSERT INTO ledger_balance (tenant_id, account_id, slot)
  SELECT p_tenant, u.a, u.s FROM unnest(p_accounts, p_slots) u(a, s) ORDER BY u.a, u.s
  ON CONFLICT DO NOTHING;
  PERFORM 1 FROM ledger_balance b
   WHERE b.tenant_id = p_tenant AND (b.account_id, b.slot) IN (SELECT u.a, u.s FROM unnest(p_accounts, p_slots) u(a, s))
   ORDER BY b.account_id, b.slot
   FOR UPDATE;
END $$;
REVOKE ALL ON FUNCTION ledger_lock_rows(uuid, uuid[], smallint[]) FROM PUBLIC;

-- Lock-ahead for a transaction that posts several entries one by one: every balance row they may
-- touch (for a hot account both slot 0, where holds live, and the connection's slot).
CREATE OR REPLACE FUNCTION ledger_lock_accounts(p_accounts uuid[])
RETURNS void
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
DECLARE
  v_tenant uuid := NULLIF(current_setting('app.tenant_id', true), '')::uuid;
  v_slot smallint := (pg_backend_pid() % 16)::smallint;
  v_ids uuid[];
  v_slots smallint[];
BEGIN
  SELECT array_agg(x.id), array_agg(x.slot) INTO v_ids, v_slots FROM (
    SELECT DISTINCT a.id, s.slot
      FROM ledger_account a
      CROSS JOIN LATERAL (SELECT 0::smallint UNION SELECT v_slot WHERE a.is_hot) AS s(slot)
     WHERE a.tenant_id = v_tenant AND a.id = ANY (p_accounts)) x;
  PERFORM ledger_lock_rows(v_tenant, v_ids, v_slots);
END $$;

-- Releases holds whose time has passed: the holds (skipping any another transaction has locked),
-- then every balance row their releases touch, in order, then the releases.
CREATE OR REPLACE FUNCTION ledger_expire_holds(p_now timestamptz, p_business_date date, p_limit integer)
RETURNS integer
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
DECLARE
  v_tenant uuid := NULLIF(current_setting('app.tenant_id', true), '')::uuid;
  v_holds uuid[];
  v_ids uuid[];
  v_slots smallint[];
  h ledger_hold;
  r record;
  n integer := 0;
BEGIN
  SELECT array_agg(x.id) INTO v_holds FROM (
    SELECT id FROM ledger_hold WHERE tenant_id = v_tenant AND status = 'PENDING' AND expires_at <= p_now
     ORDER BY expires_at LIMIT p_limit FOR UPDATE SKIP LOCKED) x;
  IF v_holds IS NULL THEN RETURN 0; END IF;
  SELECT array_agg(x.a), array_agg(0::smallint) INTO v_ids, v_slots FROM (
    SELECT DISTINCT u.a FROM ledger_hold hh CROSS JOIN LATERAL (VALUES (hh.debit_account_id), (hh.credit_account_id)) AS u(a)
     WHERE hh.tenant_id = v_tenant AND hh.id = ANY (v_holds)) x;
  PERFORM ledger_lock_rows(v_tenant, v_ids, v_slots);
  FOR h IN SELECT * FROM ledger_hold WHERE tenant_id = v_tenant AND id = ANY (v_holds) ORDER BY expires_at LOOP
    SELECT * INTO r FROM ledger_write_entry(jsonb_build_object(
      'kind', 'hold.expire', 'phase', 'PENDING', 'release', true, 'businessDate', p_business_date,
      'idempotencyKey', 'hold-expire:' || h.id, 'contentHash', 'hold-expire:' || h.id, 'holdId', h.id,
      'postings', ledger_hold_lines(h.credit_account_id, h.debit_account_id, h.amount_minor)), true);
    UPDATE ledger_hold SET status = 'EXPIRED', resolved_entry_id = r.entry_id, resolved_at = now()
     WHERE tenant_id = v_tenant AND id = h.id;
    n := n + 1;
  END LOOP;
  RETURN n;
END $$;

-- The console's settlement policy (issue 8): a provider's owner or admin decides whether a merchant
-- with open reconciliation exceptions is settled or held.
GRANT UPDATE (settlement_hold_on_exceptions) ON "tenant" TO switchyard_app;

-- Refunds asked for in the merchant portal (issue 8) are recorded with their own origin.
ALTER TABLE "refund" DROP CONSTRAINT "refund_origin";
ALTER TABLE "refund" ADD CONSTRAINT "refund_origin" CHECK (origin IN ('API', 'CONSOLE', 'PORTAL', 'LATE_SUCCESS', 'REVERSAL'));
