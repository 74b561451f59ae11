-- CreateTable
CREATE TABLE "usage_studio_daily" (
    "workspaceId" TEXT NOT NULL,
    "day" DATE NOT NULL,
    "memberId" TEXT NOT NULL,
    "keyId" TEXT NOT NULL DEFAULT '',
    "provider" TEXT NOT NULL,
    "model" TEXT NOT NULL,
    "credentialSource" TEXT NOT NULL,
    "calls" INTEGER NOT NULL DEFAULT 0,
    "runs" INTEGER NOT NULL DEFAULT 0,
    "runsByKey" INTEGER NOT NULL DEFAULT 0,
    "runsByModel" INTEGER NOT NULL DEFAULT 0,
    "runsByCredential" INTEGER NOT NULL DEFAULT 0,
    "inputTokens" BIGINT NOT NULL DEFAULT 0,
    "outputTokens" BIGINT NOT NULL DEFAULT 0,
    "credits" BIGINT NOT NULL DEFAULT 0,

    CONSTRAINT "usage_studio_daily_pkey" PRIMARY KEY ("workspaceId","day","memberId","keyId","provider","model","credentialSource")
);

-- AddForeignKey
ALTER TABLE "usage_studio_daily" ADD CONSTRAINT "usage_studio_daily_workspaceId_fkey" FOREIGN KEY ("workspaceId") REFERENCES "workspace"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- What a set of Content Studio steps adds to the rollup, per day of their run, member, key, provider, model
-- and credential: the sums, and each run once per group of each grouping of the report (by source, token
-- or member one group, by key, model or credential one per key, model or credential it used), on the
-- first of the run's rows in that group. Given whole runs, so that "first" is well defined.
CREATE FUNCTION byok_usage_studio_rows(steps generation_step[])
RETURNS TABLE ("workspaceId" text, day date, "memberId" text, "keyId" text, provider text, model text, "credentialSource" text,
               calls bigint, runs bigint, "runsByKey" bigint, "runsByModel" bigint, "runsByCredential" bigint,
               "inputTokens" bigint, "outputTokens" bigint, credits bigint)
LANGUAGE sql STABLE AS $$
  WITH s AS (
    SELECT r."workspaceId", r."createdAt"::date AS day, r."actorId" AS "memberId", COALESCE(st."keyId", '') AS "keyId", st.provider,
           st."modelId" AS model, st."credentialSource", st."runId", st.status, st."inputTokens", st."outputTokens", st.credits,
           -- The report's credential groups (services/usage.ts): managed and platform are both credits.
           CASE st."credentialSource" WHEN 'byok' THEN 'your_key' WHEN 'managed_fallback' THEN 'fallback' ELSE 'credits' END AS cred
    FROM unnest(steps) st JOIN generation_run r ON r.id = st."runId"
  ), firsts AS (
    SELECT s.*,
           row_number() OVER (PARTITION BY "runId" ORDER BY "keyId", provider, model, "credentialSource") = 1 AS run1,
           row_number() OVER (PARTITION BY "runId", "keyId" ORDER BY provider, model, "credentialSource") = 1 AS key1,
           row_number() OVER (PARTITION BY "runId", provider, model ORDER BY "keyId", "credentialSource") = 1 AS model1,
           row_number() OVER (PARTITION BY "runId", cred ORDER BY "keyId", provider, model, "credentialSource") = 1 AS cred1
    FROM s
  )
  SELECT "workspaceId", day, "memberId", "keyId", provider, model, "credentialSource",
         count(*) FILTER (WHERE status NOT IN ('pending', 'skipped')), count(*) FILTER (WHERE run1), count(*) FILTER (WHERE key1),
         count(*) FILTER (WHERE model1), count(*) FILTER (WHERE cred1),
         COALESCE(sum("inputTokens"), 0), COALESCE(sum("outputTokens"), 0), COALESCE(sum(credits), 0)
  FROM firsts
  GROUP BY 1, 2, 3, 4, 5, 6, 7
$$;

-- Adds to the rollup what a statement changed: the rows after it minus the rows before it. A status or
-- token update changes only the sums. A step added to a run (or moved to another run or group) can change
-- which of the run's rows counts the run, so then the run's other steps are read too, and writers that do
-- that to the same run take turns (an advisory lock until commit): two of them adding the run's first step
-- for a model at once must not both count it. The lock is one of 64 slots picked by the run's id, so a
-- statement adding steps to thousands of runs (an import) holds at most 64 locks, taken in order. Rows
-- are written in key order, so two statements lock the same rollup rows in the same order.
CREATE FUNCTION byok_usage_studio_apply(added generation_step[], removed generation_step[]) RETURNS void AS $$
DECLARE
  run_ids text[];
  after_rows generation_step[] := added;
  before_rows generation_step[] := COALESCE(removed, '{}');
