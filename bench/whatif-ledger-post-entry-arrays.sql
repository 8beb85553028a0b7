-- WHAT-IF, NOT APPLIED: a prototype for the ledger issue, measured by bench/ledger-whatif.sh in a
-- throwaway database only. The migration (prisma/migrations/20261127100000_ledger) is unchanged.
--
-- ledger_post_entry_arrays(p_entry jsonb) → ledger_write_entry_arrays: the same checks, in the same
-- order, with the same errors, locks (advisory key + days locks, balance rows in account-id order,
-- one hot slot per connection), per-line balances and results as ledger_post_entry →
-- ledger_write_entry (both SECURITY DEFINER, as migrated), but
--   * the postings are parsed from JSON once, into two arrays, instead of six ledger_lines() scans;
--   * the accounts are read once, by primary key (unnest of the parsed arrays), instead of four
--     ledger_lines(p_entry) JOIN ledger_account joins: ledger_lines is inlined into
--     jsonb_array_elements, which the planner assumes returns 100 rows, so each of those joins is a
--     hash join over a sequential scan of ALL the tenant's accounts (O(accounts) per posting);
--   * a balance row is updated directly and only created (INSERT ... ON CONFLICT) when missing;
--   * the postings are inserted from the arrays, with no table access.
CREATE OR REPLACE FUNCTION ledger_write_entry_arrays(p_entry jsonb, p_internal boolean)
RETURNS TABLE (entry_id uuid, entry_seq bigint, replayed boolean)
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
DECLARE
  v_tenant uuid := NULLIF(current_setting('app.tenant_id', true), '')::uuid;
  v_key text := p_entry->>'idempotencyKey';
  v_hash text := p_entry->>'contentHash';
  v_phase "JournalPhase" := COALESCE(p_entry->>'phase', 'POSTED')::"JournalPhase";
  v_date date := (p_entry->>'businessDate')::date;
  v_release boolean := COALESCE((p_entry->>'release')::boolean, false);
  v_existing record;
  v_line_acc uuid[]; v_line_amt bigint[];
  v_ids uuid[]; v_types "LedgerAccountType"[]; v_bounds "LedgerBound"[]; v_hot boolean[];
  v_books "LedgerBook"[]; v_curs text[]; v_debit bigint[]; v_credit bigint[]; v_after bigint[];
  v_distinct int;
  v_unbalanced record;
  i int; v_slot smallint; v_dn boolean; v_avail bigint; v_aft bigint;
  v_id uuid; v_seq bigint;
