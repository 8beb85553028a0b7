-- CreateEnum
CREATE TYPE "LedgerBook" AS ENUM ('OWN', 'MEMO');

-- CreateEnum
CREATE TYPE "LedgerAccountType" AS ENUM ('ASSET', 'LIABILITY', 'EQUITY', 'INCOME', 'EXPENSE');

-- CreateEnum
CREATE TYPE "LedgerBound" AS ENUM ('NONE', 'NON_NEGATIVE');

-- CreateEnum
CREATE TYPE "JournalPhase" AS ENUM ('POSTED', 'PENDING');

-- CreateEnum
CREATE TYPE "HoldStatus" AS ENUM ('PENDING', 'POSTED', 'VOIDED', 'EXPIRED');

-- CreateEnum
CREATE TYPE "ProposalStatus" AS ENUM ('PENDING', 'APPROVED', 'REJECTED', 'CANCELLED');

-- CreateEnum
CREATE TYPE "BusinessDayStatus" AS ENUM ('OPEN', 'CLOSED');

-- AlterTable
ALTER TABLE "tenant" ADD COLUMN     "approval_admin_threshold_minor" BIGINT NOT NULL DEFAULT 1000000;

-- CreateTable
CREATE TABLE "ledger_account" (
    "tenant_id" UUID NOT NULL,
    "id" UUID NOT NULL DEFAULT gen_random_uuid(),
    "book" "LedgerBook" NOT NULL,
    "code" TEXT NOT NULL,
    "name" TEXT NOT NULL,
    "type" "LedgerAccountType" NOT NULL,
    "currency" TEXT NOT NULL DEFAULT 'CNY',
    "bound" "LedgerBound" NOT NULL DEFAULT 'NONE',
    "is_hot" BOOLEAN NOT NULL DEFAULT false,
    "owner_type" TEXT,
    "owner_id" UUID,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "ledger_account_pkey" PRIMARY KEY ("tenant_id","id")
);

-- CreateTable
CREATE TABLE "ledger_balance" (
    "tenant_id" UUID NOT NULL,
    "account_id" UUID NOT NULL,
    "slot" SMALLINT NOT NULL DEFAULT 0,
    "posted_debit_minor" BIGINT NOT NULL DEFAULT 0,
    "posted_credit_minor" BIGINT NOT NULL DEFAULT 0,
    "pending_debit_minor" BIGINT NOT NULL DEFAULT 0,
    "pending_credit_minor" BIGINT NOT NULL DEFAULT 0,
    "updated_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "ledger_balance_pkey" PRIMARY KEY ("tenant_id","account_id","slot")
);

-- CreateTable
CREATE TABLE "journal_entry" (
    "tenant_id" UUID NOT NULL,
    "id" UUID NOT NULL DEFAULT gen_random_uuid(),
    "seq" BIGSERIAL NOT NULL,
    "kind" TEXT NOT NULL,
    "phase" "JournalPhase" NOT NULL DEFAULT 'POSTED',
    "business_date" DATE NOT NULL,
    "corrects_date" DATE,
    "effective_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "description" TEXT,
    "cause_type" TEXT,
    "cause_id" TEXT,
    "idempotency_key" TEXT NOT NULL,
    "content_hash" TEXT NOT NULL,
    "reverses_entry_id" UUID,
    "hold_id" UUID,
    "created_by" TEXT,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "journal_entry_pkey" PRIMARY KEY ("tenant_id","id")
);

-- CreateTable
CREATE TABLE "ledger_posting" (
    "tenant_id" UUID NOT NULL,
    "entry_id" UUID NOT NULL,
    "line" SMALLINT NOT NULL,
    "account_id" UUID NOT NULL,
    "book" "LedgerBook" NOT NULL,
    "currency" TEXT NOT NULL,
    "amount_minor" BIGINT NOT NULL,
    "phase" "JournalPhase" NOT NULL,
    "seq" BIGINT NOT NULL,
    "business_date" DATE NOT NULL,
    "balance_after_minor" BIGINT,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "ledger_posting_pkey" PRIMARY KEY ("tenant_id","entry_id","line")
);