BEGIN
  IF added IS NULL THEN RETURN; END IF;
  IF removed IS NULL OR EXISTS (
    SELECT 1 FROM unnest(added) a JOIN unnest(removed) b ON a.id = b.id
    WHERE (a."runId", a."keyId", a.provider, a."modelId", a."credentialSource") IS DISTINCT FROM (b."runId", b."keyId", b.provider, b."modelId", b."credentialSource")
  ) THEN
    run_ids := ARRAY(SELECT "runId" FROM unnest(added) UNION SELECT "runId" FROM unnest(before_rows) ORDER BY 1);
    PERFORM pg_advisory_xact_lock(hashtext('usage_studio_daily'), slot)
    FROM (SELECT DISTINCT abs(hashtext(id) % 64) AS slot FROM unnest(run_ids) id ORDER BY 1) slots;
    after_rows := ARRAY(SELECT s FROM generation_step s WHERE s."runId" = ANY(run_ids));
    before_rows := ARRAY(
      SELECT s FROM unnest(after_rows) s WHERE NOT EXISTS (SELECT 1 FROM unnest(added) a WHERE a.id = s.id)
      UNION ALL SELECT b FROM unnest(before_rows) b);
  END IF;
  INSERT INTO usage_studio_daily ("workspaceId", day, "memberId", "keyId", provider, model, "credentialSource", calls, runs, "runsByKey",
                                  "runsByModel", "runsByCredential", "inputTokens", "outputTokens", credits)
  SELECT "workspaceId", day, "memberId", "keyId", provider, model, "credentialSource", sum(calls), sum(runs), sum("runsByKey"),
         sum("runsByModel"), sum("runsByCredential"), sum("inputTokens"), sum("outputTokens"), sum(credits)
  FROM (
    SELECT * FROM byok_usage_studio_rows(after_rows)
    UNION ALL
    SELECT "workspaceId", day, "memberId", "keyId", provider, model, "credentialSource", -calls, -runs, -"runsByKey", -"runsByModel",
           -"runsByCredential", -"inputTokens", -"outputTokens", -credits
    FROM byok_usage_studio_rows(before_rows)
  ) d
  GROUP BY 1, 2, 3, 4, 5, 6, 7
  -- A status change of one step moves nothing else: unchanged rows are not written (nor locked).
  HAVING sum(calls) <> 0 OR sum(runs) <> 0 OR sum("runsByKey") <> 0 OR sum("runsByModel") <> 0 OR sum("runsByCredential") <> 0
      OR sum("inputTokens") <> 0 OR sum("outputTokens") <> 0 OR sum(credits) <> 0
  ORDER BY 1, 2, 3, 4, 5, 6, 7
  ON CONFLICT ("workspaceId", day, "memberId", "keyId", provider, model, "credentialSource") DO UPDATE SET
    calls = usage_studio_daily.calls + EXCLUDED.calls,
    runs = usage_studio_daily.runs + EXCLUDED.runs,
    "runsByKey" = usage_studio_daily."runsByKey" + EXCLUDED."runsByKey",
    "runsByModel" = usage_studio_daily."runsByModel" + EXCLUDED."runsByModel",
    "runsByCredential" = usage_studio_daily."runsByCredential" + EXCLUDED."runsByCredential",
    "inputTokens" = usage_studio_daily."inputTokens" + EXCLUDED."inputTokens",
    "outputTokens" = usage_studio_daily."outputTokens" + EXCLUDED."outputTokens",
    credits = usage_studio_daily.credits + EXCLUDED.credits;
END $$ LANGUAGE plpgsql;

CREATE FUNCTION byok_usage_studio_inserted() RETURNS trigger AS $$
BEGIN
  PERFORM byok_usage_studio_apply((SELECT array_agg(n::generation_step) FROM new_steps n), NULL::generation_step[]);
  RETURN NULL;
END $$ LANGUAGE plpgsql;

CREATE FUNCTION byok_usage_studio_updated() RETURNS trigger AS $$
BEGIN
  PERFORM byok_usage_studio_apply((SELECT array_agg(n::generation_step) FROM new_steps n), (SELECT array_agg(o::generation_step) FROM old_steps o));
  RETURN NULL;
END $$ LANGUAGE plpgsql;

-- Deleting steps leaves the rollup alone, as deleting gateway calls does: steps go only with their run's
-- workspace, whose rollup rows go with it. A run's workspace, actor and start never change.
CREATE TRIGGER generation_step_usage_inserted AFTER INSERT ON "generation_step" REFERENCING NEW TABLE AS new_steps
  FOR EACH STATEMENT EXECUTE FUNCTION byok_usage_studio_inserted();
CREATE TRIGGER generation_step_usage_updated AFTER UPDATE ON "generation_step" REFERENCING OLD TABLE AS old_steps NEW TABLE AS new_steps
  FOR EACH STATEMENT EXECUTE FUNCTION byok_usage_studio_updated();

-- Steps recorded before this migration, run by run.
INSERT INTO usage_studio_daily ("workspaceId", day, "memberId", "keyId", provider, model, "credentialSource", calls, runs, "runsByKey",
                                "runsByModel", "runsByCredential", "inputTokens", "outputTokens", credits)
SELECT x."workspaceId", x.day, x."memberId", x."keyId", x.provider, x.model, x."credentialSource", sum(x.calls), sum(x.runs), sum(x."runsByKey"),
       sum(x."runsByModel"), sum(x."runsByCredential"), sum(x."inputTokens"), sum(x."outputTokens"), sum(x.credits)
FROM (SELECT array_agg(s) AS steps FROM generation_step s GROUP BY s."runId") g
CROSS JOIN LATERAL byok_usage_studio_rows(g.steps) x
GROUP BY 1, 2, 3, 4, 5, 6, 7;
