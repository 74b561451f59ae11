-- Data only. Free credits are granted once per user, to their first workspace, under the ledger key
-- free-credits:user:<userId>. Each existing user's earliest initial grant takes that key, so people who
-- signed up before the change do not get the credits again with their next workspace.
UPDATE "credit_ledger" AS l
SET "idempotencyKey" = 'free-credits:user:' || f."userId"
FROM (
  SELECT DISTINCT ON (m."userId") m."userId", g."id"
  FROM "credit_ledger" AS g
  JOIN "membership" AS m ON m."workspaceId" = g."workspaceId" AND m."role" = 'owner'
  WHERE g."idempotencyKey" LIKE 'plan-grant:%:initial'
  ORDER BY m."userId", g."createdAt", g."id"
) AS f
WHERE l."id" = f."id";