-- CreateTable
CREATE TABLE "ledger_hold" (
    "tenant_id" UUID NOT NULL,
    "id" UUID NOT NULL DEFAULT gen_random_uuid(),
    "pending_entry_id" UUID NOT NULL,
    "debit_account_id" UUID NOT NULL,
    "credit_account_id" UUID NOT NULL,
    "amount_minor" BIGINT NOT NULL,
    "posted_minor" BIGINT NOT NULL DEFAULT 0,
    "currency" TEXT NOT NULL,
    "status" "HoldStatus" NOT NULL DEFAULT 'PENDING',
    "expires_at" TIMESTAMPTZ(3),
    "resolved_entry_id" UUID,
    "resolved_at" TIMESTAMPTZ(3),
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "ledger_hold_pkey" PRIMARY KEY ("tenant_id","id")
);

-- CreateTable
CREATE TABLE "proposal" (
    "tenant_id" UUID NOT NULL,
    "id" UUID NOT NULL DEFAULT gen_random_uuid(),
    "kind" TEXT NOT NULL,
    "payload" JSONB NOT NULL,
    "amount_minor" BIGINT NOT NULL DEFAULT 0,
    "reason" TEXT NOT NULL,
    "status" "ProposalStatus" NOT NULL DEFAULT 'PENDING',
    "requires_admin" BOOLEAN NOT NULL DEFAULT false,
    "proposed_by" UUID NOT NULL,
    "proposed_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "decided_by" UUID,
    "decided_at" TIMESTAMPTZ(3),
    "decision_note" TEXT,
    "result" JSONB,

    CONSTRAINT "proposal_pkey" PRIMARY KEY ("tenant_id","id")
);

-- CreateTable
CREATE TABLE "business_day" (
    "tenant_id" UUID NOT NULL,
    "business_date" DATE NOT NULL,
    "status" "BusinessDayStatus" NOT NULL DEFAULT 'OPEN',
    "closed_at" TIMESTAMPTZ(3),
    "closed_by" TEXT,
    "trial_balance" JSONB,

    CONSTRAINT "business_day_pkey" PRIMARY KEY ("tenant_id","business_date")
);

-- CreateIndex
CREATE INDEX "ledger_account_tenant_id_owner_type_owner_id_idx" ON "ledger_account"("tenant_id", "owner_type", "owner_id");

-- CreateIndex
CREATE UNIQUE INDEX "ledger_account_tenant_id_book_code_currency_key" ON "ledger_account"("tenant_id", "book", "code", "currency");

-- CreateIndex
CREATE INDEX "journal_entry_tenant_id_seq_idx" ON "journal_entry"("tenant_id", "seq" DESC);

-- CreateIndex
CREATE INDEX "journal_entry_tenant_id_cause_type_cause_id_idx" ON "journal_entry"("tenant_id", "cause_type", "cause_id");

-- CreateIndex
CREATE INDEX "journal_entry_tenant_id_business_date_idx" ON "journal_entry"("tenant_id", "business_date");

-- CreateIndex
CREATE UNIQUE INDEX "journal_entry_tenant_id_idempotency_key_key" ON "journal_entry"("tenant_id", "idempotency_key");

-- CreateIndex
CREATE UNIQUE INDEX "journal_entry_tenant_id_reverses_entry_id_key" ON "journal_entry"("tenant_id", "reverses_entry_id");

-- CreateIndex
CREATE INDEX "ledger_posting_tenant_id_account_id_seq_line_idx" ON "ledger_posting"("tenant_id", "account_id", "seq" DESC, "line" DESC);

-- CreateIndex
CREATE INDEX "ledger_posting_tenant_id_account_id_business_date_idx" ON "ledger_posting"("tenant_id", "account_id", "business_date");

-- CreateIndex
CREATE INDEX "ledger_hold_tenant_id_status_expires_at_idx" ON "ledger_hold"("tenant_id", "status", "expires_at");

-- CreateIndex
CREATE INDEX "proposal_tenant_id_status_proposed_at_idx" ON "proposal"("tenant_id", "status", "proposed_at" DESC);

