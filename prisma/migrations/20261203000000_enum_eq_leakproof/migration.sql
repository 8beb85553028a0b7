-- Index use under row-level security (found by the service-layer benchmark, issue 3 target 2).
--
-- PostgreSQL evaluates a tenant table's policy (tenant_id = app.tenant_id) before any condition of
-- the query whose function is not LEAKPROOF, and such a condition cannot be an index condition. The
-- comparison of enum values, enum_eq, is not marked LEAKPROOF, so every tenant-bound query that
-- finds rows by an enum column scanned the tenant's whole range instead: an account looked up by
-- (book, code) read every account of the tenant (2–4 ms at 10,000 wallets, growing with each
-- merchant and wallet), and the indexes on (tenant_id, status, ...) of payments, refunds, holds,
-- exceptions, payouts and proposals were used for the tenant alone.
--
-- enum_eq and enum_ne compare two enum value OIDs and return a boolean: they cannot fail and reveal
-- nothing about their arguments, which is what LEAKPROOF promises. Setting it needs a superuser
-- (the migrator is one here, on PGlite and in CI); without one the migration warns and the queries
-- stay correct, only slower. enum_lt and the other orderings can raise an error on a value they do
-- not know, so they stay as they are.
DO $$
BEGIN
  IF (SELECT rolsuper FROM pg_roles WHERE rolname = current_user) THEN
    ALTER FUNCTION pg_catalog.enum_eq(anyenum, anyenum) LEAKPROOF;
    ALTER FUNCTION pg_catalog.enum_ne(anyenum, anyenum) LEAKPROOF;
  ELSE
    RAISE WARNING 'enum_eq is not LEAKPROOF: the migrator % is not a superuser. Run ALTER FUNCTION pg_catalog.enum_eq(anyenum, anyenum) LEAKPROOF as one, or tenant-bound lookups by enum columns scan the tenant''s rows', current_user;
  END IF;
END $$;