BEGIN
  IF v_tenant IS NULL THEN PERFORM ledger_raise('NO_TENANT', 'No tenant is bound to this transaction'); END IF;
  IF v_release AND NOT p_internal THEN PERFORM ledger_raise('ENTRY_INVALID', 'Holds are released only through ledger_resolve_hold'); END IF;
  IF v_release AND v_phase <> 'PENDING' THEN PERFORM ledger_raise('ENTRY_INVALID', 'Only pending entries release holds'); END IF;
  IF v_key IS NULL OR v_hash IS NULL OR v_date IS NULL OR p_entry->>'kind' IS NULL THEN
    PERFORM ledger_raise('ENTRY_INVALID', 'An entry needs kind, businessDate, idempotencyKey and contentHash');
  END IF;
  PERFORM pg_advisory_xact_lock(hashtextextended(v_tenant::text || '|' || v_key, 0));
  SELECT e.id, e.seq, e.content_hash INTO v_existing FROM journal_entry e WHERE e.tenant_id = v_tenant AND e.idempotency_key = v_key;
  IF FOUND THEN
    IF v_existing.content_hash <> v_hash THEN
      PERFORM ledger_raise('IDEMPOTENCY_CONFLICT', format('Idempotency key %s was already used for a different entry', v_key));
    END IF;
    RETURN QUERY SELECT v_existing.id, v_existing.seq, true;
    RETURN;
  END IF;
  PERFORM pg_advisory_xact_lock_shared(hashtextextended(v_tenant::text || '|days', 0));
  IF EXISTS (SELECT 1 FROM business_day d WHERE d.tenant_id = v_tenant AND d.business_date >= v_date AND d.status = 'CLOSED') THEN
    PERFORM ledger_raise('BUSINESS_DAY_CLOSED', format('Business date %s is on or before a closed date; post the correction in the open period with correctsDate = %s', v_date, v_date));
  END IF;

  -- The lines, parsed once.
  SELECT array_agg((x.p->>'accountId')::uuid ORDER BY x.ord), array_agg((x.p->>'amountMinor')::bigint ORDER BY x.ord)
    INTO v_line_acc, v_line_amt
    FROM jsonb_array_elements(p_entry->'postings') WITH ORDINALITY x(p, ord);
  IF COALESCE(cardinality(v_line_acc), 0) < 2 THEN PERFORM ledger_raise('ENTRY_INVALID', 'An entry needs at least two postings'); END IF;
  IF 0 = ANY(v_line_amt) OR array_position(v_line_amt, NULL) IS NOT NULL OR array_position(v_line_acc, NULL) IS NOT NULL THEN
    PERFORM ledger_raise('ENTRY_INVALID', 'Every posting needs an account and a non-zero amount');
  END IF;

  -- The accounts, read once by primary key, per account in id order (the lock order).
  SELECT array_agg(a.id ORDER BY a.id), array_agg(a.type ORDER BY a.id), array_agg(a.bound ORDER BY a.id), array_agg(a.is_hot ORDER BY a.id),
         array_agg(a.book ORDER BY a.id), array_agg(a.currency ORDER BY a.id), array_agg(s.debit ORDER BY a.id), array_agg(s.credit ORDER BY a.id)
    INTO v_ids, v_types, v_bounds, v_hot, v_books, v_curs, v_debit, v_credit
    FROM (SELECT l.acc, COALESCE(sum(l.amt) FILTER (WHERE l.amt > 0), 0) AS debit, COALESCE(-sum(l.amt) FILTER (WHERE l.amt < 0), 0) AS credit
            FROM unnest(v_line_acc, v_line_amt) l(acc, amt) GROUP BY l.acc) s
    JOIN ledger_account a ON a.tenant_id = v_tenant AND a.id = s.acc;
  SELECT count(DISTINCT x) INTO v_distinct FROM unnest(v_line_acc) x;
  IF COALESCE(cardinality(v_ids), 0) <> v_distinct THEN
    PERFORM ledger_raise('ACCOUNT_NOT_FOUND', 'A posting names an account that does not exist in this tenant');
  END IF;
  SELECT b.book, b.currency, sum(b.debit - b.credit) AS total INTO v_unbalanced
    FROM unnest(v_books, v_curs, v_debit, v_credit) b(book, currency, debit, credit)
   GROUP BY b.book, b.currency HAVING sum(b.debit - b.credit) <> 0 LIMIT 1;
  IF FOUND THEN
    PERFORM ledger_raise('UNBALANCED', format('The entry does not balance in book %s, %s: off by %s minor units', v_unbalanced.book, v_unbalanced.currency, v_unbalanced.total));
  END IF;

  v_after := array_fill(NULL::bigint, ARRAY[cardinality(v_ids)]);
  FOR i IN 1 .. cardinality(v_ids) LOOP
    v_slot := CASE WHEN v_hot[i] THEN COALESCE((p_entry->>'hotSlot')::smallint, (pg_backend_pid() % 16)::smallint) ELSE 0 END;
    v_dn := v_types[i] IN ('ASSET', 'EXPENSE');
    LOOP
      IF v_phase = 'POSTED' THEN
        UPDATE ledger_balance b SET posted_debit_minor = b.posted_debit_minor + v_debit[i], posted_credit_minor = b.posted_credit_minor + v_credit[i], updated_at = now()
         WHERE b.tenant_id = v_tenant AND b.account_id = v_ids[i] AND b.slot = v_slot
        RETURNING CASE WHEN v_dn THEN (b.posted_debit_minor - b.posted_credit_minor) - b.pending_credit_minor ELSE (b.posted_credit_minor - b.posted_debit_minor) - b.pending_debit_minor END,
                  CASE WHEN v_dn THEN b.posted_debit_minor - b.posted_credit_minor ELSE b.posted_credit_minor - b.posted_debit_minor END
          INTO v_avail, v_aft;
      ELSIF v_release THEN
        UPDATE ledger_balance b SET pending_debit_minor = b.pending_debit_minor - v_credit[i], pending_credit_minor = b.pending_credit_minor - v_debit[i], updated_at = now()
         WHERE b.tenant_id = v_tenant AND b.account_id = v_ids[i] AND b.slot = v_slot
        RETURNING CASE WHEN v_dn THEN (b.posted_debit_minor - b.posted_credit_minor) - b.pending_credit_minor ELSE (b.posted_credit_minor - b.posted_debit_minor) - b.pending_debit_minor END, NULL::bigint
          INTO v_avail, v_aft;
      ELSE
        UPDATE ledger_balance b SET pending_debit_minor = b.pending_debit_minor + v_debit[i], pending_credit_minor = b.pending_credit_minor + v_credit[i], updated_at = now()
         WHERE b.tenant_id = v_tenant AND b.account_id = v_ids[i] AND b.slot = v_slot
        RETURNING CASE WHEN v_dn THEN (b.posted_debit_minor - b.posted_credit_minor) - b.pending_credit_minor ELSE (b.posted_credit_minor - b.posted_debit_minor) - b.pending_debit_minor END, NULL::bigint
          INTO v_avail, v_aft;
      END IF;
      EXIT WHEN FOUND;
      -- First posting to this balance row: create it, then update it.
      INSERT INTO ledger_balance (tenant_id, account_id, slot) VALUES (v_tenant, v_ids[i], v_slot) ON CONFLICT DO NOTHING;
    END LOOP;
    IF v_bounds[i] = 'NON_NEGATIVE' AND v_avail < 0 AND ((v_dn AND v_credit[i] > v_debit[i]) OR (NOT v_dn AND v_debit[i] > v_credit[i])) THEN
      PERFORM ledger_raise('INSUFFICIENT_FUNDS', format('Account %s would go below zero (available after: %s)', v_ids[i], v_avail));
    END IF;
    IF NOT v_hot[i] AND v_phase = 'POSTED' THEN v_after[i] := v_aft; END IF;
  END LOOP;

  INSERT INTO journal_entry (tenant_id, kind, phase, business_date, corrects_date, effective_at, description,
                             cause_type, cause_id, idempotency_key, content_hash, reverses_entry_id, hold_id, created_by)
  VALUES (v_tenant, p_entry->>'kind', v_phase, v_date, (p_entry->>'correctsDate')::date,
          COALESCE((p_entry->>'effectiveAt')::timestamptz, now()), p_entry->>'description',
          p_entry->>'causeType', p_entry->>'causeId', v_key, v_hash,
          (p_entry->>'reversesEntryId')::uuid, (p_entry->>'holdId')::uuid, p_entry->>'createdBy')
  RETURNING id, seq INTO v_id, v_seq;

  INSERT INTO ledger_posting (tenant_id, entry_id, line, account_id, book, currency, amount_minor, phase, seq, business_date, balance_after_minor)
  SELECT v_tenant, v_id, (l.ord - 1)::smallint, l.acc, a.book, a.currency, l.amt, v_phase, v_seq, v_date,
         -- Each line carries the balance after itself: after the entry, less the later lines on it.
         a.after - CASE WHEN a.type IN ('ASSET', 'EXPENSE') THEN 1 ELSE -1 END
                   * COALESCE(sum(l.amt) OVER (PARTITION BY l.acc ORDER BY l.ord DESC ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING), 0)
    FROM unnest(v_line_acc, v_line_amt) WITH ORDINALITY l(acc, amt, ord)
    JOIN unnest(v_ids, v_types, v_books, v_curs, v_after) a(id, type, book, currency, after) ON a.id = l.acc;

  RETURN QUERY SELECT v_id, v_seq, false;