-- AddForeignKey
ALTER TABLE "ledger_account" ADD CONSTRAINT "ledger_account_tenant_id_fkey" FOREIGN KEY ("tenant_id") REFERENCES "tenant"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "ledger_balance" ADD CONSTRAINT "ledger_balance_tenant_id_account_id_fkey" FOREIGN KEY ("tenant_id", "account_id") REFERENCES "ledger_account"("tenant_id", "id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "journal_entry" ADD CONSTRAINT "journal_entry_tenant_id_fkey" FOREIGN KEY ("tenant_id") REFERENCES "tenant"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "ledger_posting" ADD CONSTRAINT "ledger_posting_tenant_id_entry_id_fkey" FOREIGN KEY ("tenant_id", "entry_id") REFERENCES "journal_entry"("tenant_id", "id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "ledger_posting" ADD CONSTRAINT "ledger_posting_tenant_id_account_id_fkey" FOREIGN KEY ("tenant_id", "account_id") REFERENCES "ledger_account"("tenant_id", "id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "ledger_hold" ADD CONSTRAINT "ledger_hold_tenant_id_fkey" FOREIGN KEY ("tenant_id") REFERENCES "tenant"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "proposal" ADD CONSTRAINT "proposal_tenant_id_fkey" FOREIGN KEY ("tenant_id") REFERENCES "tenant"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "business_day" ADD CONSTRAINT "business_day_tenant_id_fkey" FOREIGN KEY ("tenant_id") REFERENCES "tenant"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- ============================================================================================
-- Hand-written below: checks, RLS, grants and the posting functions. Balances change only here,
-- in the same transaction as the postings; the app role may read balances but not write them
-- except through these functions (SECURITY INVOKER: RLS still applies inside them).

ALTER TABLE "ledger_account" ADD CONSTRAINT "ledger_account_hot_unbounded" CHECK (NOT (is_hot AND bound <> 'NONE'));
ALTER TABLE "ledger_account" ADD CONSTRAINT "ledger_account_currency" CHECK (currency ~ '^[A-Z]{3}$');
ALTER TABLE "ledger_balance" ADD CONSTRAINT "ledger_balance_slot" CHECK (slot BETWEEN 0 AND 15);
ALTER TABLE "ledger_balance" ADD CONSTRAINT "ledger_balance_nonneg_pending" CHECK (pending_debit_minor >= 0 AND pending_credit_minor >= 0);
ALTER TABLE "ledger_posting" ADD CONSTRAINT "ledger_posting_nonzero" CHECK (amount_minor <> 0);
ALTER TABLE "ledger_hold" ADD CONSTRAINT "ledger_hold_amounts" CHECK (amount_minor > 0 AND posted_minor >= 0 AND posted_minor <= amount_minor);
ALTER TABLE "journal_entry" ADD CONSTRAINT "journal_entry_key_length" CHECK (length(idempotency_key) BETWEEN 1 AND 200);
ALTER TABLE "proposal" ADD CONSTRAINT "proposal_not_self_approved" CHECK (decided_by IS NULL OR decided_by <> proposed_by OR status = 'CANCELLED');

DO $$
DECLARE t text;
BEGIN
  FOREACH t IN ARRAY ARRAY['ledger_account', 'ledger_balance', 'journal_entry', 'ledger_posting',
                           'ledger_hold', 'proposal', 'business_day'] LOOP
    EXECUTE format('ALTER TABLE %I ENABLE ROW LEVEL SECURITY', t);
    EXECUTE format('ALTER TABLE %I FORCE ROW LEVEL SECURITY', t);
    EXECUTE format($p$CREATE POLICY tenant_isolation ON %I
      USING (tenant_id = (SELECT NULLIF(current_setting('app.tenant_id', true), '')::uuid))
      WITH CHECK (tenant_id = (SELECT NULLIF(current_setting('app.tenant_id', true), '')::uuid))$p$, t);
  END LOOP;
END $$;

-- The app role reads the ledger and opens accounts; entries, postings, balances and holds are
-- written only by the SECURITY DEFINER functions below, so no query of the app can forge a balance,
-- a one-sided posting or a hold release.
GRANT SELECT, INSERT ON "ledger_account" TO switchyard_app;
GRANT SELECT ON "journal_entry", "ledger_posting", "ledger_balance", "ledger_hold" TO switchyard_app;
GRANT SELECT, INSERT, UPDATE ON "proposal", "business_day" TO switchyard_app;
GRANT UPDATE (approval_admin_threshold_minor) ON "tenant" TO switchyard_app;
GRANT USAGE ON SEQUENCE "journal_entry_seq_seq" TO switchyard_app;
GRANT SELECT, INSERT, UPDATE, DELETE ON "ledger_account", "ledger_balance", "journal_entry", "ledger_posting",
  "ledger_hold", "proposal", "business_day" TO switchyard_platform;
REVOKE UPDATE, DELETE ON "journal_entry", "ledger_posting" FROM switchyard_platform;

-- Normal-side balance helpers. Debit-normal: assets and expenses; credit-normal: the rest.
CREATE FUNCTION ledger_is_debit_normal(p_type "LedgerAccountType") RETURNS boolean
LANGUAGE sql IMMUTABLE AS $$ SELECT p_type IN ('ASSET', 'EXPENSE') $$;

CREATE FUNCTION ledger_raise(p_code text, p_message text) RETURNS void
LANGUAGE plpgsql AS $$
BEGIN
  -- SQLSTATE P0001, message "CODE: text": server/core/ledger/errors.ts maps it to a DomainError.
  RAISE EXCEPTION USING ERRCODE = 'P0001', MESSAGE = p_code || ': ' || p_message;
END $$;

CREATE FUNCTION ledger_lines(p_entry jsonb)
RETURNS TABLE (line int, account_id uuid, amount bigint)
LANGUAGE sql IMMUTABLE AS $$
  SELECT (ord - 1)::int, (p->>'accountId')::uuid, (p->>'amountMinor')::bigint
  FROM jsonb_array_elements(p_entry->'postings') WITH ORDINALITY AS x(p, ord)
$$;

-- Posts one balanced entry in one round trip. p_entry:
--   { kind, phase: POSTED|PENDING, businessDate, correctsDate?, description?, causeType?, causeId?,
--     idempotencyKey, contentHash, reversesEntryId?, holdId?, createdBy?,
--     postings: [{ accountId, amountMinor }] }   (amountMinor signed text: debit > 0, credit < 0)
-- Returns the entry id and seq; replayed = true when the same key and content were posted before.
-- Runs as the owner (SECURITY DEFINER) and names the tenant explicitly in every statement: the
-- tenant is the one the caller's transaction is bound to (app.tenant_id), as under RLS. The JSON is
-- read once into arrays and accounts are read by primary key, so the cost of a posting does not
-- grow with the number of accounts.
CREATE FUNCTION ledger_write_entry(p_entry jsonb, p_internal boolean)
RETURNS TABLE (entry_id uuid, entry_seq bigint, replayed boolean)
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
DECLARE
  v_tenant uuid := NULLIF(current_setting('app.tenant_id', true), '')::uuid;
  v_key text := p_entry->>'idempotencyKey';
  v_hash text := p_entry->>'contentHash';
  v_phase "JournalPhase" := COALESCE(p_entry->>'phase', 'POSTED')::"JournalPhase";
  v_date date := (p_entry->>'businessDate')::date;
  v_release boolean := COALESCE((p_entry->>'release')::boolean, false);
  v_hot_slot smallint := COALESCE((p_entry->>'hotSlot')::smallint, (pg_backend_pid() % 16)::smallint);
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

CREATE FUNCTION ledger_post_entry(p_entry jsonb)
RETURNS TABLE (entry_id uuid, entry_seq bigint, replayed boolean)
LANGUAGE sql SECURITY DEFINER SET search_path = public, pg_temp AS $$
  SELECT * FROM ledger_write_entry(p_entry, false)
$$;

REVOKE ALL ON FUNCTION ledger_write_entry(jsonb, boolean) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION ledger_post_entry(jsonb), ledger_lines(jsonb), ledger_is_debit_normal("LedgerAccountType"), ledger_raise(text, text) TO switchyard_app;

-- Two-phase holds (TigerBeetle-style): a PENDING entry reserves, then exactly one of post (fully or
-- partly), void or expire releases it. Each step is itself an entry, so the pending columns of a
-- balance always equal the sum of its pending postings.
CREATE FUNCTION ledger_hold_lines(p_debit uuid, p_credit uuid, p_amount bigint) RETURNS jsonb
LANGUAGE sql IMMUTABLE AS $$
  SELECT jsonb_build_array(jsonb_build_object('accountId', p_debit, 'amountMinor', p_amount::text),
                           jsonb_build_object('accountId', p_credit, 'amountMinor', (-p_amount)::text))
$$;

-- p: { debitAccountId, creditAccountId, amountMinor, expiresAt?, kind, businessDate, idempotencyKey,
--      contentHash, causeType?, causeId?, description?, createdBy? }
CREATE FUNCTION ledger_create_hold(p jsonb)
RETURNS TABLE (hold_id uuid, entry_id uuid, replayed boolean)
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
DECLARE
  v_tenant uuid := NULLIF(current_setting('app.tenant_id', true), '')::uuid;
  v_amount bigint := (p->>'amountMinor')::bigint;
  v_hold uuid := gen_random_uuid();
  r record;
  v_currency text;
BEGIN
  IF v_amount IS NULL OR v_amount <= 0 THEN PERFORM ledger_raise('HOLD_INVALID', 'A hold needs a positive amount'); END IF;
  IF (p->>'debitAccountId') = (p->>'creditAccountId') THEN PERFORM ledger_raise('HOLD_INVALID', 'A hold needs two different accounts'); END IF;
  SELECT * INTO r FROM ledger_write_entry(p || jsonb_build_object(
    'phase', 'PENDING', 'holdId', v_hold, 'release', false,
    'postings', ledger_hold_lines((p->>'debitAccountId')::uuid, (p->>'creditAccountId')::uuid, v_amount)), true);
  IF r.replayed THEN
    RETURN QUERY SELECT h.id, r.entry_id, true FROM ledger_hold h WHERE h.tenant_id = v_tenant AND h.pending_entry_id = r.entry_id;
    RETURN;
  END IF;
  SELECT currency INTO v_currency FROM ledger_account WHERE tenant_id = v_tenant AND id = (p->>'debitAccountId')::uuid;
  INSERT INTO ledger_hold (tenant_id, id, pending_entry_id, debit_account_id, credit_account_id, amount_minor, currency, expires_at)
  VALUES (v_tenant, v_hold, r.entry_id, (p->>'debitAccountId')::uuid, (p->>'creditAccountId')::uuid, v_amount, v_currency, (p->>'expiresAt')::timestamptz);
  RETURN QUERY SELECT v_hold, r.entry_id, false;
END $$;

-- p: { holdId, action: post|void, amountMinor? (post; default the whole hold), businessDate,
--      idempotencyKey, contentHash, kind?, description?, createdBy? }
CREATE FUNCTION ledger_resolve_hold(p jsonb)
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
      'kind', COALESCE(p->>'kind', 'hold') || '.post', 'phase', 'POSTED',
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

-- Releases holds whose time has passed (the expiry job calls it per tenant).
CREATE FUNCTION ledger_expire_holds(p_now timestamptz, p_business_date date, p_limit integer)
RETURNS integer
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
DECLARE
  v_tenant uuid := NULLIF(current_setting('app.tenant_id', true), '')::uuid;
  h ledger_hold;
  r record;
  n integer := 0;
BEGIN
  FOR h IN SELECT * FROM ledger_hold WHERE tenant_id = v_tenant AND status = 'PENDING' AND expires_at <= p_now
           ORDER BY expires_at LIMIT p_limit FOR UPDATE SKIP LOCKED LOOP
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

-- 冲正: a posted entry is corrected only by its mirror image, once.
-- p: { entryId, businessDate, idempotencyKey, contentHash, description?, createdBy?, correctsDate? }
CREATE FUNCTION ledger_reverse_entry(p jsonb)
RETURNS TABLE (entry_id uuid, entry_seq bigint, replayed boolean)
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
DECLARE
  v_tenant uuid := NULLIF(current_setting('app.tenant_id', true), '')::uuid;
  e journal_entry;
  v_lines jsonb;
BEGIN
  SELECT * INTO e FROM journal_entry WHERE tenant_id = v_tenant AND id = (p->>'entryId')::uuid;
  IF NOT FOUND THEN PERFORM ledger_raise('ENTRY_NOT_FOUND', 'Journal entry not found'); END IF;
  IF e.phase <> 'POSTED' THEN PERFORM ledger_raise('ENTRY_NOT_REVERSIBLE', 'Pending entries are voided through their hold, not reversed'); END IF;
  -- Concurrent reversals of one entry queue here, so the losers see "already reversed".
  PERFORM pg_advisory_xact_lock(hashtextextended(v_tenant::text || '|reverse|' || e.id::text, 0));
  -- A replay of the same reversal request returns the first result before the "already" check.
  IF NOT EXISTS (SELECT 1 FROM journal_entry x WHERE x.tenant_id = v_tenant AND x.idempotency_key = p->>'idempotencyKey')
     AND EXISTS (SELECT 1 FROM journal_entry x WHERE x.tenant_id = v_tenant AND x.reverses_entry_id = e.id) THEN
    PERFORM ledger_raise('ENTRY_ALREADY_REVERSED', 'This entry has already been reversed');
  END IF;
  SELECT jsonb_agg(jsonb_build_object('accountId', lp.account_id, 'amountMinor', (-lp.amount_minor)::text) ORDER BY lp.line)
    INTO v_lines FROM ledger_posting lp WHERE lp.tenant_id = v_tenant AND lp.entry_id = e.id;
  RETURN QUERY SELECT * FROM ledger_write_entry(jsonb_build_object(
    'kind', 'reversal', 'phase', 'POSTED', 'businessDate', p->>'businessDate', 'correctsDate', p->>'correctsDate',
    'idempotencyKey', p->>'idempotencyKey', 'contentHash', p->>'contentHash', 'reversesEntryId', e.id,
    'causeType', e.cause_type, 'causeId', e.cause_id, 'description', p->>'description', 'createdBy', p->>'createdBy',
    'postings', v_lines), false);
END $$;

-- Batches (sweeps): every balance row the batch touches is locked first, in one sorted order, and
-- hot accounts use one slot for the whole batch, so concurrent batches cannot deadlock.
-- p: { hotSlot?, entries: [entry, ...] } → one row per entry, in order.
CREATE FUNCTION ledger_post_entries(p jsonb)
RETURNS TABLE (entry_id uuid, entry_seq bigint, replayed boolean)
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
DECLARE
  v_tenant uuid := NULLIF(current_setting('app.tenant_id', true), '')::uuid;
  -- One slot per connection: every entry of a transaction takes the same slot rows of a hot
  -- account, so two transactions never lock a hot account's slots in opposite orders.
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
    RETURN QUERY SELECT * FROM ledger_write_entry(v_entry || jsonb_build_object('hotSlot', v_slot), false);
  END LOOP;
END $$;

GRANT EXECUTE ON FUNCTION ledger_post_entries(jsonb) TO switchyard_app;

-- Lock-ahead for a transaction that posts several entries one by one (a suspense release:
-- reverse the suspense entry, then post the normal one): every balance row they will touch, in
-- one sorted statement first, so two such transactions cannot cross.
CREATE FUNCTION ledger_lock_accounts(p_accounts uuid[])
RETURNS void
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
DECLARE
  v_tenant uuid := NULLIF(current_setting('app.tenant_id', true), '')::uuid;
  v_slot smallint := (pg_backend_pid() % 16)::smallint;
BEGIN
  INSERT INTO ledger_balance (tenant_id, account_id, slot)
  SELECT v_tenant, a.id, CASE WHEN a.is_hot THEN v_slot ELSE 0 END
    FROM ledger_account a WHERE a.tenant_id = v_tenant AND a.id = ANY (p_accounts)
  ON CONFLICT DO NOTHING;
  PERFORM 1 FROM ledger_balance b JOIN ledger_account a ON a.tenant_id = b.tenant_id AND a.id = b.account_id
   WHERE b.tenant_id = v_tenant AND b.account_id = ANY (p_accounts) AND b.slot = CASE WHEN a.is_hot THEN v_slot ELSE 0 END
   ORDER BY b.account_id, b.slot
   FOR UPDATE OF b;
END $$;

GRANT EXECUTE ON FUNCTION ledger_lock_accounts(uuid[]) TO switchyard_app;

GRANT EXECUTE ON FUNCTION ledger_hold_lines(uuid, uuid, bigint), ledger_create_hold(jsonb), ledger_resolve_hold(jsonb),
  ledger_expire_holds(timestamptz, date, integer), ledger_reverse_entry(jsonb) TO switchyard_app;
