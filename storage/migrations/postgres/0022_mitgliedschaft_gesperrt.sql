-- Account lifecycle (issue 13): a tenant admin deactivates a person in the own authority
-- only — the membership, not the account, which may belong to other authorities too. A
-- deactivated membership signs nobody in; its sessions and tokens end when it is set.
ALTER TABLE memberships ADD COLUMN gesperrt_at BIGINT;