END $$;
REVOKE ALL ON FUNCTION ledger_write_entry_arrays(jsonb, boolean) FROM PUBLIC;

CREATE OR REPLACE FUNCTION ledger_post_entry_arrays(p_entry jsonb)
RETURNS TABLE (entry_id uuid, entry_seq bigint, replayed boolean)
LANGUAGE sql SECURITY DEFINER SET search_path = public, pg_temp AS $$
  SELECT * FROM ledger_write_entry_arrays(p_entry, false)
$$;
GRANT EXECUTE ON FUNCTION ledger_post_entry_arrays(jsonb) TO switchyard_app;

-- The batch twin: ledger_post_entries as migrated, except that it calls ledger_write_entry_arrays.
CREATE OR REPLACE FUNCTION ledger_post_entries_arrays(p jsonb)
RETURNS TABLE (entry_id uuid, entry_seq bigint, replayed boolean)
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
DECLARE
  v_tenant uuid := NULLIF(current_setting('app.tenant_id', true), '')::uuid;
  v_slot smallint := COALESCE((p->>'hotSlot')::smallint, (pg_backend_pid() % 16)::smallint);
  v_entry jsonb;
BEGIN
  INSERT INTO ledger_balance (tenant_id, account_id, slot)
  SELECT DISTINCT v_tenant, a.id, CASE WHEN a.is_hot THEN v_slot ELSE 0 END
    FROM jsonb_array_elements(p->'entries') e, ledger_lines(e) l JOIN ledger_account a ON a.tenant_id = v_tenant AND a.id = l.account_id
  ON CONFLICT DO NOTHING;
  PERFORM 1 FROM ledger_balance b
   WHERE b.tenant_id = v_tenant AND (b.account_id, b.slot) IN (
     SELECT DISTINCT a.id, CASE WHEN a.is_hot THEN v_slot ELSE 0 END
       FROM jsonb_array_elements(p->'entries') e, ledger_lines(e) l JOIN ledger_account a ON a.tenant_id = v_tenant AND a.id = l.account_id)
   ORDER BY b.account_id, b.slot
   FOR UPDATE;
  FOR v_entry IN SELECT value FROM jsonb_array_elements(p->'entries') LOOP
    RETURN QUERY SELECT * FROM ledger_write_entry_arrays(v_entry || jsonb_build_object('hotSlot', v_slot), false);
  END LOOP;
END $$;
GRANT EXECUTE ON FUNCTION ledger_post_entries_arrays(jsonb) TO switchyard_app;
